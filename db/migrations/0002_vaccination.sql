-- Vaccination appointments (SPEC V1–V15). Times are epoch milliseconds UTC; `day` is the
-- slot's local date (YYYY-MM-DD) and start_min/end_min its local minutes of the day.

CREATE TABLE vax_vaccine (
  id {{PK}},
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  name_en TEXT NOT NULL DEFAULT '',
  manufacturer TEXT NOT NULL DEFAULT '',
  doses INTEGER NOT NULL,
  rules TEXT NOT NULL DEFAULT '[]',
  enabled INTEGER NOT NULL DEFAULT 1,
  sort_order INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

INSERT INTO vax_vaccine (code, name, name_en, manufacturer, doses, rules, sort_order, created_at, updated_at) VALUES
  ('1379696357380038657', '新冠病毒灭活疫苗vero细胞（二针型）', 'COVID-19 Vaccine, Inactivated (Vero Cell), 2 doses', '北京科兴中维', 2,
   '[{"doseNo":2,"minDays":21,"maxDaysFromFirst":56}]', 1, 0, 0),
  ('1379696399016894466', '重组新冠病毒疫苗cho细胞（三针型）', 'COVID-19 Vaccine, Recombinant (CHO Cell), 3 doses', '安徽智飞龙科马', 3,
   '[{"doseNo":2,"minDays":28,"maxDaysFromFirst":56},{"doseNo":3,"minDays":28,"maxDaysFromFirst":183}]', 2, 0, 0),
  ('1383976849669963777', '重组新冠病毒疫苗（5型腺病毒载体）', 'COVID-19 Vaccine, Adenovirus Type 5 Vector, 1 dose', '康希诺生物', 1,
   '[]', 3, 0, 0);

CREATE TABLE vax_site (
  id {{PK}},
  street_id BIGINT NOT NULL REFERENCES region_node(id),
  region_path TEXT NOT NULL,
  name TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX vax_site_path ON vax_site(region_path);
CREATE UNIQUE INDEX vax_site_name ON vax_site(street_id, name);

CREATE TABLE vax_staff (
  id {{PK}},
  site_id BIGINT NOT NULL REFERENCES vax_site(id),
  region_path TEXT NOT NULL,
  name TEXT NOT NULL,
  passcode_hash TEXT NOT NULL UNIQUE,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX vax_staff_site ON vax_staff(site_id);
CREATE INDEX vax_staff_path ON vax_staff(region_path);

CREATE TABLE vax_staff_session (
  id {{PK}},
  token_hash TEXT NOT NULL UNIQUE,
  staff_id BIGINT NOT NULL REFERENCES vax_staff(id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE TABLE vax_group_link (
  street_id BIGINT PRIMARY KEY REFERENCES region_node(id),
  token TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);

CREATE TABLE vax_slot (
  id {{PK}},
  type TEXT NOT NULL,
  vaccine_id BIGINT NOT NULL REFERENCES vax_vaccine(id),
  site_id BIGINT NOT NULL REFERENCES vax_site(id),
  street_id BIGINT NOT NULL REFERENCES region_node(id),
  region_path TEXT NOT NULL,
  day TEXT NOT NULL,
  start_min INTEGER NOT NULL,
  end_min INTEGER NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  quota INTEGER NOT NULL,
  booked INTEGER NOT NULL DEFAULT 0,
  vaccinated INTEGER NOT NULL DEFAULT 0,
  locked INTEGER NOT NULL DEFAULT 0,
  remark TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (booked >= 0 AND booked <= quota)
);
CREATE INDEX vax_slot_street ON vax_slot(street_id, type, ends_at);
CREATE INDEX vax_slot_path ON vax_slot(region_path, day);

CREATE TABLE vax_booking (
  id {{PK}},
  code TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  slot_id BIGINT REFERENCES vax_slot(id),
  vaccine_id BIGINT NOT NULL REFERENCES vax_vaccine(id),
  dose_no INTEGER NOT NULL,
  site_id BIGINT REFERENCES vax_site(id),
  street_id BIGINT NOT NULL REFERENCES region_node(id),
  grid_id BIGINT NOT NULL REFERENCES region_node(id),
  region_path TEXT NOT NULL,
  day TEXT NOT NULL,
  start_min INTEGER NOT NULL DEFAULT 0,
  end_min INTEGER NOT NULL DEFAULT 0,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  name TEXT NOT NULL,
  id_type TEXT NOT NULL,
  id_enc TEXT NOT NULL,
  id_hash TEXT NOT NULL,
  id_tail TEXT NOT NULL,
  id_mask TEXT NOT NULL,
  birth_date TEXT NOT NULL DEFAULT '',
  sex TEXT NOT NULL DEFAULT '',
  phone_enc TEXT NOT NULL DEFAULT '',
  phone_hash TEXT NOT NULL DEFAULT '',
  phone_mask TEXT NOT NULL DEFAULT '',
  address_enc TEXT NOT NULL DEFAULT '',
  nationality TEXT NOT NULL DEFAULT '',
  proxy_name TEXT NOT NULL DEFAULT '',
  proxy_enc TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  cancel_by TEXT,
  cancel_reason TEXT NOT NULL DEFAULT '',
  checked_in_at BIGINT,
  vaccinated_at BIGINT,
  lot_no TEXT NOT NULL DEFAULT '',
  vaccinator TEXT NOT NULL DEFAULT '',
  release_at BIGINT,
  remind_at BIGINT,
  source TEXT NOT NULL,
  idem_key TEXT UNIQUE,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- One active booking per person, vaccine and dose: enforced by the database, not by code.
CREATE UNIQUE INDEX vax_booking_active ON vax_booking(id_hash, vaccine_id, dose_no) WHERE status = 'booked';
CREATE INDEX vax_booking_person ON vax_booking(id_hash);
CREATE INDEX vax_booking_name ON vax_booking(name);
CREATE INDEX vax_booking_vaccine ON vax_booking(vaccine_id, dose_no, region_path);
CREATE INDEX vax_booking_path ON vax_booking(region_path, id);
CREATE INDEX vax_booking_tail ON vax_booking(id_tail);
CREATE INDEX vax_booking_phone ON vax_booking(phone_hash);
CREATE INDEX vax_booking_slot ON vax_booking(slot_id);
CREATE INDEX vax_booking_site ON vax_booking(site_id, day);
CREATE INDEX vax_booking_created ON vax_booking(created_at);
CREATE INDEX vax_booking_release ON vax_booking(release_at) WHERE release_at IS NOT NULL;
CREATE INDEX vax_booking_remind ON vax_booking(remind_at) WHERE remind_at IS NOT NULL;

-- Aggregates kept in step with every booking change, so statistics never scan bookings.
CREATE TABLE vax_grid_stat (
  grid_id BIGINT NOT NULL REFERENCES region_node(id),
  vaccine_id BIGINT NOT NULL REFERENCES vax_vaccine(id),
  dose_no INTEGER NOT NULL,
  booked BIGINT NOT NULL DEFAULT 0,
  vaccinated BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (grid_id, vaccine_id, dose_no)
);

CREATE TABLE vax_day_stat (
  street_id BIGINT NOT NULL REFERENCES region_node(id),
  day TEXT NOT NULL,
  booked BIGINT NOT NULL DEFAULT 0,
  vaccinated BIGINT NOT NULL DEFAULT 0,
  released BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (street_id, day)
);

CREATE TABLE vax_setting (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

INSERT INTO notify_template (code, name, content, updated_at) VALUES
  ('vax_booked', '预约成功通知', '【防疫平台】{name}，您已成功预约{vaccine}第{dose}针，时间{time}，地点{site}，预约码{code}。请带好身份证件和口罩按时接种。', 0),
  ('vax_reminder', '接种前一天提醒', '【防疫平台】{name}，提醒您明天{time}在{site}接种{vaccine}第{dose}针，预约码{code}。', 0),
  ('vax_released', '超时自动取消通知', '【防疫平台】{name}，您预约的{vaccine}第{dose}针（{time}）超时未接种，系统已自动取消，如需接种请重新预约。', 0),
  ('vax_cancelled', '预约取消通知', '【防疫平台】{name}，您预约的{vaccine}第{dose}针（{time}）已被取消：{reason}。', 0);
