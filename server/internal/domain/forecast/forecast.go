// Package forecast holds shared demand forecasts (the buyer's revisions), the
// supplier's capacity commits, the combined per-period view and forecast accuracy.
// Everything here is pure: the store loads rows and these functions reason on them.
package forecast

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Kind tells a buyer's demand forecast from a supplier's capacity commit; both are
// stored as revisions of the same shape.
type Kind string

// The two kinds of revision.
const (
	KindForecast Kind = "forecast"
	KindCommit   Kind = "commit"
)

// Limits of a submission.
const (
	MaxMonthsAhead = 36        // periods may run from the current month up to 36 months after it
	MaxQuantity    = 1<<31 - 1 // quantities fit an int32, as spreadsheets and ERPs expect
	MaxNoteRunes   = 2000      // a note explains a revision; it is not a document
	MaxCSVRows     = 50000     // rows of one CSV import
	MaxViewPeriods = 120       // periods of one view request (ten years)
)

// Bounds of a period's year: earlier ones are typing mistakes, not history.
const (
	minPeriodYear = 2000
	maxPeriodYear = 9999
)

// JSON field names used in validation errors.
const (
	noteField    = "note"
	periodsField = "periods"
	productField = "product_id"
)

// Period is a calendar month, written YYYY-MM. The zero value is "no period".
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod reads a YYYY-MM period; months run 01–12.
func ParsePeriod(s string) (Period, error) {
	if len(s) != 7 || s[4] != '-' {
		return Period{}, fmt.Errorf("%q is not a period: write YYYY-MM", clip(s))
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || !allDigits(s[:4]) || !allDigits(s[5:]) {
		return Period{}, fmt.Errorf("%q is not a period: write YYYY-MM", clip(s))
	}
	if m < 1 || m > 12 {
		return Period{}, fmt.Errorf("%q has no month %d: months run 01 to 12", s, m)
	}
	if y < minPeriodYear || y > maxPeriodYear {
		return Period{}, fmt.Errorf("%q is not a year this portal plans for", s)
	}
	return Period{Year: y, Month: time.Month(m)}, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// PeriodOf is the month of t (in UTC).
func PeriodOf(t time.Time) Period {
	t = t.UTC()
	return Period{Year: t.Year(), Month: t.Month()}
}

// String writes the period as YYYY-MM.
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// IsZero reports whether p is the zero period.
func (p Period) IsZero() bool { return p.Year == 0 }

// Index counts months since year 0, so periods compare and subtract as integers.
func (p Period) Index() int { return p.Year*12 + int(p.Month) - 1 }

// AddMonths returns the period n months later (earlier for negative n).
func (p Period) AddMonths(n int) Period {
	i := p.Index() + n
	return Period{Year: i / 12, Month: time.Month(i%12 + 1)}
}

// Start is the first instant of the period, UTC.
func (p Period) Start() time.Time { return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, time.UTC) }

// Before reports whether p is an earlier month than q.
func (p Period) Before(q Period) bool { return p.Index() < q.Index() }

// PeriodQuantity is one month of a revision.
type PeriodQuantity struct {
	Period   string `json:"period"`
	Quantity int64  `json:"quantity"`
}

// Submission is a buyer's forecast or a supplier's commit for one product.
type Submission struct {
	ProductID string           `json:"product_id"`
	Periods   []PeriodQuantity `json:"periods"`
	Note      string           `json:"note"`
}

// Validate checks a submission made at now: every period in the window from the
// current month to MaxMonthsAhead months after it, no period twice, quantities
// within 0..MaxQuantity. Periods come back sorted.
func (s *Submission) Validate(now time.Time) error {
	var v errs.Validator
	s.ProductID = strings.TrimSpace(s.ProductID)
	s.Note = strings.TrimSpace(s.Note)
	v.Check(s.ProductID != "", productField, "is required")
	v.Check(utf8.RuneCountInString(s.Note) <= MaxNoteRunes, noteField, "must be at most %d characters", MaxNoteRunes)
	if len(s.Periods) == 0 {
		v.Add(periodsField, "must list at least one period")
	}
	if len(s.Periods) > MaxMonthsAhead+1 {
		v.Add(periodsField, "must list at most %d periods (the current month and %d months ahead)", MaxMonthsAhead+1, MaxMonthsAhead)
		return v.Err()
	}
	seen := map[string]int{}
	for i, pq := range s.Periods {
		field := fmt.Sprintf("periods[%d]", i)
		if msg := CheckPeriodInWindow(pq.Period, now); msg != "" {
			v.Add(field+".period", "%s", msg)
		} else if j, dup := seen[pq.Period]; dup {
			v.Add(field+".period", "repeats periods[%d]", j)
		} else {
			seen[pq.Period] = i
		}
		if msg := CheckQuantity(pq.Quantity); msg != "" {
			v.Add(field+".quantity", "%s", msg)
		}
	}
	sortPeriods(s.Periods)
	return v.Err()
}

// CheckPeriodInWindow returns why period s cannot be planned at now, or "".
func CheckPeriodInWindow(s string, now time.Time) string {
	p, err := ParsePeriod(s)
	if err != nil {
		return err.Error()
	}
	cur := PeriodOf(now)
	switch {
	case p.Before(cur):
		return fmt.Sprintf("%s is in the past: plan from the current month %s on", s, cur)
	case p.Index()-cur.Index() > MaxMonthsAhead:
		return fmt.Sprintf("%s is more than %d months ahead (the last plannable month is %s)", s, MaxMonthsAhead, cur.AddMonths(MaxMonthsAhead))
	}
	return ""
}

// CheckQuantity returns why q is not a valid quantity, or "".
func CheckQuantity(q int64) string {
	switch {
	case q < 0:
		return "must not be negative"
	case q > MaxQuantity:
		return fmt.Sprintf("must be at most %d", MaxQuantity)
	}
	return ""
}

func sortPeriods(ps []PeriodQuantity) {
	slices.SortStableFunc(ps, func(a, b PeriodQuantity) int { return strings.Compare(a.Period, b.Period) })
}

// Revision is one stored submission: the periods as they were sent.
type Revision struct {
	ID        string           `json:"id"`
	Kind      Kind             `json:"kind"`
	Revision  int              `json:"revision"`
	ProductID string           `json:"product_id"`
	Note      string           `json:"note"`
	Periods   []PeriodQuantity `json:"periods"`
	AuthorID  string           `json:"author_id"`
	CreatedAt time.Time        `json:"created_at"`
}

// Change is one period of a revision compared with the revision before it;
// Quantity or Previous is nil when the period is absent from that revision.
type Change struct {
	Period   string `json:"period"`
	Quantity *int64 `json:"quantity"`
	Previous *int64 `json:"previous"`
	Delta    *int64 `json:"delta"`
}

// Compare lists, period by period, what cur changed against prev (prev may be
// nil for the first revision). Unchanged periods are included with delta 0.
func Compare(cur Revision, prev *Revision) []Change {
	byPeriod := map[string]*Change{}
	var order []string
	get := func(p string) *Change {
		if c, ok := byPeriod[p]; ok {
			return c
		}
		c := &Change{Period: p}
		byPeriod[p] = c
		order = append(order, p)
		return c
	}
	for _, pq := range cur.Periods {
		q := pq.Quantity
		get(pq.Period).Quantity = &q
	}
	if prev != nil {
		for _, pq := range prev.Periods {
			q := pq.Quantity
			get(pq.Period).Previous = &q
		}
	}
	slices.Sort(order)
	out := make([]Change, len(order))
	for i, p := range order {
		c := byPeriod[p]
		if c.Quantity != nil && c.Previous != nil {
			d := *c.Quantity - *c.Previous
			c.Delta = &d
		}
		out[i] = *c
	}
	return out
}

// RevisionChanges is a revision with what it changed against the one before it.
type RevisionChanges struct {
	Revision
	Changes []Change `json:"changes"`
}

// ParseKind reads a kind from a query parameter ("" means forecast).
func ParseKind(s string) (Kind, error) {
	switch Kind(s) {
	case "", KindForecast:
		return KindForecast, nil
	case KindCommit:
		return KindCommit, nil
	}
	return "", errs.Invalid("kind", "must be forecast or commit")
}
