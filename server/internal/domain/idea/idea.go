// Package idea holds improvement ideas one side of a relationship proposes to the
// other: their fields, validation and the review workflow.
package idea

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/money"
)

// Statuses of an idea.
const (
	Proposed    = "proposed"
	UnderReview = "under_review"
	Accepted    = "accepted"
	Implemented = "implemented"
	Declined    = "declined"
	Withdrawn   = "withdrawn"
)

// Statuses lists every status, in workflow order.
var Statuses = []string{Proposed, UnderReview, Accepted, Implemented, Declined, Withdrawn}

// Categories an idea can belong to.
var Categories = []string{"design", "process", "cost", "quality", "logistics", "other"}

// Field limits shared by every text of this area.
const (
	MaxTitle  = 200
	MaxBody   = 10000
	MaxReason = 2000
)

// Idea is an improvement proposal addressed to the other side of the relationship.
type Idea struct {
	ID             string
	RelationshipID string
	AuthorID       string
	AuthorSide     access.Side
	Title          string
	Body           string
	Category       string
	ProductID      string
	EstimatedValue money.Amount
	Currency       string
	Status         string
	Reason         string
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// AddressedTo is the side that reviews the idea.
func (i Idea) AddressedTo() access.Side { return i.AuthorSide.Other() }

// New is a request to propose an idea, as it arrives.
type New struct {
	Title          string `json:"title"`
	Body           string `json:"body"`
	Category       string `json:"category"`
	ProductID      string `json:"product_id"`
	EstimatedValue string `json:"estimated_value"`
	Currency       string `json:"currency"`
}

// Validate checks a new idea and returns it ready to store (without ids).
func (n New) Validate() (Idea, error) {
	var v errs.Validator
	it := Idea{Title: strings.TrimSpace(n.Title), Body: n.Body, Category: n.Category, ProductID: strings.TrimSpace(n.ProductID),
		Currency: strings.ToUpper(strings.TrimSpace(n.Currency)), Status: Proposed}
	ValidateTitle(&v, "title", it.Title)
	v.Check(utf8.RuneCountInString(it.Body) <= MaxBody, "body", "must be at most %d characters", MaxBody)
	v.Check(slices.Contains(Categories, it.Category), "category", "must be one of %s", strings.Join(Categories, ", "))
	value := strings.TrimSpace(n.EstimatedValue)
	switch {
	case value == "" && it.Currency == "":
	case !money.ValidCurrency(it.Currency):
		v.Add("currency", "must be a supported ISO 4217 code such as EUR when estimated_value is given")
	case value == "":
		v.Add("estimated_value", "is required when currency is given")
	default:
		amount, err := money.Parse(value, it.Currency)
		if v.Check(err == nil && amount >= 0, "estimated_value", "must be a non-negative decimal amount such as \"12000.00\"") {
			it.EstimatedValue = amount
		}
	}
	return it, v.Err()
}

// ValidateTitle checks a one-line, non-empty title.
func ValidateTitle(v *errs.Validator, field, s string) {
	switch {
	case s == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > MaxTitle:
		v.Add(field, "must be at most %d characters", MaxTitle)
	case strings.ContainsAny(s, "\x00\r\n"):
		v.Add(field, "must be a single line")
	}
}

// StatusChange is a request to move an idea through its workflow.
type StatusChange struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// Validate checks the request's fields (not whether the move is allowed).
func (c *StatusChange) Validate() error {
	c.Reason = strings.TrimSpace(c.Reason)
	var v errs.Validator
	v.Check(slices.Contains(Statuses, c.Status), "status", "must be one of %s", strings.Join(Statuses, ", "))
	v.Check(c.Status != Declined || c.Reason != "", "reason", "is required when declining an idea")
	v.Check(utf8.RuneCountInString(c.Reason) <= MaxReason, "reason", "must be at most %d characters", MaxReason)
	return v.Err()
}

// role says which party of an idea may make a move.
type role int

const (
	receiver role = iota
	author
)

type move struct {
	from []string
	by   role
}

// moves is the workflow: the target status, the statuses it may come from, and who may move.
var moves = map[string]move{
	UnderReview: {from: []string{Proposed}, by: receiver},
	Accepted:    {from: []string{UnderReview}, by: receiver},
	Implemented: {from: []string{Accepted}, by: receiver},
	Declined:    {from: []string{Proposed, UnderReview}, by: receiver},
	Withdrawn:   {from: []string{Proposed, UnderReview}, by: author},
}

// CheckTransition decides whether the caller's side may move the idea from its
// current status to `to`: the wrong party is ErrForbidden (403), a move the
// workflow does not have is ErrConflict (409).
func CheckTransition(it Idea, to string, side access.Side) error {
	m, ok := moves[to]
	if !ok {
		return errs.Conflictf("an idea cannot be moved back to %s", to)
	}
	isAuthor := side == it.AuthorSide
	if m.by == receiver && isAuthor {
		return errs.Forbiddenf("only the %s, to whom the idea is addressed, can set it to %s", it.AddressedTo(), to)
	}
	if m.by == author && !isAuthor {
		return errs.Forbiddenf("only the %s, who proposed the idea, can withdraw it", it.AuthorSide)
	}
	if !slices.Contains(m.from, it.Status) {
		return errs.Conflictf("an idea that is %s cannot become %s", it.Status, to)
	}
	return nil
}

// Filter narrows a list of ideas; empty fields do not filter.
type Filter struct {
	Status   string
	Side     string // the author's side
	Category string
}

// Validate checks the filter values.
func (f Filter) Validate() error {
	var v errs.Validator
	v.Check(f.Status == "" || slices.Contains(Statuses, f.Status), "status", "must be one of %s", strings.Join(Statuses, ", "))
	v.Check(f.Side == "" || access.Side(f.Side).Valid(), "side", "must be supplier or buyer")
	v.Check(f.Category == "" || slices.Contains(Categories, f.Category), "category", "must be one of %s", strings.Join(Categories, ", "))
	return v.Err()
}

// Value is an amount in one currency.
type Value struct {
	Amount   money.Amount
	Currency string
	Count    int
}

// Summary is what the partnership's ideas add up to: how many are in each status
// and the estimated value of the implemented ones (the value created together).
type Summary struct {
	Counts map[string]int
	// Realised is the value of implemented ideas per currency, largest count first.
	Realised []Value
}

// NewSummary starts a summary with every status at zero.
func NewSummary() Summary {
	s := Summary{Counts: map[string]int{}}
	for _, st := range Statuses {
		s.Counts[st] = 0
	}
	return s
}

// Primary returns the currency with the most implemented valued ideas (ties: the
// larger amount), the one a single headline figure is shown in.
func (s Summary) Primary() Value {
	if len(s.Realised) == 0 {
		return Value{}
	}
	best := s.Realised[0]
	for _, v := range s.Realised[1:] {
		if v.Count > best.Count || (v.Count == best.Count && v.Amount > best.Amount) {
			best = v
		}
	}
	return best
}
