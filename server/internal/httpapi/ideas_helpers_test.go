package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/testutil"
)

// Helpers shared by the service area's tests (ideas, comments, tickets, interactions).

// lastSeq returns the relationship's latest event seq as token sees it.
func svcLastSeq(t *testing.T, s *testutil.Server, rel, token string) float64 {
	t.Helper()
	return s.Call("GET", "/relationships/"+rel+"/events?after_seq=0&limit=1", token, nil).Expect(t, 200).JSON(t)["last_seq"].(float64)
}

// eventsAfter returns the events after seq that token may see.
func svcEventsAfter(t *testing.T, s *testutil.Server, rel, token string, seq float64) []map[string]any {
	t.Helper()
	return s.Call("GET", fmt.Sprintf("/relationships/%s/events?after_seq=%d&limit=1000", rel, int64(seq)), token, nil).Expect(t, 200).Items(t)
}

// eventTypes lists the types of events.
func svcEventTypes(evs []map[string]any) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e["type"].(string)
	}
	return out
}

// notifyOf returns an event's data.notify list.
func svcNotifyOf(ev map[string]any) []string {
	data, _ := ev["data"].(map[string]any)
	raw, _ := data["notify"].([]any)
	out := []string{}
	for _, v := range raw {
		out = append(out, v.(string))
	}
	return out
}

// etagOf is the quoted version header for If-Match.
func svcETag(obj map[string]any) string {
	return fmt.Sprintf(`"%d"`, int64(obj["version"].(float64)))
}

// makeProduct adds a product to the supplier's catalogue through the store.
func svcProduct(t *testing.T, s *testutil.Server, supplier testutil.Party, sku string) string {
	t.Helper()
	p, err := s.Store.CreateProduct(context.Background(), supplier.Admin.Caller(), product.Product{SKU: sku, Name: "Product " + sku,
		UnitPrice: 100000, Currency: "EUR", Active: true})
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	return p.ID
}

func svcID(m map[string]any) string { return m["id"].(string) }

func svcPath(rel, format string, args ...any) string {
	return "/relationships/" + rel + fmt.Sprintf(format, args...)
}

func svcJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
