-- The staff's keyword search (姓名, 手机号, 证件号后几位) goes through search terms instead of
-- three indexes on vax_booking. Each of those indexes had a random key, so each cost a page
-- written per booking at commit: about a quarter of SQLite's bookings per second in a crowd.
-- A booking made by the crowd path is queued in vax_booking_unsearched and its terms are
-- written behind, when the booking engine is idle; searches also read the queued bookings, so
-- they miss none. Every other path writes its terms at once.
-- Terms: 'n' || name, 'p' || phone_hash, 't' || id_tail (the ID number reversed).
CREATE TABLE vax_booking_term (
  term TEXT NOT NULL,
  booking_id BIGINT NOT NULL,
  PRIMARY KEY (term, booking_id)
){{KEY_ONLY}};

CREATE TABLE vax_booking_unsearched (
  booking_id BIGINT NOT NULL PRIMARY KEY
){{KEY_ONLY}};

INSERT INTO vax_booking_term (term, booking_id) SELECT 'n' || name, id FROM vax_booking;
INSERT INTO vax_booking_term (term, booking_id)
  SELECT 'p' || phone_hash, id FROM vax_booking WHERE phone_hash <> '';
INSERT INTO vax_booking_term (term, booking_id)
  SELECT 't' || id_tail, id FROM vax_booking WHERE id_tail <> '';

DROP INDEX vax_booking_name;
DROP INDEX vax_booking_tail;
DROP INDEX vax_booking_phone;
