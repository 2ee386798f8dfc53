package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/order"
	"github.com/rapport/rapport/server/internal/store"
)

type orderLineJSON struct {
	LineNo    int    `json:"line_no"`
	ProductID string `json:"product_id"`
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	UnitPrice string `json:"unit_price"`
	LineTotal string `json:"line_total"`
}

type orderHistoryJSON struct {
	Seq     int       `json:"seq"`
	Status  string    `json:"status"`
	ActorID string    `json:"actor_id"`
	At      time.Time `json:"at"`
	Note    string    `json:"note"`
}

// orderJSON is the order shape of DESIGN. Lists leave history out (it is the
// single-order read's); promise is the delivery promise once acknowledged.
type orderJSON struct {
	ID             string             `json:"id"`
	RelationshipID string             `json:"relationship_id"`
	Number         string             `json:"number"`
	Status         string             `json:"status"`
	PONumber       string             `json:"po_number"`
	RequestedDate  *string            `json:"requested_date"`
	PromisedDate   *string            `json:"promised_date"`
	Note           string             `json:"note"`
	Reason         string             `json:"reason"`
	Currency       string             `json:"currency"`
	Lines          []orderLineJSON    `json:"lines"`
	Total          string             `json:"total"`
	PlacedBy       string             `json:"placed_by"`
	Version        int64              `json:"version"`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	AcknowledgedAt *time.Time         `json:"acknowledged_at"`
	DeliveredAt    *time.Time         `json:"delivered_at"`
	History        []orderHistoryJSON `json:"history,omitempty"`
	PromiseID      *string            `json:"promise_id"`
	Promise        *promiseJSON       `json:"promise,omitempty"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func orderOut(o order.Order) orderJSON {
	f := func(x money.Amount) string { return money.Format(x, o.Currency) }
	out := orderJSON{ID: o.ID, RelationshipID: o.RelationshipID, Number: o.Number, Status: string(o.Status), PONumber: o.PONumber,
		RequestedDate: optional(o.RequestedDate), PromisedDate: optional(o.PromisedDate), Note: o.Note, Reason: o.Reason,
		Currency: o.Currency, Total: f(o.Total), PlacedBy: o.PlacedBy, Version: o.Version, CreatedAt: o.CreatedAt,
		UpdatedAt: o.UpdatedAt, AcknowledgedAt: o.AcknowledgedAt, DeliveredAt: o.DeliveredAt, PromiseID: optional(o.PromiseID),
		Lines: make([]orderLineJSON, len(o.Lines))}
	for i, l := range o.Lines {
		out.Lines[i] = orderLineJSON{LineNo: l.LineNo, ProductID: l.ProductID, SKU: l.SKU, Name: l.Name, Quantity: l.Quantity,
			UnitPrice: f(l.UnitPrice), LineTotal: f(l.LineTotal)}
	}
	for _, h := range o.History {
		out.History = append(out.History, orderHistoryJSON{Seq: h.Seq, Status: string(h.Status), ActorID: h.ActorID, At: h.At, Note: h.Note})
	}
	return out
}

// idempotency reads the Idempotency-Key header and fingerprints the request:
// who asks, on which endpoint, for what. ok is false when a 422 was written.
func idempotency(c *gin.Context, body any) (store.Idempotency, bool) {
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if key == "" {
		return store.Idempotency{}, true
	}
	if len(key) > 200 || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		fail(c, errs.Invalid("Idempotency-Key", "must be 1 to 200 visible ASCII characters"))
		return store.Idempotency{}, false
	}
	b, _ := json.Marshal(body)
	h := sha256.New()
	h.Write([]byte(caller(c).UserID + "\n" + c.Request.Method + " " + c.FullPath() + " " + c.Param("id") + "\n"))
	h.Write(b)
	return store.Idempotency{Key: key, Hash: hex.EncodeToString(h.Sum(nil))}, true
}

func (a *API) placeOrder(c *gin.Context) {
	var req order.PlaceRequest
	if !decode(c, &req) {
		return
	}
	a.place(c, req)
}

// place writes a new order (or replays the first answer to an idempotent retry:
// the same status and body).
func (a *API) place(c *gin.Context, req order.PlaceRequest) {
	idem, ok := idempotency(c, req)
	if !ok {
		return
	}
	o, replayed, err := a.Store.PlaceOrder(c.Request.Context(), relOf(c), req, idem)
	if err != nil {
		fail(c, err)
		return
	}
	if replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	etag(c, o.Version)
	c.Header("Location", "/api/v1/relationships/"+o.RelationshipID+"/orders/"+o.ID)
	c.JSON(http.StatusCreated, orderOut(o))
}

// reorderRequest optionally overrides the PO number, date and note of the copy.
type reorderRequest struct {
	PONumber      *string `json:"po_number"`
	RequestedDate *string `json:"requested_date"`
	Note          *string `json:"note"`
}

func (a *API) reorder(c *gin.Context) {
	rel := relOf(c)
	if rel.Side != access.Buyer {
		fail(c, errs.Forbiddenf("only the buyer places orders"))
		return
	}
	var over reorderRequest
	if c.Request.ContentLength != 0 && !decode(c, &over) {
		return
	}
	req, err := a.Store.ReorderRequest(c.Request.Context(), rel, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	if over.PONumber != nil {
		req.PONumber = *over.PONumber
	}
	if over.RequestedDate != nil {
		req.RequestedDate = *over.RequestedDate
	}
	if over.Note != nil {
		req.Note = *over.Note
	}
	a.place(c, req)
}

func (a *API) getOrder(c *gin.Context) {
	a.answerOrder(c, http.StatusOK, c.Param("id"))
}

// answerOrder writes an order with its delivery promise and its ETag.
func (a *API) answerOrder(c *gin.Context, status int, id string) {
	ctx := c.Request.Context()
	rel := relOf(c)
	o, err := a.Store.Order(ctx, rel, id)
	if err != nil {
		fail(c, err)
		return
	}
	out := orderOut(o)
	if o.Promise != nil {
		pj := promiseOut(*o.Promise, a.Store.Now())
		out.Promise = &pj
	}
	etag(c, o.Version)
	c.JSON(status, out)
}

// orderFilter reads ?status=&from=&to= (days, inclusive).
func orderFilter(c *gin.Context) (order.Filter, error) {
	var f order.Filter
	var v errs.Validator
	if s := c.Query("status"); s != "" {
		f.Status = order.Status(s)
		v.Check(f.Status.Valid(), "status", "must be one of submitted, acknowledged, in_production, shipped, delivered, cancelled, rejected")
	}
	day := func(name string) time.Time {
		s := c.Query(name)
		if s == "" {
			return time.Time{}
		}
		d, err := time.Parse(order.DateLayout, s)
		v.Check(err == nil, name, "must be a date as YYYY-MM-DD")
		return d
	}
	f.From, f.To = day("from"), day("to")
	if !f.From.IsZero() && !f.To.IsZero() {
		v.Check(!f.To.Before(f.From), "to", "must not be before from")
	}
	return f, v.Err()
}

func (a *API) listOrders(c *gin.Context) {
	pg, ok := page(c)
	if !ok {
		return
	}
	f, err := orderFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := a.Store.ListOrders(c.Request.Context(), relOf(c), f, pg)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]orderJSON, len(items))
	for i, o := range items {
		out[i] = orderOut(o)
	}
	c.JSON(http.StatusOK, newList(out, next))
}

type acknowledgeRequest struct {
	PromisedDate string `json:"promised_date"`
}

func (a *API) acknowledgeOrder(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req acknowledgeRequest
	if !decode(c, &req) {
		return
	}
	var v errs.Validator
	if v.Check(strings.TrimSpace(req.PromisedDate) != "", "promised_date", "is required") {
		order.CheckFutureDate(&v, "promised_date", strings.TrimSpace(req.PromisedDate), a.Store.Now())
	}
	if err := v.Err(); err != nil {
		fail(c, err)
		return
	}
	a.afterMove(c)(a.Store.AcknowledgeOrder(c.Request.Context(), relOf(c), c.Param("id"), version, strings.TrimSpace(req.PromisedDate)))
}

type statusRequest struct {
	Status string `json:"status"`
}

func (a *API) advanceOrder(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req statusRequest
	if !decode(c, &req) {
		return
	}
	to := order.Status(req.Status)
	if to != order.InProduction && to != order.Shipped && to != order.Delivered {
		fail(c, errs.Invalid("status", "must be in_production, shipped or delivered (acknowledge, cancel and reject have their own endpoints)"))
		return
	}
	a.afterMove(c)(a.Store.AdvanceOrder(c.Request.Context(), relOf(c), c.Param("id"), version, to))
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (a *API) cancelOrder(c *gin.Context) {
	a.withReason(c, false, a.Store.CancelOrder)
}

func (a *API) rejectOrder(c *gin.Context) {
	a.withReason(c, true, a.Store.RejectOrder)
}

type reasonMove func(ctx contextT, rel access.Rel, id string, ifMatch int64, reason string) (order.Order, error)

func (a *API) withReason(c *gin.Context, required bool, move reasonMove) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req reasonRequest
	if c.Request.ContentLength != 0 || required {
		if !decode(c, &req) {
			return
		}
	}
	reason, err := order.CheckReason(req.Reason, required)
	if err != nil {
		fail(c, err)
		return
	}
	a.afterMove(c)(move(c.Request.Context(), relOf(c), c.Param("id"), version, reason))
}

// afterMove answers a state change with the order as it now is.
func (a *API) afterMove(c *gin.Context) func(order.Order, error) {
	return func(o order.Order, err error) {
		if err != nil {
			fail(c, err)
			return
		}
		a.answerOrder(c, http.StatusOK, o.ID)
	}
}
