-- Fewer index pages written per order (docs/PERFORMANCE.md). Placing an order
-- wrote about fifteen scattered pages to the WAL and then to the database file,
-- and the disk's random writes bound placement. Two indexes served no query:
-- order_lines_product: every query over lines reaches them through their order
-- (orders of a relationship, then lines by order_id); nothing deletes or renames
-- a product, so the foreign key never looks lines up by product either.
DROP INDEX order_lines_product;
-- notifications_event: the live push reads a range of a relationship's events
-- for a few users, which the unique (user_id, relationship_id, seq) index serves.
DROP INDEX notifications_event;
