-- Foundation: region tree, accounts, roles, sessions, audit, SMS outbox.
-- {{PK}} becomes each dialect's 64-bit auto-increment key. Times are epoch milliseconds UTC.

CREATE TABLE region_node (
  id {{PK}},
  parent_id BIGINT REFERENCES region_node(id),
  name TEXT NOT NULL,
  level INTEGER NOT NULL,
  kind TEXT,
  population BIGINT NOT NULL DEFAULT 0,
  sort_order INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  path TEXT NOT NULL DEFAULT '',
  link_token TEXT UNIQUE,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX region_node_path ON region_node(path);
CREATE INDEX region_node_parent ON region_node(parent_id, sort_order);
CREATE UNIQUE INDEX region_node_sibling_name ON region_node(parent_id, name);

CREATE TABLE iam_user (
  id {{PK}},
  username TEXT NOT NULL UNIQUE,
  nickname TEXT NOT NULL DEFAULT '',
  phone_enc TEXT,
  phone_hash TEXT UNIQUE,
  phone_mask TEXT,
  email TEXT NOT NULL DEFAULT '',
  region_id BIGINT NOT NULL REFERENCES region_node(id),
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 1,
  enabled INTEGER NOT NULL DEFAULT 1,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX iam_user_region ON iam_user(region_id);

CREATE TABLE iam_role (
  id {{PK}},
  name TEXT NOT NULL UNIQUE,
  code TEXT NOT NULL UNIQUE,
  remark TEXT NOT NULL DEFAULT '',
  region_id BIGINT NOT NULL REFERENCES region_node(id),
  enabled INTEGER NOT NULL DEFAULT 1,
  builtin INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE iam_role_permission (
  role_id BIGINT NOT NULL REFERENCES iam_role(id) ON DELETE CASCADE,
  code TEXT NOT NULL,
  PRIMARY KEY (role_id, code)
);

CREATE TABLE iam_user_role (
  user_id BIGINT NOT NULL REFERENCES iam_user(id) ON DELETE CASCADE,
  role_id BIGINT NOT NULL REFERENCES iam_role(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, role_id)
);
CREATE INDEX iam_user_role_role ON iam_user_role(role_id);

CREATE TABLE iam_session (
  id {{PK}},
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES iam_user(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX iam_session_user ON iam_session(user_id);

CREATE TABLE iam_login_log (
  id {{PK}},
  username TEXT NOT NULL,
  user_id BIGINT,
  ip TEXT NOT NULL DEFAULT '',
  success INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  region_path TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX iam_login_log_time ON iam_login_log(created_at);
CREATE INDEX iam_login_log_path ON iam_login_log(region_path);

CREATE TABLE iam_captcha (
  id TEXT PRIMARY KEY,
  answer TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX iam_captcha_expiry ON iam_captcha(expires_at);

CREATE TABLE iam_sms_code (
  id {{PK}},
  user_id BIGINT NOT NULL REFERENCES iam_user(id) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  used INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX iam_sms_code_user ON iam_sms_code(user_id, purpose);

CREATE TABLE audit_log (
  id {{PK}},
  created_at BIGINT NOT NULL,
  actor_id BIGINT,
  actor_name TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id BIGINT,
  region_path TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  before_json TEXT,
  after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_time ON audit_log(created_at);
CREATE INDEX audit_log_path ON audit_log(region_path);

CREATE TABLE notify_template (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  content TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE notify_sms (
  id {{PK}},
  phone_enc TEXT NOT NULL,
  phone_mask TEXT NOT NULL,
  template TEXT NOT NULL,
  content TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  claimed_until BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  region_path TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  sent_at BIGINT
);
CREATE INDEX notify_sms_due ON notify_sms(status, next_attempt_at);
CREATE INDEX notify_sms_path ON notify_sms(region_path, created_at);

INSERT INTO notify_template (code, name, content, updated_at) VALUES
  ('login_code', '登录验证码', '【防疫平台】您的登录验证码为{code}，5分钟内有效。如非本人操作请忽略。', 0),
  ('reset_code', '找回密码验证码', '【防疫平台】您正在找回密码，验证码为{code}，5分钟内有效。', 0);
