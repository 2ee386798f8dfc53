package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// The requests of each workload. Relationships and orders are picked at random
// from the manifest, each with a token of the right side.

func (h *harness) randomOrder() (int, string) {
	r := rand.IntN(len(h.man.Rels))
	o := h.man.Rels[r].Orders
	return r, o[rand.IntN(len(o))]
}

func (h *harness) ceilingRead(ctx context.Context, _ int) error {
	r, id := h.randomOrder()
	return call(ctx, "GET", h.ceiling.base+"/orders/"+id+"?rel="+h.man.Rels[r].ID, h.buyer[r], "", 200, nil, nil)
}

// floorRead asks the ceiling server for its constant answer.
func (h *harness) floorRead(ctx context.Context, _ int) error {
	return call(ctx, "GET", h.ceiling.base+"/floor", "", "", 200, nil, nil)
}

func (h *harness) ceilingInsert(ctx context.Context, _ int) error {
	r := rand.IntN(len(h.man.Rels))
	return h.ceilingInsertRel(ctx, h.ceiling, r)
}

func (h *harness) ceilingInsertRel(ctx context.Context, c *child, r int) error {
	return call(ctx, "POST", c.base+"/rows", h.buyer[r], h.ceilingRowBody(r), 201, nil, nil)
}

// ceilingRowBody is the body of a ceiling row in relationship r.
func (h *harness) ceilingRowBody(r int) string {
	return `{"relationship_id":"` + h.man.Rels[r].ID + `","body":"PO-` + newRunID() + `"}`
}

// ceilingGroupInsert is the ceiling's single-row insert, group-committed.
func (h *harness) ceilingGroupInsert(ctx context.Context, _ int) error {
	r := rand.IntN(len(h.man.Rels))
	return call(ctx, "POST", h.ceiling.base+"/rows/group", h.buyer[r], h.ceilingRowBody(r), 201, nil, nil)
}

// barePlace places the portal's placement (same body, same key) on the bare
// stack's group-committed placement.
func (h *harness) barePlace(ctx context.Context, _ int) error {
	r := rand.IntN(len(h.man.Rels))
	return call(ctx, "POST", h.ceiling.base+"/relationships/"+h.man.Rels[r].ID+"/orders", h.buyer[r], h.placementBody(r), 201,
		map[string]string{"Idempotency-Key": newRunID()}, nil)
}

func (h *harness) relBase(r int) string {
	return h.portal.base + "/api/v1/relationships/" + h.man.Rels[r].ID
}

func (h *harness) orderRead(ctx context.Context, _ int) error {
	r, id := h.randomOrder()
	return call(ctx, "GET", h.relBase(r)+"/orders/"+id, h.buyer[r], "", 200, nil, nil)
}

func (h *harness) orderList(ctx context.Context, _ int) error {
	r := rand.IntN(len(h.man.Rels))
	return call(ctx, "GET", h.relBase(r)+"/orders?limit=50", h.buyer[r], "", 200, nil, nil)
}

func (h *harness) eventsAfter(ctx context.Context, _ int) error {
	r := rand.IntN(len(h.man.Rels))
	return call(ctx, "GET", h.relBase(r)+"/events?after_seq="+strconv.Itoa(rand.IntN(1000))+"&limit=50", h.buyer[r], "", 200, nil, nil)
}

func (h *harness) placeOrder(ctx context.Context, _ int) error {
	return h.placeOrderRel(ctx, rand.IntN(len(h.man.Rels)))
}

// placeOrderRel places a 3-line order with a fresh idempotency key.
func (h *harness) placeOrderRel(ctx context.Context, r int) error {
	return h.placeOrderRelOut(ctx, r, nil)
}

// placeOrderRelOut is placeOrderRel keeping the response body in out.
func (h *harness) placeOrderRelOut(ctx context.Context, r int, out *[]byte) error {
	return call(ctx, "POST", h.relBase(r)+"/orders", h.buyer[r], h.placementBody(r), 201, map[string]string{"Idempotency-Key": newRunID()}, out)
}

// placementBody is a 3-line order of relationship r's products.
func (h *harness) placementBody(r int) string {
	ps := h.man.Rels[r].Products
	return fmt.Sprintf(`{"po_number":"LT-%s","requested_date":%q,"note":"load test","lines":[{"product_id":%q,"quantity":%d},{"product_id":%q,"quantity":%d},{"product_id":%q,"quantity":%d}]}`,
		newRunID()[:10], time.Now().AddDate(0, 0, 30).Format("2006-01-02"), ps[0], 1+rand.IntN(9), ps[1], 1+rand.IntN(9), ps[2], 1+rand.IntN(9))
}

// changeState acknowledges a submitted order (supplier) or moves an
// acknowledged one into production; the pools hold orders in those states.
func (h *harness) changeState(ctx context.Context, _ int) error {
	select {
	case o := <-h.submitted:
		body := `{"promised_date":"` + time.Now().AddDate(0, 0, 21).Format("2006-01-02") + `"}`
		err := call(ctx, "POST", h.relBase(o.rel)+"/orders/"+o.id+"/acknowledge", h.supp[o.rel], body, 0, nil, nil)
		if err == nil {
			select {
			case h.acked <- o:
			default:
			}
		}
		return err
	case o := <-h.acked:
		return call(ctx, "POST", h.relBase(o.rel)+"/orders/"+o.id+"/status", h.supp[o.rel], `{"status":"in_production"}`, 0, nil, nil)
	default:
		// The dataset's submitted and acknowledged orders are used up (a small
		// dataset under a fast server): place one, to be acknowledged later.
		return h.placeForChange(ctx, rand.IntN(len(h.man.Rels)))
	}
}

// placeForChange places an order and queues it for a later state change.
func (h *harness) placeForChange(ctx context.Context, r int) error {
	var out []byte
	if err := h.placeOrderRelOut(ctx, r, &out); err != nil {
		return err
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &created); err != nil || created.ID == "" {
		return fmt.Errorf("placed order without an id: %s", out)
	}
	select {
	case h.submitted <- orderRef{rel: r, id: created.ID}:
	default:
	}
	return nil
}

// newThing is the 10% of the mixed load that creates: orders, and tickets and
// comments where the portal offers them.
func (h *harness) newThing(ctx context.Context, r int) error {
	switch n := rand.IntN(3); {
	case n == 1 && h.features["tickets"]:
		body := `{"type":"repair","severity":"normal","title":"Spindle noise","body":"load test"}`
		return call(ctx, "POST", h.relBase(r)+"/tickets", h.buyer[r], body, 201, nil, nil)
	case n == 2 && h.features["comments"]:
		_, id := h.randomOrderOf(r)
		body := `{"subject_type":"order","subject_id":"` + id + `","body":"load test comment"}`
		return call(ctx, "POST", h.relBase(r)+"/comments", h.buyer[r], body, 201, nil, nil)
	}
	return h.placeOrderRel(ctx, r)
}

func (h *harness) randomOrderOf(r int) (int, string) {
	o := h.man.Rels[r].Orders
	return r, o[rand.IntN(len(o))]
}

// mixed is 70% reads (single order, list, events), 20% state changes, 10% new things.
func (h *harness) mixed(ctx context.Context, w int) error {
	switch n := rand.IntN(100); {
	case n < 50:
		return h.orderRead(ctx, w)
	case n < 60:
		return h.orderList(ctx, w)
	case n < 70:
		return h.eventsAfter(ctx, w)
	case n < 90:
		return h.changeState(ctx, w)
	}
	return h.newThing(ctx, rand.IntN(len(h.man.Rels)))
}
