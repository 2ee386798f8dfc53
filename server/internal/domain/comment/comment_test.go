package comment

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

func TestMentions(t *testing.T) {
	members := []Member{
		{ID: "ann", Name: "Ann Berg", Email: "ann@x.example"},
		{ID: "annb", Name: "Ann Bergström", Email: "ab@x.example"},
		{ID: "tom", Name: "Tom", Email: "tom@y.example"},
	}
	cases := []struct {
		body string
		want []string
	}{
		{"@Ann Berg please look", []string{"ann"}},
		{"@ann bergström and @TOM@y.example", []string{"annb", "tom"}},
		{"cc @tom, @tom and @Tom.", []string{"tom"}},
		{"mail tom@y.example is not a mention", nil},
		{"@Tommy is someone else", nil},
		{"@ann@x.example.", []string{"ann"}},
		{"@self me", nil},
		{"<script>@Tom</script>", []string{"tom"}},
	}
	for _, c := range cases {
		got := Mentions(c.body, append(members, Member{ID: "me", Name: "self"}), "me")
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, want %v", c.body, got, c.want)
		}
	}
}

func TestValidateBody(t *testing.T) {
	for body, ok := range map[string]bool{
		"hello":                        true,
		"<script>alert(1)</script>":    true,
		"   ":                          false,
		strings.Repeat("é", MaxBody):   true,
		strings.Repeat("é", MaxBody+1): false,
	} {
		if got := ValidateBody(body) == nil; got != ok {
			t.Errorf("body of %d chars: ok=%v, want %v", len(body), got, ok)
		}
	}
}

func TestEditAndDeleteRules(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := Comment{AuthorID: "u1", CreatedAt: now}
	if err := CanEdit(c, "u1", now.Add(15*time.Minute)); err != nil {
		t.Errorf("edit at 15 min: %v", err)
	}
	if err := CanEdit(c, "u1", now.Add(15*time.Minute+time.Second)); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("edit after 15 min: %v", err)
	}
	if err := CanEdit(c, "u2", now); !errors.Is(err, errs.ErrForbidden) {
		t.Errorf("edit by another: %v", err)
	}
	admin := access.Caller{UserID: "a", OrgID: "o1", Role: access.RoleAdmin}
	if err := CanDelete(c, admin, "o1"); err != nil {
		t.Errorf("author org admin delete: %v", err)
	}
	if err := CanDelete(c, admin, "o2"); !errors.Is(err, errs.ErrForbidden) {
		t.Errorf("other org admin delete: %v", err)
	}
	del := now
	c.DeletedAt = &del
	if err := CanDelete(c, access.Caller{UserID: "u1"}, "o1"); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("second delete: %v", err)
	}
}
