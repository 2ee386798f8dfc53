// Package comment holds comment threads on shared objects: subjects, edit window,
// tombstones and @mentions.
package comment

import (
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Subject types a comment can be attached to. A forecast is named by its product id.
const (
	SubjectOrder    = "order"
	SubjectIdea     = "idea"
	SubjectTicket   = "ticket"
	SubjectPlan     = "plan"
	SubjectForecast = "forecast"
	SubjectPromise  = "promise"
)

// SubjectTypes lists every subject type.
var SubjectTypes = []string{SubjectOrder, SubjectIdea, SubjectTicket, SubjectPlan, SubjectForecast, SubjectPromise}

// MaxBody is the longest comment, in characters.
const MaxBody = 10000

// EditWindow is how long after posting the author may still edit a comment.
const EditWindow = 15 * time.Minute

// Comment is one entry of a thread. A deleted comment stays as a tombstone: its
// body is emptied and DeletedAt set, so the thread keeps its shape.
type Comment struct {
	ID          string
	SubjectType string
	SubjectID   string
	Body        string
	AuthorID    string
	AuthorSide  access.Side
	Mentions    []string
	Version     int64
	CreatedAt   time.Time
	EditedAt    *time.Time
	DeletedAt   *time.Time
}

// Subject names what a comment is about.
type Subject struct {
	Type string
	ID   string
}

// Validate checks a subject's fields.
func (s Subject) Validate() error {
	var v errs.Validator
	v.Check(slices.Contains(SubjectTypes, s.Type), "subject_type", "must be one of %s", strings.Join(SubjectTypes, ", "))
	v.Check(strings.TrimSpace(s.ID) != "", "subject_id", "is required")
	return v.Err()
}

// ValidateBody checks a comment's text: not blank, at most MaxBody characters.
// Markup is not an error: it is stored and returned verbatim (clients escape it).
func ValidateBody(body string) error {
	var v errs.Validator
	switch {
	case strings.TrimSpace(body) == "":
		v.Add("body", "is required")
	case !utf8.ValidString(body):
		v.Add("body", "must be valid UTF-8")
	case utf8.RuneCountInString(body) > MaxBody:
		v.Add("body", "must be at most %d characters", MaxBody)
	}
	return v.Err()
}

// CanEdit decides whether caller may edit c at `now`: only its author, only within
// EditWindow, never once deleted.
func CanEdit(c Comment, callerID string, now time.Time) error {
	if c.AuthorID != callerID {
		return errs.Forbiddenf("only the author can edit a comment")
	}
	if c.DeletedAt != nil {
		return errs.Conflictf("a deleted comment cannot be edited")
	}
	if now.Sub(c.CreatedAt) > EditWindow {
		return errs.Conflictf("a comment can be edited only within %d minutes of posting", int(EditWindow.Minutes()))
	}
	return nil
}

// CanDelete decides whether caller may delete c: its author, or an admin of the
// author's organization (moderation); a comment is deleted once.
func CanDelete(c Comment, caller access.Caller, authorOrgID string) error {
	if c.AuthorID != caller.UserID && !(caller.IsAdmin() && caller.OrgID == authorOrgID) {
		return errs.Forbiddenf("only the author or an admin of the author's organization can delete a comment")
	}
	if c.DeletedAt != nil {
		return errs.Conflictf("the comment is already deleted")
	}
	return nil
}

// Member is a user who can be @mentioned in a relationship.
type Member struct {
	ID    string
	Name  string
	Email string
}

// Mentions finds the members named in body as "@" followed by their email or their
// name (case-insensitive; the longest match at each "@" wins, and it must end at a
// word boundary). It returns their ids in order of first mention, without excludeID.
func Mentions(body string, members []Member, excludeID string) []string {
	type key struct{ text, id string }
	var keys []key
	for _, m := range members {
		if m.Email != "" {
			keys = append(keys, key{strings.ToLower(m.Email), m.ID})
		}
		if strings.TrimSpace(m.Name) != "" {
			keys = append(keys, key{strings.ToLower(m.Name), m.ID})
		}
	}
	sort.SliceStable(keys, func(i, j int) bool { return len(keys[i].text) > len(keys[j].text) })
	lower := strings.ToLower(body)
	var out []string
	for i := 0; i < len(lower); i++ {
		if lower[i] != '@' || (i > 0 && isWordByte(lower[i-1])) {
			continue // "a@b" inside an address is not a mention
		}
		rest := lower[i+1:]
		for _, k := range keys {
			if strings.HasPrefix(rest, k.text) && boundary(rest[len(k.text):]) {
				if k.id != excludeID && !slices.Contains(out, k.id) {
					out = append(out, k.id)
				}
				break
			}
		}
	}
	return out
}

func isWordByte(b byte) bool {
	return b == '_' || b == '.' || b == '-' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || b >= 0x80
}

// boundary reports whether a mention may end right before rest.
func boundary(rest string) bool {
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '@' &&
		!(r == '.' && len(rest) > 1 && isWordByte(rest[1])) // "@ann.b" is not "@ann" then ".b"
}
