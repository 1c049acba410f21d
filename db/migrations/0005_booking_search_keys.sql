-- Issue 4: look-ups by name, phone and ID tail go through vax_booking_key instead of three
-- indexes on vax_booking. Those indexes took random keys, so each booking wrote a page of
-- each at commit (a quarter of the flash-crowd writer's time); the keys are now written
-- behind the bookings, many at once and in key order, by the search keyer. A booking not
-- keyed yet is listed in vax_booking_unkeyed, and searches look at those rows directly.
CREATE TABLE vax_booking_unkeyed (
  id BIGINT PRIMARY KEY
);
INSERT INTO vax_booking_unkeyed (id) SELECT id FROM vax_booking;
DROP INDEX vax_booking_name;
DROP INDEX vax_booking_tail;
DROP INDEX vax_booking_phone;
