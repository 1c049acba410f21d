-- pgbench script of the booking-flash baseline (see bench/README.md): the naive way to book,
-- one transaction per booking, each committed on its own (no group commit), no HTTP.
-- Variables (pgbench -D): slot (a slot with a quota that never runs out), grid, grid_path.
-- A new person per transaction: random id_hash (and code), so the unique index
-- vax_booking_person (id_hash, vaccine_id, dose_no, …) never rejects one.
BEGIN;
UPDATE vax_slot SET booked = booked + 1, updated_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
  WHERE id = :slot AND booked < quota;
INSERT INTO vax_booking (code, type, slot_id, vaccine_id, dose_no, site_id, street_id, grid_id, region_path,
    day, start_min, end_min, starts_at, ends_at, name, id_type, id_enc, id_hash, id_tail, id_mask,
    birth_date, sex, phone_enc, phone_hash, phone_mask, address_enc, status, release_at, remind_at, source,
    created_at, updated_at)
  SELECT md5(random()::text), s.type, s.id, s.vaccine_id, 1, s.site_id, s.street_id, :grid, :grid_path,
    s.day, s.start_min, s.end_min, s.starts_at, s.ends_at, '压测基线', 'id_card',
    md5(random()::text) || md5(random()::text), md5(random()::text), '000000', '3101**********0000',
    '1980-01-01', 'M', md5(random()::text) || md5(random()::text), md5(random()::text), '135****0000',
    md5(random()::text) || md5(random()::text), 'booked', s.starts_at + 3600000, s.starts_at - 43200000, 'online',
    (extract(epoch FROM clock_timestamp()) * 1000)::bigint, (extract(epoch FROM clock_timestamp()) * 1000)::bigint
  FROM vax_slot s WHERE s.id = :slot;
COMMIT;
