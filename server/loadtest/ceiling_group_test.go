package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/store"
)

// The bare stack's group-committed placement is a reference the harness
// reports the portal's placement against; these tests hold it to what it
// claims to write: the rows of a placed order, priced from the catalogue,
// once per idempotency key.

func TestBarePlacementWritesTheRowsOfAnOrderOncePerKey(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "bare.db")
	man, err := generate(ctx, dbPath, Size{Rels: 2, Orders: 40, ProductsPerSupplier: 5}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	secret := "bare-test-secret-0123456789abcdef"
	h, err := ceilingHandler(dbPath, secret, "FULL")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	tokens, err := auth.NewTokens([]byte(secret), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	rel := man.Rels[0]
	token, err := tokens.Issue(access.Caller{UserID: rel.BuyerUser, OrgID: rel.BuyerOrgID, Role: access.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	post := func(path, key, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	ordersBefore := count(`SELECT COUNT(*) FROM orders WHERE relationship_id = ?`, rel.ID)
	var lastSeq int64
	if err := db.QueryRow(`SELECT last_seq FROM relationships WHERE id = ?`, rel.ID).Scan(&lastSeq); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"po_number":"PO-1","lines":[{"product_id":%q,"quantity":2},{"product_id":%q,"quantity":1},{"product_id":%q,"quantity":3}]}`,
		rel.Products[0], rel.Products[1], rel.Products[2])
	status, first := post("/relationships/"+rel.ID+"/orders", "key-1", body)
	if status != http.StatusCreated {
		t.Fatalf("placement: %d %s", status, first)
	}
	var o bareOrder
	if err := json.Unmarshal(first, &o); err != nil {
		t.Fatal(err)
	}
	// Priced from the catalogue: each line at the product's price.
	var want money.Amount
	for i, l := range o.Lines {
		var price money.Amount
		if err := db.QueryRow(`SELECT unit_price FROM products WHERE id = ?`, rel.Products[i]).Scan(&price); err != nil {
			t.Fatal(err)
		}
		if l.UnitPrice != price || l.LineTotal != price*money.Amount(l.Quantity) {
			t.Errorf("line %d: unit %d total %d, catalogue price %d × %d", l.LineNo, l.UnitPrice, l.LineTotal, price, l.Quantity)
		}
		want += price * money.Amount(l.Quantity)
	}
	if len(o.Lines) != 3 || o.Total != want {
		t.Errorf("order: %d lines, total %d; want 3 lines, total %d", len(o.Lines), o.Total, want)
	}
	if n := count(`SELECT COUNT(*) FROM orders WHERE id = ? AND relationship_id = ? AND number = ? AND total = ?`, o.ID, rel.ID, o.Number, want); n != 1 {
		t.Errorf("order row: %d", n)
	}
	// The row's lines in the store's form: the portal reads these orders too.
	wantLines, err := store.EncodeLines(o.Lines)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT COUNT(*) FROM orders WHERE id = ? AND lines = ?`, o.ID, wantLines); n != 1 {
		t.Errorf("the order row's lines are not in the store's form %s", wantLines)
	}
	if n := count(`SELECT COUNT(*) FROM order_lines WHERE order_id = ?`, o.ID); n != 3 {
		t.Errorf("line rows: %d, want 3", n)
	}
	if n := count(`SELECT COUNT(*) FROM events WHERE relationship_id = ? AND seq = ? AND type = 'order.submitted' AND subject_id = ?`, rel.ID, lastSeq+1, o.ID); n != 1 {
		t.Errorf("event at seq %d: %d", lastSeq+1, n)
	}
	if n := count(`SELECT COUNT(*) FROM notifications n JOIN relationships r ON r.id = n.relationship_id AND r.account_owner_id = n.user_id
		WHERE n.relationship_id = ? AND n.seq = ?`, rel.ID, lastSeq+1); n != 1 {
		t.Errorf("account owner's notification: %d", n)
	}
	if n := count(`SELECT COUNT(*) FROM idempotency_keys WHERE relationship_id = ? AND "key" = 'key-1' AND resource_id = ?`, rel.ID, o.ID); n != 1 {
		t.Errorf("idempotency key: %d", n)
	}

	// The same key again: the first answer, and no second order.
	status, again := post("/relationships/"+rel.ID+"/orders", "key-1", body)
	if status != http.StatusOK || string(again) != string(first) {
		t.Errorf("replay: %d %s, want 200 and the first answer", status, again)
	}
	// Another supplier's product is not in this catalogue.
	other := man.Rels[len(man.Rels)-1].Products[0]
	if man.Rels[len(man.Rels)-1].SupplierOrgID == rel.SupplierOrgID {
		other = "no-such-product"
	}
	if status, b := post("/relationships/"+rel.ID+"/orders", "key-2", fmt.Sprintf(`{"lines":[{"product_id":%q,"quantity":1}]}`, other)); status != http.StatusUnprocessableEntity {
		t.Errorf("foreign product: %d %s, want 422", status, b)
	}
	if n := count(`SELECT COUNT(*) FROM orders WHERE relationship_id = ?`, rel.ID); n != ordersBefore+1 {
		t.Errorf("orders: %d, want %d", n, ordersBefore+1)
	}

	// The group-committed single-row insert.
	status, b := post("/rows/group", "", `{"relationship_id":"`+rel.ID+`","body":"x"}`)
	var row ceilingRow
	if status != http.StatusCreated || json.Unmarshal(b, &row) != nil {
		t.Fatalf("group insert: %d %s", status, b)
	}
	if n := count(`SELECT COUNT(*) FROM ceiling_rows WHERE id = ?`, row.ID); n != 1 {
		t.Errorf("group-inserted row: %d", n)
	}
}
