// Package ticket holds after-sales service tickets: their fields, the workflow,
// and the service-level agreement (SLA) clock of first response and resolution.
package ticket

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/idea"
)

// Statuses of a ticket.
const (
	Open         = "open"
	Acknowledged = "acknowledged"
	InProgress   = "in_progress"
	Resolved     = "resolved"
	Closed       = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []string{Open, Acknowledged, InProgress, Resolved, Closed}

// Types of service request.
var Types = []string{"installation", "application_help", "repair", "maintenance", "complaint", "question"}

// Complaint is the ticket type whose counts and resolution times both sides see.
const Complaint = "complaint"

// Severities, most urgent last.
var Severities = []string{"low", "normal", "high", "critical"}

// Event types of this area beyond the shared list.
const (
	EventAssigned = "ticket.assigned"
)

// Ticket is one after-sales service request of a relationship.
type Ticket struct {
	ID                    string
	RelationshipID        string
	Number                string
	Type                  string
	Severity              string
	Title                 string
	Body                  string
	OrderID               string
	ProductID             string
	Status                string
	OpenedBy              string
	OpenedSide            access.Side
	AssigneeID            string
	FirstResponseDueAt    time.Time
	ResolutionDueAt       time.Time
	FirstRespondedAt      *time.Time
	ResolvedAt            *time.Time
	ClosedAt              *time.Time
	ReopenedAt            *time.Time
	ReopenCount           int
	FirstResponseBreached bool
	ResolutionBreached    bool
	Version               int64
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// New is a request to open a ticket, as it arrives.
type New struct {
	Type      string `json:"type"`
	Severity  string `json:"severity"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	OrderID   string `json:"order_id"`
	ProductID string `json:"product_id"`
}

// Validate checks a new ticket and returns it ready to store (without ids and clock).
func (n New) Validate() (Ticket, error) {
	var v errs.Validator
	t := Ticket{Type: n.Type, Severity: n.Severity, Title: strings.TrimSpace(n.Title), Body: n.Body,
		OrderID: strings.TrimSpace(n.OrderID), ProductID: strings.TrimSpace(n.ProductID), Status: Open}
	v.Check(slices.Contains(Types, t.Type), "type", "must be one of %s", strings.Join(Types, ", "))
	v.Check(slices.Contains(Severities, t.Severity), "severity", "must be one of %s", strings.Join(Severities, ", "))
	idea.ValidateTitle(&v, "title", t.Title)
	v.Check(utf8.RuneCountInString(t.Body) <= idea.MaxBody, "body", "must be at most %d characters", idea.MaxBody)
	return t, v.Err()
}

// StatusChange is a request to move a ticket through its workflow.
type StatusChange struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

// Validate checks the request's fields (not whether the move is allowed).
func (c *StatusChange) Validate() error {
	var v errs.Validator
	v.Check(slices.Contains(Statuses, c.Status), "status", "must be one of %s", strings.Join(Statuses, ", "))
	v.Check(utf8.RuneCountInString(c.Note) <= idea.MaxReason, "note", "must be at most %d characters", idea.MaxReason)
	return v.Err()
}

// movers says which sides may move a ticket from one status to another. The
// supplier works the ticket forward (skipping steps is allowed: a question can be
// answered and resolved at once); the buyer may close a resolved ticket or reopen
// a resolved or closed one; the supplier may also close a resolved one.
var movers = map[[2]string][]access.Side{
	{Open, Acknowledged}:       {access.Supplier},
	{Open, InProgress}:         {access.Supplier},
	{Open, Resolved}:           {access.Supplier},
	{Acknowledged, InProgress}: {access.Supplier},
	{Acknowledged, Resolved}:   {access.Supplier},
	{InProgress, Resolved}:     {access.Supplier},
	{Resolved, Closed}:         {access.Supplier, access.Buyer},
	{Resolved, Open}:           {access.Buyer},
	{Closed, Open}:             {access.Buyer},
}

// CheckTransition decides whether side may move a ticket from `from` to `to`: a
// move that exists for the other side only is ErrForbidden (403), a move that does
// not exist is ErrConflict (409).
func CheckTransition(from, to string, side access.Side) error {
	sides, ok := movers[[2]string{from, to}]
	if !ok {
		return errs.Conflictf("a ticket that is %s cannot become %s", from, to)
	}
	if !slices.Contains(sides, side) {
		if to == Open {
			return errs.Forbiddenf("only the buyer can reopen a ticket")
		}
		return errs.Forbiddenf("only the %s can set a %s ticket to %s", sides[0], from, to)
	}
	return nil
}

// IsReopen reports whether a move reopens the ticket.
func IsReopen(from, to string) bool { return to == Open && (from == Resolved || from == Closed) }

// Policy is a supplier's SLA for one severity, in minutes of calendar time.
type Policy struct {
	Severity             string `json:"severity"`
	FirstResponseMinutes int    `json:"first_response_minutes"`
	ResolutionMinutes    int    `json:"resolution_minutes"`
}

// MaxPolicyMinutes bounds a policy (one year).
const MaxPolicyMinutes = 366 * 24 * 60

// DefaultPolicies apply to a supplier that has not set its own (first response /
// resolution): critical 1 h / 24 h, high 4 h / 72 h, normal 8 h / 120 h, low 24 h / 240 h.
var DefaultPolicies = map[string]Policy{
	"critical": {Severity: "critical", FirstResponseMinutes: 60, ResolutionMinutes: 24 * 60},
	"high":     {Severity: "high", FirstResponseMinutes: 4 * 60, ResolutionMinutes: 72 * 60},
	"normal":   {Severity: "normal", FirstResponseMinutes: 8 * 60, ResolutionMinutes: 120 * 60},
	"low":      {Severity: "low", FirstResponseMinutes: 24 * 60, ResolutionMinutes: 240 * 60},
}

// ValidatePolicies checks a list of policies; field names index into the list.
func ValidatePolicies(ps []Policy) error {
	var v errs.Validator
	v.Check(len(ps) > 0, "items", "must name at least one severity")
	seen := map[string]bool{}
	for i, p := range ps {
		f := func(name string) string { return "items[" + strconv.Itoa(i) + "]." + name }
		v.Check(slices.Contains(Severities, p.Severity), f("severity"), "must be one of %s", strings.Join(Severities, ", "))
		v.Check(!seen[p.Severity], f("severity"), "is given twice")
		seen[p.Severity] = true
		v.Check(p.FirstResponseMinutes >= 1 && p.FirstResponseMinutes <= MaxPolicyMinutes, f("first_response_minutes"), "must be between 1 and %d", MaxPolicyMinutes)
		v.Check(p.ResolutionMinutes >= 1 && p.ResolutionMinutes <= MaxPolicyMinutes, f("resolution_minutes"), "must be between 1 and %d", MaxPolicyMinutes)
		v.Check(p.ResolutionMinutes >= p.FirstResponseMinutes, f("resolution_minutes"), "must not be shorter than first_response_minutes")
	}
	return v.Err()
}

// FirstResponseBudget is the time allowed for the first response.
func (p Policy) FirstResponseBudget() time.Duration {
	return time.Duration(p.FirstResponseMinutes) * time.Minute
}

// ResolutionBudget is the time allowed for resolution.
func (p Policy) ResolutionBudget() time.Duration {
	return time.Duration(p.ResolutionMinutes) * time.Minute
}

// Start sets the SLA due times of a ticket opened at `at`. The clock runs in
// calendar time (nights and weekends count), as the supplier's policy states it.
func (t *Ticket) Start(p Policy, at time.Time) {
	t.FirstResponseDueAt = at.Add(p.FirstResponseBudget())
	t.ResolutionDueAt = at.Add(p.ResolutionBudget())
}

// Reopen moves a resolved or closed ticket back to open at `at`. The rule for the
// clock: the first response stays as it was (it happened, or was breached, once);
// the resolution clock restarts from the reopening with the full resolution
// budget of the ticket's severity, and a resolution breach of the earlier round is
// cleared so that the new round is judged (and can be breached) on its own.
func (t *Ticket) Reopen(p Policy, at time.Time) {
	t.Status = Open
	t.ResolvedAt, t.ClosedAt = nil, nil
	t.ReopenedAt = &at
	t.ReopenCount++
	t.ResolutionDueAt = at.Add(p.ResolutionBudget())
	t.ResolutionBreached = false
}

// Apply records the effects of a permitted move made by side at `at` (other than
// a reopening, see Reopen).
func (t *Ticket) Apply(to string, side access.Side, at time.Time) {
	t.Status = to
	if side == access.Supplier && t.FirstRespondedAt == nil {
		t.FirstRespondedAt = &at
	}
	switch to {
	case Resolved:
		t.ResolvedAt = &at
	case Closed:
		t.ClosedAt = &at
	}
}

// SLAMet says whether each SLA was met: nil while it is still undecided (not yet
// responded or resolved and not yet due), true when done in time, false when done
// late or overdue now.
func (t Ticket) SLAMet(now time.Time) (firstResponse, resolution *bool) {
	return met(t.FirstRespondedAt, t.FirstResponseDueAt, now, t.FirstResponseBreached),
		met(t.ResolvedAt, t.ResolutionDueAt, now, t.ResolutionBreached)
}

func met(done *time.Time, due, now time.Time, breached bool) *bool {
	var v bool
	switch {
	case done != nil:
		v = !done.After(due) && !breached
	case breached || now.After(due):
		v = false
	default:
		return nil
	}
	return &v
}

// Filter narrows a list of tickets; empty fields do not filter.
type Filter struct {
	Status   string
	Type     string
	Severity string
}

// Validate checks the filter values.
func (f Filter) Validate() error {
	var v errs.Validator
	v.Check(f.Status == "" || slices.Contains(Statuses, f.Status), "status", "must be one of %s", strings.Join(Statuses, ", "))
	v.Check(f.Type == "" || slices.Contains(Types, f.Type), "type", "must be one of %s", strings.Join(Types, ", "))
	v.Check(f.Severity == "" || slices.Contains(Severities, f.Severity), "severity", "must be one of %s", strings.Join(Severities, ", "))
	return v.Err()
}

// ComplaintStats are the facts about complaints both sides see.
type ComplaintStats struct {
	Count               int
	Open                int // not yet resolved or closed
	Resolved            int
	MeanResolutionHours *float64 // over resolved complaints, from opening to resolution
}
