package order

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/product"
)

// Limits of an order request.
const (
	MaxLines     = 200
	MaxQuantity  = 1_000_000
	MaxNote      = 2000
	MaxPONumber  = 64
	MaxReason    = 2000
	DateLayout   = "2006-01-02"
	maxDateYears = 10
)

// LineRequest is one requested line. Quantity stays raw JSON so that 2.5, "3" or
// 1e9 are reported as lines[i].quantity rather than as a decoding error.
type LineRequest struct {
	ProductID string          `json:"product_id"`
	Quantity  json.RawMessage `json:"quantity"`
}

// PlaceRequest is what the buyer sends to place an order.
type PlaceRequest struct {
	PONumber      string        `json:"po_number"`
	RequestedDate string        `json:"requested_date"`
	Note          string        `json:"note"`
	Lines         []LineRequest `json:"lines"`
}

// ItemRequest is a validated line: a product and a whole positive quantity.
type ItemRequest struct {
	ProductID string
	Quantity  int64
}

// Placement is a validated PlaceRequest.
type Placement struct {
	PONumber      string
	RequestedDate string
	Note          string
	Items         []ItemRequest
}

// Validate checks the request's shape against today (the store's date) and
// returns the placement; every invalid field is named, e.g. lines[2].quantity.
func (r PlaceRequest) Validate(today time.Time) (Placement, error) {
	var v errs.Validator
	p := Placement{PONumber: strings.TrimSpace(r.PONumber), RequestedDate: strings.TrimSpace(r.RequestedDate), Note: r.Note}
	v.Check(utf8.RuneCountInString(p.PONumber) <= MaxPONumber, "po_number", "must be at most %d characters", MaxPONumber)
	v.Check(utf8.RuneCountInString(p.Note) <= MaxNote, "note", "must be at most %d characters", MaxNote)
	if p.RequestedDate != "" {
		CheckFutureDate(&v, "requested_date", p.RequestedDate, today)
	}
	switch {
	case len(r.Lines) == 0:
		v.Add("lines", "must hold at least one line")
	case len(r.Lines) > MaxLines:
		v.Add("lines", "must hold at most %d lines", MaxLines)
	default:
		p.Items = validateLines(&v, r.Lines)
	}
	return p, v.Err()
}

func validateLines(v *errs.Validator, lines []LineRequest) []ItemRequest {
	items := make([]ItemRequest, len(lines))
	seen := map[string]int{}
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		id := strings.TrimSpace(l.ProductID)
		if v.Check(id != "", field+".product_id", "is required") {
			if j, dup := seen[id]; dup {
				v.Add(field+".product_id", "repeats the product of lines[%d]; put the whole quantity on one line", j)
			}
			seen[id] = i
		}
		q, ok := ParseQuantity(l.Quantity)
		v.Check(ok, field+".quantity", "must be a whole number between 1 and %d", MaxQuantity)
		items[i] = ItemRequest{ProductID: id, Quantity: q}
	}
	return items
}

// ParseQuantity accepts a JSON integer between 1 and MaxQuantity: not a string,
// not a fraction, not an exponent.
func ParseQuantity(raw json.RawMessage) (int64, bool) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || strings.ContainsAny(s, `".eE+`) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > MaxQuantity {
		return 0, false
	}
	return n, true
}

// CheckFutureDate records on v an error for field unless s is a real
// YYYY-MM-DD date from today on, and not absurdly far ahead.
func CheckFutureDate(v *errs.Validator, field, s string, today time.Time) {
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		v.Add(field, "must be a date as YYYY-MM-DD")
		return
	}
	day := today.UTC().Format(DateLayout)
	switch {
	case s < day:
		v.Add(field, "must not be before today (%s)", day)
	case d.After(today.AddDate(maxDateYears, 0, 0)):
		v.Add(field, "must be within %d years", maxDateYears)
	}
}

// PriceLines checks every item against the catalogue (found, active, same
// currency) and snapshots the lines with their totals. The keys of catalogue are
// product ids of the relationship's supplier only: anything else is unknown.
func PriceLines(items []ItemRequest, catalogue map[string]product.Priced) ([]Line, string, money.Amount, error) {
	var v errs.Validator
	lines := make([]Line, len(items))
	currency := ""
	var total money.Amount
	for i, it := range items {
		field := fmt.Sprintf("lines[%d]", i)
		p, ok := catalogue[it.ProductID]
		switch {
		case !ok:
			v.Add(field+".product_id", "is not a product of this supplier")
			continue
		case !p.Active:
			v.Add(field+".product_id", "is no longer available (%s)", p.SKU)
			continue
		case currency != "" && p.Currency != currency:
			v.Add(field+".product_id", "is priced in %s; one order holds one currency (%s)", p.Currency, currency)
			continue
		}
		currency = p.Currency
		lineTotal, err := money.Mul(p.UnitPrice, it.Quantity)
		if err == nil {
			total, err = money.Add(total, lineTotal)
		}
		if err != nil {
			v.Add(field+".quantity", "makes the order total too large")
			continue
		}
		lines[i] = Line{LineNo: i + 1, ProductID: p.ID, SKU: p.SKU, Name: p.Name, Quantity: it.Quantity, UnitPrice: p.UnitPrice, LineTotal: lineTotal}
	}
	return lines, currency, total, v.Err()
}

// CheckReason validates a cancel or reject reason; required says whether it may be empty.
func CheckReason(reason string, required bool) (string, error) {
	reason = strings.TrimSpace(reason)
	var v errs.Validator
	v.Check(!required || reason != "", "reason", "is required")
	v.Check(utf8.RuneCountInString(reason) <= MaxReason, "reason", "must be at most %d characters", MaxReason)
	return reason, v.Err()
}
