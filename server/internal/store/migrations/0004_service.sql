-- Service area (ideas, comments, tickets, interactions): what 0001 does not have.

-- Comments carry a version (edits honour If-Match) and the users they @mention.
ALTER TABLE comments ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE comments ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';
CREATE INDEX comments_rel_id ON comments(relationship_id, id);

-- A reopened ticket restarts its resolution clock; keep when and how often.
ALTER TABLE tickets ADD COLUMN reopened_at {{TS}};
ALTER TABLE tickets ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tickets_rel_type ON tickets(relationship_id, type, status);
CREATE INDEX tickets_first_response ON tickets(first_response_breached, first_response_due_at);

CREATE INDEX ideas_rel_status ON ideas(relationship_id, status, id);
CREATE INDEX interaction_participants_user ON interaction_participants(user_id);

-- A ticket's (or any object's) timeline is read from the event log by subject.
CREATE INDEX events_rel_subject ON events(relationship_id, subject_type, subject_id, seq);
