-- Fewer index pages written per event (docs/PERFORMANCE.md). events_rel_subject
-- held every event by (relationship, subject type, subject, seq), and only a
-- ticket's timeline reads events by subject; so every order placed or moved,
-- every comment, idea, plan and forecast event wrote a scattered page of it
-- (1.3 of the 13 pages an order placed writes) for no reader. A partial index
-- holds the ticket events alone; the timeline's query names the subject type as
-- a literal, so both databases can prove the index applies.
DROP INDEX events_rel_subject;
CREATE INDEX events_ticket_timeline ON events(relationship_id, subject_id, seq) WHERE subject_type = 'ticket';
