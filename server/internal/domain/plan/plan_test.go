package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

func fields(err error) map[string]bool {
	out := map[string]bool{}
	var v *errs.ValidationError
	if errors.As(err, &v) {
		for _, f := range v.Fields {
			out[f.Field] = true
		}
	}
	return out
}

func TestValidate(t *testing.T) {
	p := Plan{Title: " Roadmap ", Body: strings.Repeat("b", MaxBodyBytes), Tags: []string{"a", " a", "b"}, HorizonStart: "2027-01-01", HorizonEnd: "2027-01-01",
		Confidential: true, ReaderIDs: []string{"u1", "u1 ", "u2"}}
	p.Normalize()
	if err := p.Validate(); err != nil {
		t.Fatalf("valid plan: %v", err)
	}
	if p.Title != "Roadmap" || len(p.Tags) != 2 || len(p.ReaderIDs) != 2 {
		t.Errorf("normalized = %+v", p)
	}
	bad := Plan{Body: strings.Repeat("b", MaxBodyBytes+1), HorizonStart: "2027-02-01", HorizonEnd: "2027-01-31", Tags: []string{""}, ReaderIDs: []string{"u"}}
	bad.Normalize()
	got := fields(bad.Validate())
	for _, f := range []string{"title", "body", "horizon_end", "tags[0]", "reader_ids"} {
		if !got[f] {
			t.Errorf("missing error on %s: %v", f, got)
		}
	}
	if !fields(Plan{Title: "x", Body: "\xff"}.Validate())["body"] {
		t.Error("invalid UTF-8 body accepted")
	}
}

func TestPatch(t *testing.T) {
	conf, open := true, false
	title := "New"
	readers := []string{"u2"}
	base := Plan{Title: "Old", Body: "b", Confidential: true, ReaderIDs: []string{"u1"}, Version: 3}
	got := Patch{Title: &title}.Apply(base)
	if got.Title != "New" || got.Body != "b" || len(got.ReaderIDs) != 1 {
		t.Errorf("title patch = %+v", got)
	}
	if got := (Patch{ReaderIDs: &readers}).Apply(base); got.ReaderIDs[0] != "u2" {
		t.Errorf("readers patch = %+v", got)
	}
	if got := (Patch{Confidential: &open}).Apply(base); got.Confidential || got.ReaderIDs != nil {
		t.Errorf("opening a plan drops its readers: %+v", got)
	}
	if !(Patch{Confidential: &conf}).TouchesSharing() || (Patch{Title: &title}).TouchesSharing() {
		t.Error("TouchesSharing")
	}
	if c := (Patch{Title: &title, ReaderIDs: &readers}).Changed(); strings.Join(c, ",") != "title,reader_ids" {
		t.Errorf("Changed = %v", c)
	}
}
