-- Real time: one-time websocket tickets and per-user notifications.

-- A ticket is kept only as its SHA-256 hash; it is deleted when redeemed, so
-- any instance behind a load balancer can redeem it exactly once.
CREATE TABLE ws_tickets (
  ticket_hash TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id),
  expires_at  {{TS}} NOT NULL,
  created_at  {{TS}} NOT NULL
);
CREATE INDEX ws_tickets_expires ON ws_tickets(expires_at);

-- One row per (user, event) that concerns the user; the event itself stays in
-- the log and is joined on (relationship_id, seq).
CREATE TABLE notifications (
  id              TEXT PRIMARY KEY,
  user_id         TEXT NOT NULL REFERENCES users(id),
  relationship_id TEXT NOT NULL REFERENCES relationships(id),
  seq             BIGINT NOT NULL,
  type            TEXT NOT NULL,
  created_at      {{TS}} NOT NULL,
  read_at         {{TS}},
  UNIQUE (user_id, relationship_id, seq)
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_user_unread ON notifications(user_id, read_at);
CREATE INDEX notifications_event ON notifications(relationship_id, seq);
