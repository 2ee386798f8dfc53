package interaction

import (
	"errors"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

func TestValidate(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	good := New{Kind: "visit", OccurredAt: "2026-04-30T09:00:00+02:00", Summary: "Line audit", ParticipantIDs: []string{"a", "a", " b "}, InitiatedBy: "supplier"}
	it, ids, err := good.Validate(now)
	if err != nil || len(ids) != 2 || !it.OccurredAt.Equal(time.Date(2026, 4, 30, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("good: %v %v %v", it, ids, err)
	}
	cases := map[string]New{
		"kind":            {Kind: "lunch", OccurredAt: good.OccurredAt, Summary: "x", ParticipantIDs: []string{"a"}, InitiatedBy: "buyer"},
		"occurred_at":     {Kind: "call", OccurredAt: "2026-05-02T12:00:01Z", Summary: "x", ParticipantIDs: []string{"a"}, InitiatedBy: "buyer"},
		"summary":         {Kind: "call", OccurredAt: good.OccurredAt, Summary: " ", ParticipantIDs: []string{"a"}, InitiatedBy: "buyer"},
		"initiated_by":    {Kind: "call", OccurredAt: good.OccurredAt, Summary: "x", ParticipantIDs: []string{"a"}, InitiatedBy: "both"},
		"participant_ids": {Kind: "call", OccurredAt: good.OccurredAt, Summary: "x", InitiatedBy: "buyer"},
	}
	for field, n := range cases {
		_, _, err := n.Validate(now)
		var v *errs.ValidationError
		if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	// Exactly one day ahead is still accepted.
	ok := good
	ok.OccurredAt = "2026-05-02T12:00:00Z"
	if _, _, err := ok.Validate(now); err != nil {
		t.Errorf("a day ahead: %v", err)
	}
}

func TestParseFilter(t *testing.T) {
	f, err := ParseFilter("call", "buyer", "2026-01-31")
	if err != nil || !f.Since.Equal(time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%v %v", f, err)
	}
	if _, err := ParseFilter("lunch", "both", "yesterday"); err == nil {
		t.Fatal("bad filter accepted")
	} else if v := (*errs.ValidationError)(nil); !errors.As(err, &v) || len(v.Fields) != 3 {
		t.Fatalf("want three field errors: %v", err)
	}
}
