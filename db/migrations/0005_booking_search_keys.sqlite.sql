-- k: 'n' + name, 'p' + phone hash or 't' + reversed ID tail. One B-tree, no rowid table.
CREATE TABLE vax_booking_key (
  k TEXT NOT NULL,
  booking_id BIGINT NOT NULL,
  PRIMARY KEY (k, booking_id)
) WITHOUT ROWID;
