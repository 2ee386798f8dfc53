-- Hot paths found by the load harness (docs/PERFORMANCE.md).
-- An order's delivery promise is found by (order, kind): two equality terms, so
-- the planner prefers it to walking the relationship's promises even without
-- statistics (with promises_order on order_id alone, SQLite chose promises_rel).
DROP INDEX promises_order;
CREATE INDEX promises_order_kind ON promises(order_id, kind);

-- Order numbers come from a per-relationship counter taken under the relationship's
-- row lock (like last_seq), not from counting the relationship's orders.
ALTER TABLE relationships ADD COLUMN orders_placed BIGINT NOT NULL DEFAULT 0;
UPDATE relationships SET orders_placed = (SELECT COUNT(*) FROM orders o WHERE o.relationship_id = relationships.id);
