// Package interaction holds the log of meetings, calls, visits, emails and
// trainings between the two sides, with who took part from which department.
package interaction

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Kinds of interaction.
var Kinds = []string{"meeting", "call", "visit", "email", "training"}

// Limits of an interaction.
const (
	MaxSummary      = 10000
	MaxParticipants = 50
	// FutureSlack is how far in the future occurred_at may lie (time zones, a
	// meeting logged the evening before).
	FutureSlack = 24 * time.Hour
)

// Participant is a person who took part, with what a reader needs to see who
// meets the customer: their side and department.
type Participant struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Side       access.Side `json:"side"`
	Department string      `json:"department"`
}

// Interaction is one logged contact between the two sides.
type Interaction struct {
	ID           string
	Kind         string
	OccurredAt   time.Time
	Summary      string
	InitiatedBy  access.Side
	LoggedBy     string
	CreatedAt    time.Time
	Participants []Participant
}

// New is a request to log an interaction, as it arrives.
type New struct {
	Kind           string   `json:"kind"`
	OccurredAt     string   `json:"occurred_at"`
	Summary        string   `json:"summary"`
	ParticipantIDs []string `json:"participant_ids"`
	InitiatedBy    string   `json:"initiated_by"`
}

// Validate checks a new interaction at `now` and returns it ready to store; the
// participants' membership in the relationship is checked by the store.
func (n New) Validate(now time.Time) (Interaction, []string, error) {
	var v errs.Validator
	it := Interaction{Kind: n.Kind, Summary: strings.TrimSpace(n.Summary), InitiatedBy: access.Side(n.InitiatedBy)}
	v.Check(slices.Contains(Kinds, it.Kind), "kind", "must be one of %s", strings.Join(Kinds, ", "))
	at, err := time.Parse(time.RFC3339, n.OccurredAt)
	switch {
	case n.OccurredAt == "":
		v.Add("occurred_at", "is required")
	case err != nil:
		v.Add("occurred_at", "must be an RFC 3339 time such as 2026-03-01T14:00:00Z")
	case at.After(now.Add(FutureSlack)):
		v.Add("occurred_at", "must not be more than a day in the future")
	case at.Year() < 2000:
		v.Add("occurred_at", "must be after the year 2000")
	default:
		it.OccurredAt = at.UTC()
	}
	switch {
	case it.Summary == "":
		v.Add("summary", "is required")
	case utf8.RuneCountInString(it.Summary) > MaxSummary:
		v.Add("summary", "must be at most %d characters", MaxSummary)
	}
	v.Check(it.InitiatedBy.Valid(), "initiated_by", "must be supplier or buyer")
	ids := uniqueIDs(n.ParticipantIDs)
	switch {
	case len(ids) == 0:
		v.Add("participant_ids", "must name at least one participant")
	case len(ids) > MaxParticipants:
		v.Add("participant_ids", "must name at most %d participants", MaxParticipants)
	}
	return it, ids, v.Err()
}

func uniqueIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Filter narrows a list of interactions.
type Filter struct {
	Kind        string
	InitiatedBy string
	Since       time.Time // zero: no lower bound on occurred_at
}

// ParseFilter reads and checks the filter values; since is an RFC 3339 time or a date.
func ParseFilter(kind, initiatedBy, since string) (Filter, error) {
	f := Filter{Kind: kind, InitiatedBy: initiatedBy}
	var v errs.Validator
	v.Check(f.Kind == "" || slices.Contains(Kinds, f.Kind), "kind", "must be one of %s", strings.Join(Kinds, ", "))
	v.Check(f.InitiatedBy == "" || access.Side(f.InitiatedBy).Valid(), "initiated_by", "must be supplier or buyer")
	if since != "" {
		t, err := time.Parse(time.RFC3339, since)
		if err != nil {
			t, err = time.Parse(time.DateOnly, since)
		}
		if v.Check(err == nil, "since", "must be an RFC 3339 time or a date such as 2026-01-31") {
			f.Since = t.UTC()
		}
	}
	return f, v.Err()
}

// DepartmentCount is how many interactions people of one department of one side
// took part in: the answer to "do our engineers meet this customer, or only sales?".
type DepartmentCount struct {
	Side         access.Side `json:"side"`
	Department   string      `json:"department"`
	Interactions int         `json:"interactions"`
}
