-- Orders, promises and the catalogue: what the hot paths and the promise job need.

-- An idempotent retry answers with the first response's body, stored here.
ALTER TABLE idempotency_keys ADD COLUMN response TEXT NOT NULL DEFAULT '';

-- The catalogue pages by id within one supplier.
CREATE INDEX products_supplier_id ON products(supplier_org_id, id);

-- An order's delivery promise, and the job that breaks overdue ones.
CREATE INDEX promises_order ON promises(order_id);
CREATE INDEX promises_status_due ON promises(status, due_date);
