// Package plan holds plans and expectations that either side shares with the
// other: a Markdown body over a horizon, optionally confidential to named readers.
package plan

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Limits of a plan.
const (
	MaxBodyBytes  = 100 * 1024 // Markdown, stored verbatim and rendered safely by the page
	MaxTitleRunes = 200
	MaxTags       = 20
	MaxTagRunes   = 40
	MaxReaders    = 100
)

// Plan is one shared plan. A confidential plan is readable only by its readers,
// its author and the admins of the author's organization.
type Plan struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Body         string    `json:"body"`
	HorizonStart string    `json:"horizon_start"`
	HorizonEnd   string    `json:"horizon_end"`
	Tags         []string  `json:"tags"`
	Confidential bool      `json:"confidential"`
	ReaderIDs    []string  `json:"reader_ids"`
	AuthorID     string    `json:"author_id"`
	AuthorOrgID  string    `json:"author_org_id"`
	AuthorSide   string    `json:"author_side"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Input is a new plan as a client sends it.
type Input struct {
	Title        string   `json:"title"`
	Body         string   `json:"body"`
	HorizonStart string   `json:"horizon_start"`
	HorizonEnd   string   `json:"horizon_end"`
	Tags         []string `json:"tags"`
	Confidential bool     `json:"confidential"`
	ReaderIDs    []string `json:"reader_ids"`
}

// Patch changes some fields of a plan; nil fields stay as they are.
type Patch struct {
	Title        *string   `json:"title"`
	Body         *string   `json:"body"`
	HorizonStart *string   `json:"horizon_start"`
	HorizonEnd   *string   `json:"horizon_end"`
	Tags         *[]string `json:"tags"`
	Confidential *bool     `json:"confidential"`
	ReaderIDs    *[]string `json:"reader_ids"`
}

// Changed lists the JSON names of the fields a patch sets.
func (p Patch) Changed() []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	add(p.Title != nil, "title")
	add(p.Body != nil, "body")
	add(p.HorizonStart != nil, "horizon_start")
	add(p.HorizonEnd != nil, "horizon_end")
	add(p.Tags != nil, "tags")
	add(p.Confidential != nil, "confidential")
	add(p.ReaderIDs != nil, "reader_ids")
	return out
}

// TouchesSharing reports whether the patch changes who may read the plan.
func (p Patch) TouchesSharing() bool { return p.Confidential != nil || p.ReaderIDs != nil }

// Apply returns plan p with the patch applied (not yet validated).
func (p Patch) Apply(to Plan) Plan {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&to.Title, p.Title)
	set(&to.Body, p.Body)
	set(&to.HorizonStart, p.HorizonStart)
	set(&to.HorizonEnd, p.HorizonEnd)
	if p.Tags != nil {
		to.Tags = *p.Tags
	}
	if p.Confidential != nil {
		to.Confidential = *p.Confidential
	}
	if p.ReaderIDs != nil {
		to.ReaderIDs = *p.ReaderIDs
	}
	if !to.Confidential && p.ReaderIDs == nil {
		to.ReaderIDs = nil // an open plan has no named readers
	}
	return to
}

// Plan returns the new plan described by the input.
func (in Input) Plan() Plan {
	return Plan{Title: in.Title, Body: in.Body, HorizonStart: in.HorizonStart, HorizonEnd: in.HorizonEnd,
		Tags: in.Tags, Confidential: in.Confidential, ReaderIDs: in.ReaderIDs}
}

// Normalize trims the title, tags and reader ids and drops repeated tags and readers.
func (p *Plan) Normalize() {
	p.Title = strings.TrimSpace(p.Title)
	p.HorizonStart = strings.TrimSpace(p.HorizonStart)
	p.HorizonEnd = strings.TrimSpace(p.HorizonEnd)
	p.Tags = dedupe(p.Tags)
	p.ReaderIDs = dedupe(p.ReaderIDs)
}

func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			if s == "" {
				out = append(out, s) // kept so Validate can name the empty entry
			}
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// Validate checks a plan's fields (after Normalize). Reader ids are checked
// against the relationship's users by the store.
func (p Plan) Validate() error {
	var v errs.Validator
	switch {
	case p.Title == "":
		v.Add("title", "is required")
	case utf8.RuneCountInString(p.Title) > MaxTitleRunes:
		v.Add("title", "must be at most %d characters", MaxTitleRunes)
	}
	v.Check(len(p.Body) <= MaxBodyBytes, "body", "must be at most %d bytes (100 KB) of Markdown", MaxBodyBytes)
	v.Check(utf8.ValidString(p.Body), "body", "must be valid UTF-8 text")
	start, okStart := checkDate(&v, "horizon_start", p.HorizonStart)
	end, okEnd := checkDate(&v, "horizon_end", p.HorizonEnd)
	if okStart && okEnd && p.HorizonStart != "" && p.HorizonEnd != "" && end.Before(start) {
		v.Add("horizon_end", "must not be before horizon_start")
	}
	if v.Check(len(p.Tags) <= MaxTags, "tags", "must be at most %d tags", MaxTags) {
		for i, t := range p.Tags {
			v.Check(t != "" && utf8.RuneCountInString(t) <= MaxTagRunes, fmt.Sprintf("tags[%d]", i), "must be 1 to %d characters", MaxTagRunes)
		}
	}
	if !p.Confidential && len(p.ReaderIDs) > 0 {
		v.Add("reader_ids", "only a confidential plan has named readers; everyone in the relationship can read an open plan")
	}
	if v.Check(len(p.ReaderIDs) <= MaxReaders, "reader_ids", "must name at most %d readers", MaxReaders) {
		for i, id := range p.ReaderIDs {
			v.Check(id != "", fmt.Sprintf("reader_ids[%d]", i), "must be a user id")
		}
	}
	return v.Err()
}

// checkDate validates an optional YYYY-MM-DD date.
func checkDate(v *errs.Validator, field, s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		v.Add(field, "must be a date YYYY-MM-DD")
		return t, false
	}
	return t, true
}

// AccessEntry is one recorded read of a confidential plan.
type AccessEntry struct {
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	OrgID    string    `json:"org_id"`
	At       time.Time `json:"at"`
}
