-- Rapport schema, version 1: every core table.
-- {{TS}} is TIMESTAMP on SQLite and TIMESTAMPTZ on PostgreSQL; all times are UTC.
-- Dates are TEXT 'YYYY-MM-DD', forecast periods TEXT 'YYYY-MM', money BIGINT minor units.

CREATE TABLE orgs (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  {{TS}} NOT NULL
);

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL REFERENCES orgs(id),
  email         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL,
  department    TEXT NOT NULL,
  active        BOOLEAN NOT NULL DEFAULT TRUE,
  created_at    {{TS}} NOT NULL
);
CREATE INDEX users_org ON users(org_id, id);

CREATE TABLE refresh_tokens (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id),
  family_id   TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  expires_at  {{TS}} NOT NULL,
  created_at  {{TS}} NOT NULL,
  used_at     {{TS}},
  revoked_at  {{TS}}
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);

CREATE TABLE invitations (
  id              TEXT PRIMARY KEY,
  token_hash      TEXT NOT NULL UNIQUE,
  supplier_org_id TEXT NOT NULL REFERENCES orgs(id),
  invited_by      TEXT NOT NULL REFERENCES users(id),
  buyer_org_name  TEXT NOT NULL,
  email           TEXT NOT NULL,
  name            TEXT NOT NULL,
  expires_at      {{TS}} NOT NULL,
  accepted_at     {{TS}},
  created_at      {{TS}} NOT NULL
);

CREATE TABLE relationships (
  id                     TEXT PRIMARY KEY,
  supplier_org_id        TEXT NOT NULL REFERENCES orgs(id),
  buyer_org_id           TEXT NOT NULL REFERENCES orgs(id),
  last_seq               BIGINT NOT NULL DEFAULT 0,
  silence_threshold_days INTEGER NOT NULL DEFAULT 30,
  account_owner_id       TEXT,
  created_at             {{TS}} NOT NULL,
  UNIQUE (supplier_org_id, buyer_org_id)
);
CREATE INDEX relationships_buyer ON relationships(buyer_org_id);

-- The event log: one gapless seq per relationship, written in the change's transaction.
CREATE TABLE events (
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  seq             BIGINT NOT NULL,
  type            TEXT NOT NULL,
  subject_type    TEXT NOT NULL,
  subject_id      TEXT NOT NULL,
  actor_id        TEXT NOT NULL DEFAULT '',
  actor_side      TEXT NOT NULL DEFAULT '',
  at              {{TS}} NOT NULL,
  data            TEXT NOT NULL DEFAULT '{}',
  -- Events about a confidential plan (the plan itself, comments on it) carry the
  -- plan's id here and reach only those who may read that plan.
  plan_scope      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (relationship_id, seq)
);
CREATE INDEX events_rel_side_at ON events(relationship_id, actor_side, at);

CREATE TABLE products (
  id                      TEXT PRIMARY KEY,
  supplier_org_id         TEXT NOT NULL REFERENCES orgs(id),
  sku                     TEXT NOT NULL,
  name                    TEXT NOT NULL,
  description             TEXT NOT NULL DEFAULT '',
  unit_price              BIGINT NOT NULL,
  currency                TEXT NOT NULL,
  lead_time_days          INTEGER NOT NULL DEFAULT 0,
  active                  BOOLEAN NOT NULL DEFAULT TRUE,
  installation_cost       BIGINT NOT NULL DEFAULT 0,
  annual_maintenance_cost BIGINT NOT NULL DEFAULT 0,
  expected_life_years     INTEGER NOT NULL DEFAULT 0,
  version                 BIGINT NOT NULL DEFAULT 1,
  created_at              {{TS}} NOT NULL,
  updated_at              {{TS}} NOT NULL,
  UNIQUE (supplier_org_id, sku)
);

CREATE TABLE contract_prices (
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  product_id      TEXT NOT NULL REFERENCES products(id),
  unit_price      BIGINT NOT NULL,
  updated_at      {{TS}} NOT NULL,
  PRIMARY KEY (relationship_id, product_id)
);

CREATE TABLE orders (
  id              TEXT PRIMARY KEY,
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  number          TEXT NOT NULL,
  status          TEXT NOT NULL,
  po_number       TEXT NOT NULL DEFAULT '',
  requested_date  TEXT NOT NULL DEFAULT '',
  promised_date   TEXT NOT NULL DEFAULT '',
  note            TEXT NOT NULL DEFAULT '',
  currency        TEXT NOT NULL,
  total           BIGINT NOT NULL,
  placed_by       TEXT NOT NULL REFERENCES users(id),
  reason          TEXT NOT NULL DEFAULT '',
  version         BIGINT NOT NULL DEFAULT 1,
  created_at      {{TS}} NOT NULL,
  updated_at      {{TS}} NOT NULL,
  acknowledged_at {{TS}},
  delivered_at    {{TS}},
  UNIQUE (relationship_id, number)
);
CREATE INDEX orders_rel_id ON orders(relationship_id, id);
CREATE INDEX orders_rel_status ON orders(relationship_id, status, id);

CREATE TABLE order_lines (
  order_id   TEXT NOT NULL REFERENCES orders(id),
  line_no    INTEGER NOT NULL,
  product_id TEXT NOT NULL REFERENCES products(id),
  sku        TEXT NOT NULL,
  name       TEXT NOT NULL,
  quantity   BIGINT NOT NULL,
  unit_price BIGINT NOT NULL,
  line_total BIGINT NOT NULL,
  PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_lines_product ON order_lines(product_id);

CREATE TABLE order_history (
  order_id  TEXT NOT NULL REFERENCES orders(id),
  seq       INTEGER NOT NULL,
  status    TEXT NOT NULL,
  actor_id  TEXT NOT NULL,
  at        {{TS}} NOT NULL,
  note      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (order_id, seq)
);

CREATE TABLE idempotency_keys (
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  user_id         TEXT NOT NULL,
  key             TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  status          INTEGER NOT NULL,
  resource_id     TEXT NOT NULL,
  created_at      {{TS}} NOT NULL,
  PRIMARY KEY (relationship_id, key)
);

CREATE TABLE promises (
  id              TEXT PRIMARY KEY,
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  description     TEXT NOT NULL,
  kind            TEXT NOT NULL,
  owner_id        TEXT NOT NULL REFERENCES users(id),
  due_date        TEXT NOT NULL,
  order_id        TEXT REFERENCES orders(id),
  status          TEXT NOT NULL,
  note            TEXT NOT NULL DEFAULT '',
  created_by      TEXT NOT NULL,
  version         BIGINT NOT NULL DEFAULT 1,
  created_at      {{TS}} NOT NULL,
  resolved_at     {{TS}}
);
CREATE INDEX promises_rel ON promises(relationship_id, id);
CREATE INDEX promises_owner ON promises(owner_id, status);

CREATE TABLE promise_history (
  promise_id TEXT NOT NULL REFERENCES promises(id),
  seq        INTEGER NOT NULL,
  status     TEXT NOT NULL,
  due_date   TEXT NOT NULL,
  note       TEXT NOT NULL DEFAULT '',
  actor_id   TEXT NOT NULL,
  at         {{TS}} NOT NULL,
  PRIMARY KEY (promise_id, seq)
);

CREATE TABLE forecast_revisions (
  id              TEXT PRIMARY KEY,
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  product_id      TEXT NOT NULL REFERENCES products(id),
  revision        INTEGER NOT NULL,
  kind            TEXT NOT NULL, -- 'forecast' (buyer) or 'commit' (supplier)
  note            TEXT NOT NULL DEFAULT '',
  author_id       TEXT NOT NULL,
  created_at      {{TS}} NOT NULL,
  UNIQUE (relationship_id, product_id, kind, revision)
);

CREATE TABLE forecast_periods (
  revision_id TEXT NOT NULL REFERENCES forecast_revisions(id),
  period      TEXT NOT NULL,
  quantity    BIGINT NOT NULL,
  PRIMARY KEY (revision_id, period)
);

CREATE TABLE plans (
  id              TEXT PRIMARY KEY,
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  author_id       TEXT NOT NULL REFERENCES users(id),
  author_org_id   TEXT NOT NULL REFERENCES orgs(id),
  title           TEXT NOT NULL,
  body            TEXT NOT NULL DEFAULT '',
  horizon_start   TEXT NOT NULL DEFAULT '',
  horizon_end     TEXT NOT NULL DEFAULT '',
  tags            TEXT NOT NULL DEFAULT '[]',
  confidential    BOOLEAN NOT NULL DEFAULT FALSE,
  version         BIGINT NOT NULL DEFAULT 1,
  created_at      {{TS}} NOT NULL,
  updated_at      {{TS}} NOT NULL
);
CREATE INDEX plans_rel ON plans(relationship_id, id);

CREATE TABLE plan_readers (
  plan_id TEXT NOT NULL REFERENCES plans(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  PRIMARY KEY (plan_id, user_id)
);

CREATE TABLE plan_access_log (
  plan_id TEXT NOT NULL REFERENCES plans(id),
  user_id TEXT NOT NULL,
  at      {{TS}} NOT NULL
);
CREATE INDEX plan_access_log_plan ON plan_access_log(plan_id, at);

CREATE TABLE ideas (
  id              TEXT PRIMARY KEY,
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  author_id       TEXT NOT NULL REFERENCES users(id),
  author_side     TEXT NOT NULL,
  title           TEXT NOT NULL,
  body            TEXT NOT NULL DEFAULT '',
  category        TEXT NOT NULL,
  product_id      TEXT REFERENCES products(id),
  estimated_value BIGINT NOT NULL DEFAULT 0,
  currency        TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL,
  reason          TEXT NOT NULL DEFAULT '',
  version         BIGINT NOT NULL DEFAULT 1,
  created_at      {{TS}} NOT NULL,
  updated_at      {{TS}} NOT NULL
);
CREATE INDEX ideas_rel ON ideas(relationship_id, id);

CREATE TABLE comments (
  id              TEXT PRIMARY KEY,
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  subject_type    TEXT NOT NULL,
  subject_id      TEXT NOT NULL,
  author_id       TEXT NOT NULL REFERENCES users(id),
  author_side     TEXT NOT NULL,
  body            TEXT NOT NULL,
  created_at      {{TS}} NOT NULL,
  edited_at       {{TS}},
  deleted_at      {{TS}}
);
CREATE INDEX comments_subject ON comments(relationship_id, subject_type, subject_id, id);

CREATE TABLE sla_policies (
  supplier_org_id        TEXT NOT NULL REFERENCES orgs(id),
  severity               TEXT NOT NULL,
  first_response_minutes INTEGER NOT NULL,
  resolution_minutes     INTEGER NOT NULL,
  PRIMARY KEY (supplier_org_id, severity)
);

CREATE TABLE tickets (
  id                    TEXT PRIMARY KEY,
  relationship_id       TEXT NOT NULL REFERENCES relationships(id),
  number                TEXT NOT NULL,
  type                  TEXT NOT NULL,
  severity              TEXT NOT NULL,
  title                 TEXT NOT NULL,
  body                  TEXT NOT NULL DEFAULT '',
  order_id              TEXT REFERENCES orders(id),
  product_id            TEXT REFERENCES products(id),
  status                TEXT NOT NULL,
  opened_by             TEXT NOT NULL REFERENCES users(id),
  opened_side           TEXT NOT NULL,
  assignee_id           TEXT REFERENCES users(id),
  first_response_due_at {{TS}} NOT NULL,
  resolution_due_at     {{TS}} NOT NULL,
  first_responded_at    {{TS}},
  resolved_at           {{TS}},
  closed_at             {{TS}},
  first_response_breached BOOLEAN NOT NULL DEFAULT FALSE,
  resolution_breached     BOOLEAN NOT NULL DEFAULT FALSE,
  version               BIGINT NOT NULL DEFAULT 1,
  created_at            {{TS}} NOT NULL,
  updated_at            {{TS}} NOT NULL
);
CREATE INDEX tickets_rel ON tickets(relationship_id, id);
CREATE INDEX tickets_open ON tickets(status, resolution_due_at);

CREATE TABLE interactions (
  id              TEXT PRIMARY KEY,
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  kind            TEXT NOT NULL,
  occurred_at     {{TS}} NOT NULL,
  summary         TEXT NOT NULL,
  initiated_by    TEXT NOT NULL, -- side: supplier | buyer
  logged_by       TEXT NOT NULL REFERENCES users(id),
  created_at      {{TS}} NOT NULL
);
CREATE INDEX interactions_rel ON interactions(relationship_id, occurred_at);

CREATE TABLE interaction_participants (
  interaction_id TEXT NOT NULL REFERENCES interactions(id),
  user_id        TEXT NOT NULL REFERENCES users(id),
  PRIMARY KEY (interaction_id, user_id)
);

CREATE TABLE health_snapshots (
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  day             TEXT NOT NULL,
  score           INTEGER NOT NULL,
  status          TEXT NOT NULL,
  signals         TEXT NOT NULL DEFAULT '[]',
  computed_at     {{TS}} NOT NULL,
  PRIMARY KEY (relationship_id, day)
);
