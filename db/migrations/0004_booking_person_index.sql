-- One index on the person instead of two. A booking's key in vax_booking_person is
-- (person, vaccine, dose, 0) while it is active and (…, its own id) once it is not, so the
-- index is unique for active bookings only (the invariant of 0002's partial index) and its
-- leading column still serves every look-up by person. Each random-key index costs a page
-- written per booking at commit; the flash-crowd path pays for this one once, not twice.
DROP INDEX vax_booking_active;
DROP INDEX vax_booking_person;
CREATE UNIQUE INDEX vax_booking_person
  ON vax_booking (id_hash, vaccine_id, dose_no, (CASE WHEN status = 'booked' THEN 0 ELSE id END));
