-- An order's lines and status history travel with its row (docs/PERFORMANCE.md).
-- Reading one order was the busiest query: two index walks and a JSON aggregation
-- per request for data that is written once (lines) or appended on a state change
-- that rewrites the order row anyway (history). The row now carries both as JSON
-- arrays in the form the store reads them; order_lines stays, for the demand and
-- catalogue queries that join lines, and order_history goes.
ALTER TABLE orders ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE orders ADD COLUMN history TEXT NOT NULL DEFAULT '[]';
UPDATE orders SET
  lines = COALESCE((SELECT CAST({{JSON_AGG}}({{JSON_OBJECT}}('n', l.line_no, 'p', l.product_id, 's', l.sku, 'm', l.name,
      'q', l.quantity, 'u', l.unit_price, 't', l.line_total) ORDER BY l.line_no) AS TEXT)
    FROM order_lines l WHERE l.order_id = orders.id), '[]'),
  history = COALESCE((SELECT CAST({{JSON_AGG}}({{JSON_OBJECT}}('n', h.seq, 'st', h.status, 'a', h.actor_id, 'no', h.note, 'at', h.at) ORDER BY h.seq) AS TEXT)
    FROM order_history h WHERE h.order_id = orders.id), '[]');
DROP TABLE order_history;
