package idea

import (
	"errors"
	"testing"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Every (from, to, side) combination is decided by the table: allowed, 403 or 409.
func TestCheckTransitionTable(t *testing.T) {
	allowed := map[[3]string]bool{
		{Proposed, UnderReview, "receiver"}: true,
		{UnderReview, Accepted, "receiver"}: true,
		{Accepted, Implemented, "receiver"}: true,
		{Proposed, Declined, "receiver"}:    true,
		{UnderReview, Declined, "receiver"}: true,
		{Proposed, Withdrawn, "author"}:     true,
		{UnderReview, Withdrawn, "author"}:  true,
	}
	receiverOnly := map[string]bool{UnderReview: true, Accepted: true, Implemented: true, Declined: true}
	for _, from := range Statuses {
		for _, to := range Statuses {
			for _, who := range []string{"author", "receiver"} {
				it := Idea{AuthorSide: access.Buyer, Status: from}
				side := access.Buyer
				if who == "receiver" {
					side = access.Supplier
				}
				err := CheckTransition(it, to, side)
				switch {
				case allowed[[3]string{from, to, who}]:
					if err != nil {
						t.Errorf("%s→%s by %s: %v, want allowed", from, to, who, err)
					}
				case (receiverOnly[to] && who == "author") || (to == Withdrawn && who == "receiver"):
					if !errors.Is(err, errs.ErrForbidden) {
						t.Errorf("%s→%s by %s: %v, want forbidden", from, to, who, err)
					}
				default:
					if !errors.Is(err, errs.ErrConflict) {
						t.Errorf("%s→%s by %s: %v, want conflict", from, to, who, err)
					}
				}
			}
		}
	}
}

func TestNewValidate(t *testing.T) {
	cases := []struct {
		name  string
		in    New
		field string
	}{
		{"ok", New{Title: "Lighter frame", Category: "design", EstimatedValue: "1200.50", Currency: "eur"}, ""},
		{"no value", New{Title: "x", Category: "cost"}, ""},
		{"empty title", New{Title: "  ", Category: "cost"}, "title"},
		{"unknown category", New{Title: "x", Category: "magic"}, "category"},
		{"value without currency", New{Title: "x", Category: "cost", EstimatedValue: "10"}, "currency"},
		{"currency without value", New{Title: "x", Category: "cost", Currency: "EUR"}, "estimated_value"},
		{"negative value", New{Title: "x", Category: "cost", EstimatedValue: "-1", Currency: "EUR"}, "estimated_value"},
		{"too many decimals", New{Title: "x", Category: "cost", EstimatedValue: "1.234", Currency: "EUR"}, "estimated_value"},
	}
	for _, c := range cases {
		it, err := c.in.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			if c.name == "ok" && (it.EstimatedValue != 120050 || it.Currency != "EUR") {
				t.Errorf("ok: parsed %v %s", it.EstimatedValue, it.Currency)
			}
			continue
		}
		var v *errs.ValidationError
		if !errors.As(err, &v) || v.Fields[0].Field != c.field {
			t.Errorf("%s: %v, want a validation error on %s", c.name, err, c.field)
		}
	}
}
