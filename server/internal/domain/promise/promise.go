// Package promise is the promise ledger: everything the supplier promised a
// customer, with an owner, a due date and an outcome.
package promise

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Status is where a promise stands.
type Status string

// Open and renegotiated promises are pending; kept and broken are final.
// Cancelled is final too: the order a delivery promise belonged to was cancelled.
const (
	Open         Status = "open"
	Kept         Status = "kept"
	Broken       Status = "broken"
	Renegotiated Status = "renegotiated"
	Cancelled    Status = "cancelled"
)

// Pending reports whether the promise still awaits its outcome.
func (s Status) Pending() bool { return s == Open || s == Renegotiated }

// Kinds of promise.
var Kinds = []string{"delivery", "service", "feature", "price", "other"}

// KindDelivery is the kind of the promises created by acknowledging an order.
const KindDelivery = "delivery"

// Limits of a promise's texts.
const (
	MaxDescription = 2000
	MaxNote        = 2000
	dateLayout     = "2006-01-02"
)

// Promise is one commitment of the supplier to the buyer.
type Promise struct {
	ID             string
	RelationshipID string
	Description    string
	Kind           string
	OwnerID        string
	DueDate        string
	OrderID        string
	Status         Status
	Note           string
	CreatedBy      string
	Version        int64
	CreatedAt      time.Time
	ResolvedAt     *time.Time
	History        []HistoryItem
}

// Overdue reports whether a pending promise's due date has passed on day today.
func (p Promise) Overdue(today time.Time) bool {
	return p.Status.Pending() && p.DueDate < today.UTC().Format(dateLayout)
}

// HistoryItem is one step of a promise: created, renegotiated, resolved.
type HistoryItem struct {
	Seq     int
	Status  Status
	DueDate string
	Note    string
	ActorID string
	At      time.Time
}

// CreateRequest is what the supplier sends to record a promise.
type CreateRequest struct {
	Description string `json:"description"`
	Kind        string `json:"kind"`
	OwnerID     string `json:"owner_id"`
	DueDate     string `json:"due_date"`
	OrderID     string `json:"order_id"`
}

// Validate trims and checks the request against today.
func (r *CreateRequest) Validate(today time.Time) error {
	r.Description = strings.TrimSpace(r.Description)
	r.Kind = strings.TrimSpace(r.Kind)
	r.OwnerID = strings.TrimSpace(r.OwnerID)
	r.OrderID = strings.TrimSpace(r.OrderID)
	var v errs.Validator
	switch {
	case r.Description == "":
		v.Add("description", "is required")
	case utf8.RuneCountInString(r.Description) > MaxDescription:
		v.Add("description", "must be at most %d characters", MaxDescription)
	}
	v.Check(validKind(r.Kind), "kind", "must be one of %s", strings.Join(Kinds, ", "))
	v.Check(r.OwnerID != "", "owner_id", "is required")
	checkDueDate(&v, "due_date", r.DueDate, today)
	return v.Err()
}

func validKind(k string) bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

func checkDueDate(v *errs.Validator, field, s string, today time.Time) {
	if _, err := time.Parse(dateLayout, s); err != nil {
		v.Add(field, "must be a date as YYYY-MM-DD")
		return
	}
	day := today.UTC().Format(dateLayout)
	v.Check(s >= day, field, "must not be before today (%s)", day)
}

// ResolveRequest records the outcome of a promise.
type ResolveRequest struct {
	Outcome    string `json:"outcome"`
	Note       string `json:"note"`
	NewDueDate string `json:"new_due_date"`
}

// Validate checks the outcome; renegotiating needs a new due date from today on.
func (r *ResolveRequest) Validate(today time.Time) error {
	r.Outcome = strings.TrimSpace(r.Outcome)
	r.Note = strings.TrimSpace(r.Note)
	var v errs.Validator
	out := Status(r.Outcome)
	v.Check(out == Kept || out == Broken || out == Renegotiated, "outcome", "must be kept, broken or renegotiated")
	v.Check(utf8.RuneCountInString(r.Note) <= MaxNote, "note", "must be at most %d characters", MaxNote)
	switch {
	case out == Renegotiated:
		checkDueDate(&v, "new_due_date", r.NewDueDate, today)
	case r.NewDueDate != "":
		v.Add("new_due_date", "is only for the outcome renegotiated")
	}
	return v.Err()
}

// Filter narrows a promise list.
type Filter struct {
	Status  string // "open" means pending (open or renegotiated); "" all
	OwnerID string
}

// ValidFilterStatus reports whether s may be used as a list filter.
func ValidFilterStatus(s string) bool {
	switch Status(s) {
	case "", Open, Kept, Broken, Renegotiated, Cancelled:
		return true
	}
	return false
}

// DeliveryOutcome is how a delivery on day delivered resolves a promise due on due.
func DeliveryOutcome(due string, delivered time.Time) Status {
	if delivered.UTC().Format(dateLayout) <= due {
		return Kept
	}
	return Broken
}
