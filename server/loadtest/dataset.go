package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rapport/rapport/server/internal/domain/forecast"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/order"
	"github.com/rapport/rapport/server/internal/store"
)

// Size describes a generated dataset: the cache key is derived from it and from
// the migrations, so a schema change regenerates the file.
type Size struct {
	Rels                int // relationships (one buyer organization each)
	Orders              int // orders in total, spread over a year
	ProductsPerSupplier int
}

// suppliers is how many supplier organizations share the relationships (100 buyers each).
func (s Size) suppliers() int { return max(1, (s.Rels+99)/100) }

// genVersion changes whenever the generator writes different data, so a
// cached dataset from an older generator is not reused.
const genVersion = 5

// Password is the password of every generated user (bcrypt at the minimum cost).
const Password = "loadtest-password"

// RelInfo is what the harness needs to act inside one generated relationship.
type RelInfo struct {
	ID            string   `json:"id"`
	SupplierOrgID string   `json:"supplier_org_id"`
	BuyerOrgID    string   `json:"buyer_org_id"`
	SupplierUser  string   `json:"supplier_user"` // supplier admin (sales)
	BuyerUser     string   `json:"buyer_user"`    // buyer member (purchasing)
	BuyerAdmin    string   `json:"buyer_admin"`
	BuyerEmail    string   `json:"buyer_email"`
	Products      []string `json:"products"`  // a few of the supplier's product ids
	Orders        []string `json:"orders"`    // a sample of order ids
	Submitted     []string `json:"submitted"` // orders still 'submitted' (for state changes)
	Acknowledged  []string `json:"acknowledged"`
}

// Manifest describes a generated database.
type Manifest struct {
	Size     Size      `json:"size"`
	Rels     []RelInfo `json:"rels"`
	Elapsed  string    `json:"elapsed"`
	Rows     int64     `json:"rows"`
	Schema   string    `json:"schema"`
	Suppiers []string  `json:"suppliers"`
}

// schemaHash identifies the shipped migrations, so a cached dataset made for an
// older schema is never reused.
func schemaHash() (string, error) {
	ms, err := store.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		io.WriteString(h, m.Name+"\n"+m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// cachedDataset returns the path of a database of size sz in cacheDir,
// generating it on first use; the caller copies it before serving it.
func cachedDataset(ctx context.Context, cacheDir string, sz Size, logf func(string, ...any)) (string, Manifest, error) {
	hash, err := schemaHash()
	if err != nil {
		return "", Manifest{}, err
	}
	dir := filepath.Join(cacheDir, fmt.Sprintf("r%d-o%d-p%d-g%d-%s", sz.Rels, sz.Orders, sz.ProductsPerSupplier, genVersion, hash))
	dbPath := filepath.Join(dir, "rapport.db")
	manPath := filepath.Join(dir, "manifest.json")
	if b, err := os.ReadFile(manPath); err == nil {
		var m Manifest
		if json.Unmarshal(b, &m) == nil {
			logf("dataset: reusing %s", dir)
			return dbPath, m, nil
		}
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", Manifest{}, err
	}
	start := time.Now()
	m, err := upgradeCached(ctx, cacheDir, sz, dbPath, logf)
	if err != nil {
		logf("dataset: %v; generating", err)
		m, err = generate(ctx, dbPath, sz, logf)
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", Manifest{}, err
	}
	m.Schema, m.Elapsed = hash, time.Since(start).Round(time.Millisecond).String()
	b, _ := json.Marshal(m)
	if err := os.WriteFile(manPath, b, 0o600); err != nil {
		return "", Manifest{}, err
	}
	logf("dataset: %d orders, %d rows in %s", sz.Orders, m.Rows, m.Elapsed)
	return dbPath, m, nil
}

// upgradeCached reuses a dataset of the same size made for an older schema:
// it copies it and applies the newer migrations through the store, which is
// what a real upgrade does and far cheaper than generating again.
func upgradeCached(ctx context.Context, cacheDir string, sz Size, dbPath string, logf func(string, ...any)) (Manifest, error) {
	prefix := fmt.Sprintf("r%d-o%d-p%d-g%d-", sz.Rels, sz.Orders, sz.ProductsPerSupplier, genVersion)
	entries, _ := os.ReadDir(cacheDir)
	for _, e := range entries {
		old := filepath.Join(cacheDir, e.Name())
		if !strings.HasPrefix(e.Name(), prefix) || old == filepath.Dir(dbPath) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(old, "manifest.json"))
		var m Manifest
		if err != nil || json.Unmarshal(b, &m) != nil {
			continue
		}
		if err := copyFile(filepath.Join(old, "rapport.db"), dbPath); err != nil {
			return Manifest{}, err
		}
		st, err := store.Open(store.Options{SQLitePath: dbPath})
		if err != nil {
			return Manifest{}, err
		}
		err = st.Migrate(ctx)
		st.Close()
		if err != nil {
			return Manifest{}, fmt.Errorf("upgrade %s: %w", old, err)
		}
		logf("dataset: upgraded %s to the current schema", old)
		_ = os.RemoveAll(old)
		return m, nil
	}
	return Manifest{}, fmt.Errorf("no older dataset of this size in %s", cacheDir)
}

// generate migrates a fresh database through the store, then fills it with
// multi-row INSERTs in large transactions on one connection with durability
// off (a crash here only costs a regeneration), and finally switches to WAL.
func generate(ctx context.Context, dbPath string, sz Size, logf func(string, ...any)) (Manifest, error) {
	st, err := store.Open(store.Options{SQLitePath: dbPath})
	if err != nil {
		return Manifest{}, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return Manifest{}, err
	}
	if err := st.Close(); err != nil {
		return Manifest{}, err
	}
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_foreign_keys=off&_busy_timeout=10000")
	if err != nil {
		return Manifest{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, p := range []string{"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", "PRAGMA cache_size=-2000000", "PRAGMA temp_store=MEMORY"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return Manifest{}, fmt.Errorf("%s: %w", p, err)
		}
	}
	indexes, err := dropIndexes(ctx, db)
	if err != nil {
		return Manifest{}, err
	}
	g := newGen(db, sz, logf)
	if err := g.run(ctx); err != nil {
		return Manifest{}, err
	}
	t0 := time.Now()
	for _, ddl := range indexes {
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return Manifest{}, fmt.Errorf("%s: %w", ddl, err)
		}
	}
	logf("dataset: %d secondary indexes rebuilt in %s", len(indexes), time.Since(t0).Round(time.Millisecond))
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return Manifest{}, err
	}
	// No ANALYZE: the server never runs it, so a production database has no
	// planner statistics, and the benchmark must not have them either.
	return Manifest{Size: sz, Rels: g.rels, Rows: g.rows, Suppiers: g.supplierOrgs}, nil
}

// gen holds the state of one generation run.
type gen struct {
	db           *sql.DB
	tx           *sql.Tx
	sz           Size
	logf         func(string, ...any)
	rnd          *rand.Rand
	rows         int64
	start        time.Time // a year before now
	today        string    // YYYY-MM-DD, UTC
	rels         []RelInfo
	relSeq       []int64
	relNumber    []int
	supplierOrgs []string
	supplierUser []string
	products     [][]genProduct // per supplier
	hash         string
	counter      uint16
	inserters    map[string]*inserter
}

type genProduct struct {
	id, sku, name string
	price         int64
}

func newGen(db *sql.DB, sz Size, logf func(string, ...any)) *gen {
	hash, _ := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
	return &gen{db: db, sz: sz, logf: logf, rnd: rand.New(rand.NewPCG(42, uint64(sz.Orders))),
		start: time.Now().UTC().AddDate(-1, 0, 0).Truncate(time.Hour), today: time.Now().UTC().Format(time.DateOnly), hash: string(hash), inserters: map[string]*inserter{}}
}

var idEnc = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// id makes an id in store.NewID's format for a past moment, so generated ids
// sort by creation time exactly like the server's own.
func (g *gen) id(at time.Time) string {
	var b [15]byte
	g.counter++
	binary.BigEndian.PutUint64(b[0:8], uint64(at.UnixMilli())<<16|uint64(g.counter))
	var r [8]byte
	binary.BigEndian.PutUint64(r[:], g.rnd.Uint64())
	copy(b[8:], r[:7])
	return idEnc.EncodeToString(b[:])
}

func (g *gen) run(ctx context.Context) error {
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"organizations", g.orgs}, {"orders", g.orders}, {"service", g.service}, {"finish", g.finish},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := g.begin(ctx); err != nil {
			return err
		}
		if err := s.fn(ctx); err != nil {
			g.tx.Rollback()
			return fmt.Errorf("generate %s: %w", s.name, err)
		}
		if err := g.commit(); err != nil {
			return err
		}
		g.logf("dataset: %s in %s", s.name, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

func (g *gen) begin(ctx context.Context) error {
	tx, err := g.db.BeginTx(ctx, nil)
	g.tx = tx
	return err
}

func (g *gen) commit() error {
	for _, in := range g.inserters {
		if err := in.flush(); err != nil {
			return err
		}
	}
	for _, in := range g.inserters {
		in.close()
	}
	g.inserters = map[string]*inserter{}
	return g.tx.Commit()
}

// insert queues one row for table; rows go out in multi-row INSERTs.
func (g *gen) insert(table string, cols string, vals ...any) error {
	in := g.inserters[table]
	if in == nil {
		in = &inserter{g: g, table: table, cols: cols, ncols: len(vals), batch: max(1, 900/len(vals))}
		g.inserters[table] = in
	}
	g.rows++
	return in.add(vals)
}

// inserter batches rows of one table into a prepared multi-row INSERT.
type inserter struct {
	g       *gen
	table   string
	cols    string
	ncols   int
	batch   int
	pending []any
	full    *sql.Stmt
}

func (in *inserter) add(vals []any) error {
	in.pending = append(in.pending, vals...)
	if len(in.pending) >= in.batch*in.ncols {
		return in.flush()
	}
	return nil
}

func (in *inserter) stmt(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", in.ncols), ",") + ")"
	return "INSERT INTO " + in.table + " (" + in.cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", rows), ",")
}

func (in *inserter) flush() error {
	rows := len(in.pending) / in.ncols
	if rows == 0 {
		return nil
	}
	var err error
	if rows == in.batch {
		if in.full == nil {
			if in.full, err = in.g.tx.Prepare(in.stmt(rows)); err != nil {
				return err
			}
		}
		_, err = in.full.Exec(in.pending...)
	} else {
		_, err = in.g.tx.Exec(in.stmt(rows), in.pending...)
	}
	in.pending = in.pending[:0]
	if err != nil {
		return fmt.Errorf("insert %s: %w", in.table, err)
	}
	return nil
}

func (in *inserter) close() {
	if in.full != nil {
		in.full.Close()
	}
}

// orgs creates the supplier organizations (with users and products) and one
// buyer organization per relationship (with users).
func (g *gen) orgs(ctx context.Context) error {
	at := g.start.Add(-24 * time.Hour)
	for s := 0; s < g.sz.suppliers(); s++ {
		org := g.id(at)
		g.supplierOrgs = append(g.supplierOrgs, org)
		if err := g.insert("orgs", "id,name,created_at", org, fmt.Sprintf("Supplier %03d", s), at); err != nil {
			return err
		}
		users := []string{}
		for i, dept := range []string{"management", "sales", "production", "service", "engineering"} {
			role := "member"
			if i == 0 || i == 1 {
				role = "admin"
			}
			u, err := g.user(org, fmt.Sprintf("s%03d-%s@supplier.test", s, dept), role, dept, at)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		g.supplierUser = append(g.supplierUser, users[1])
		if err := g.catalogue(org, at); err != nil {
			return err
		}
	}
	for r := 0; r < g.sz.Rels; r++ {
		if err := g.buyer(r, at); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) user(org, email, role, dept string, at time.Time) (string, error) {
	id := g.id(at)
	return id, g.insert("users", "id,org_id,email,name,password_hash,role,department,active,created_at",
		id, org, email, strings.Split(email, "@")[0], g.hash, role, dept, true, at)
}

func (g *gen) catalogue(org string, at time.Time) error {
	var ps []genProduct
	for p := 0; p < g.sz.ProductsPerSupplier; p++ {
		gp := genProduct{id: g.id(at), sku: fmt.Sprintf("SKU-%05d", p), name: fmt.Sprintf("Machine part %d", p), price: int64(1000 + g.rnd.IntN(500000))}
		ps = append(ps, gp)
		if err := g.insert("products", "id,supplier_org_id,sku,name,description,unit_price,currency,lead_time_days,active,installation_cost,annual_maintenance_cost,expected_life_years,version,created_at,updated_at",
			gp.id, org, gp.sku, gp.name, "generated", gp.price, "EUR", 14, true, gp.price/10, gp.price/20, 10, 1, at, at); err != nil {
			return err
		}
	}
	g.products = append(g.products, ps)
	return nil
}

func (g *gen) buyer(r int, at time.Time) error {
	s := r % g.sz.suppliers()
	org := g.id(at)
	if err := g.insert("orgs", "id,name,created_at", org, fmt.Sprintf("Buyer %04d", r), at); err != nil {
		return err
	}
	email := fmt.Sprintf("b%04d-purchasing@buyer.test", r)
	admin, err := g.user(org, fmt.Sprintf("b%04d-admin@buyer.test", r), "admin", "management", at)
	if err != nil {
		return err
	}
	member, err := g.user(org, email, "member", "purchasing", at)
	if err != nil {
		return err
	}
	rel := g.id(at)
	if err := g.insert("relationships", "id,supplier_org_id,buyer_org_id,last_seq,silence_threshold_days,account_owner_id,created_at",
		rel, g.supplierOrgs[s], org, 0, 30, g.supplierUser[s], at); err != nil {
		return err
	}
	info := RelInfo{ID: rel, SupplierOrgID: g.supplierOrgs[s], BuyerOrgID: org, SupplierUser: g.supplierUser[s], BuyerUser: member, BuyerAdmin: admin, BuyerEmail: email}
	for i := 0; i < min(5, len(g.products[s])); i++ {
		info.Products = append(info.Products, g.products[s][i].id)
	}
	g.rels = append(g.rels, info)
	g.relSeq = append(g.relSeq, 0)
	g.relNumber = append(g.relNumber, 0)
	return g.event(r, "relationship.created", "relationship", rel, g.supplierUser[s], "supplier", at, `{}`)
}

func (g *gen) event(r int, typ, subjectType, subjectID, actor, side string, at time.Time, data string) error {
	g.relSeq[r]++
	return g.insert("events", "relationship_id,seq,type,subject_type,subject_id,actor_id,actor_side,at,data,plan_scope",
		g.rels[r].ID, g.relSeq[r], typ, subjectType, subjectID, actor, side, at, data, "")
}

// statusFor gives an order its state from its age, as a real year would.
func (g *gen) statusFor(age time.Duration) string {
	day := 24 * time.Hour
	switch {
	case age < 2*day:
		return "submitted"
	case age < 7*day:
		return "acknowledged"
	case age < 14*day:
		return "in_production"
	case age < 30*day:
		return "shipped"
	}
	switch n := g.rnd.IntN(100); {
	case n < 3:
		return "cancelled"
	case n < 5:
		return "rejected"
	}
	return "delivered"
}

// orders writes a year of orders, relationship by relationship and in time
// order within each, so every index grows at its end or near its last insert
// (ids still sort by creation time, like the server's); it commits every 100,000.
func (g *gen) orders(ctx context.Context) error {
	end := time.Now().UTC()
	span := int64(end.Sub(g.start))
	done := 0
	for r := 0; r < g.sz.Rels; r++ {
		n := g.sz.Orders / g.sz.Rels
		if r < g.sz.Orders%g.sz.Rels {
			n++
		}
		times := make([]int64, n)
		for i := range times {
			times[i] = g.rnd.Int64N(span)
		}
		slices.Sort(times)
		for _, off := range times {
			if done > 0 && done%100_000 == 0 {
				if err := g.commit(); err != nil {
					return err
				}
				if err := g.begin(ctx); err != nil {
					return err
				}
				if done%250_000 == 0 {
					g.logf("dataset: %d orders", done)
				}
			}
			at := g.start.Add(time.Duration(off))
			if err := g.order(r, at, end.Sub(at)); err != nil {
				return err
			}
			done++
		}
	}
	return nil
}

func (g *gen) order(r int, at time.Time, age time.Duration) error {
	info := &g.rels[r]
	s := r % g.sz.suppliers()
	g.relNumber[r]++
	id := g.id(at)
	status := g.statusFor(age)
	nlines := 1 + g.rnd.IntN(5)
	var total int64
	lines := make([]order.Line, 0, nlines)
	for l := 1; l <= nlines; l++ {
		p := g.products[s][g.rnd.IntN(len(g.products[s]))]
		qty := int64(1 + g.rnd.IntN(20))
		total += qty * p.price
		if err := g.insert("order_lines", "order_id,line_no,product_id,sku,name,quantity,unit_price,line_total", id, l, p.id, p.sku, p.name, qty, p.price, qty*p.price); err != nil {
			return err
		}
		lines = append(lines, order.Line{LineNo: l, ProductID: p.id, SKU: p.sku, Name: p.name, Quantity: qty,
			UnitPrice: money.Amount(p.price), LineTotal: money.Amount(qty * p.price)})
	}
	updated := at
	promised := ""
	var acked any
	if status != "submitted" && status != "rejected" {
		updated = at.Add(time.Duration(1+g.rnd.IntN(47)) * time.Hour)
		acked = updated
		promised = at.AddDate(0, 0, 14).Format("2006-01-02")
	}
	var delivered any
	if status == "delivered" {
		delivered = at.AddDate(0, 0, 12+g.rnd.IntN(5))
	}
	// The order's history: submitted, then (compressed to one step) its current state.
	history := []order.HistoryItem{{Seq: 1, Status: order.Submitted, ActorID: info.BuyerUser, At: at}}
	if status != "submitted" {
		history = append(history, order.HistoryItem{Seq: 2, Status: order.Status(status), ActorID: info.SupplierUser, At: updated})
	}
	linesJSON, err := store.EncodeLines(lines)
	if err != nil {
		return err
	}
	historyJSON, err := store.EncodeHistory(history)
	if err != nil {
		return err
	}
	if err := g.insert("orders", "id,relationship_id,number,status,po_number,requested_date,promised_date,note,currency,total,placed_by,reason,version,created_at,updated_at,acknowledged_at,delivered_at,lines,history",
		id, info.ID, fmt.Sprintf("ORD-%06d", g.relNumber[r]), status, fmt.Sprintf("PO-%d", g.relNumber[r]), at.AddDate(0, 0, 14).Format("2006-01-02"),
		promised, "", "EUR", total, info.BuyerUser, "", 1+boolInt(status != "submitted"), at, updated, acked, delivered, linesJSON, historyJSON); err != nil {
		return err
	}
	g.sample(info, id, status)
	if err := g.orderEvents(r, id, status, at, updated); err != nil {
		return err
	}
	return g.deliveryPromise(r, id, status, at, updated, promised)
}

// deliveryPromise is the promise acknowledging an order creates: kept once
// delivered, open before, none for orders never acknowledged.
func (g *gen) deliveryPromise(r int, orderID, status string, at, updated time.Time, due string) error {
	if due == "" || status == "cancelled" {
		return nil
	}
	info := &g.rels[r]
	pstatus, resolved := "open", any(nil)
	id := g.id(updated)
	switch {
	case status == "delivered":
		pstatus, resolved = "kept", updated.AddDate(0, 0, 12)
	case status != "rejected" && due < g.today:
		// The promise job would have broken it the day after its date passed.
		pstatus = "broken"
		day, _ := time.Parse(time.DateOnly, due)
		resolved = day.AddDate(0, 0, 1)
		data := `{"promise_id":"` + id + `","kind":"delivery","from":"open","to":"broken","outcome":"broken"}`
		if err := g.event(r, "promise.resolved", "promise", id, "", "", day.AddDate(0, 0, 1), data); err != nil {
			return err
		}
	}
	return g.insert("promises", "id,relationship_id,description,kind,owner_id,due_date,order_id,status,note,created_by,version,created_at,resolved_at",
		id, info.ID, "Delivery of the order", "delivery", info.SupplierUser, due, orderID, pstatus, "", info.SupplierUser, 1, updated, resolved)
}

// orderEvents writes the order's events: submitted, then (compressed to one
// step) its current state.
func (g *gen) orderEvents(r int, id, status string, at, updated time.Time) error {
	info := &g.rels[r]
	data := `{"order_id":"` + id + `","notify":["` + info.SupplierUser + `"]}`
	if err := g.event(r, "order.submitted", "order", id, info.BuyerUser, "buyer", at, data); err != nil {
		return err
	}
	if status == "submitted" {
		return nil
	}
	typ := "order.status_changed"
	switch status {
	case "acknowledged":
		typ = "order.acknowledged"
	case "cancelled":
		typ = "order.cancelled"
	case "rejected":
		typ = "order.rejected"
	}
	return g.event(r, typ, "order", id, info.SupplierUser, "supplier", updated, `{"order_id":"`+id+`","to":"`+status+`"}`)
}

func (g *gen) sample(info *RelInfo, id, status string) {
	if len(info.Orders) < 64 || g.rnd.IntN(8) == 0 {
		if len(info.Orders) < 64 {
			info.Orders = append(info.Orders, id)
		} else {
			info.Orders[g.rnd.IntN(64)] = id
		}
	}
	switch status {
	case "submitted":
		info.Submitted = append(info.Submitted, id)
	case "acknowledged":
		if len(info.Acknowledged) < 64 {
			info.Acknowledged = append(info.Acknowledged, id)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// service adds the cheaper history: tickets, ideas and forecast revisions.
func (g *gen) service(ctx context.Context) error {
	end := time.Now().UTC()
	for r := range g.rels {
		if err := g.relService(r, end); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) relService(r int, end time.Time) error {
	info := &g.rels[r]
	s := r % g.sz.suppliers()
	for t := 0; t < 12; t++ {
		at := end.Add(-time.Duration(g.rnd.Int64N(int64(end.Sub(g.start)))))
		id := g.id(at)
		status := []string{"open", "acknowledged", "in_progress", "resolved", "closed", "closed"}[g.rnd.IntN(6)]
		// As a running server leaves them: answered within the first-response
		// time unless still open, resolved within a day when resolved, and every
		// breach of what is still overdue already marked (with its event) by the
		// SLA job, so a new server does not start on a backlog no real one has.
		respondDue, resolveDue := at.Add(4*time.Hour), at.Add(72*time.Hour)
		responded, resolved := any(nil), any(nil)
		if status != "open" {
			responded = at.Add(time.Hour)
		}
		if status == "resolved" || status == "closed" {
			resolved = at.Add(24 * time.Hour)
		}
		lateResponse := responded == nil && respondDue.Before(end)
		lateResolution := resolved == nil && resolveDue.Before(end)
		if err := g.insert("tickets", "id,relationship_id,number,type,severity,title,body,status,opened_by,opened_side,first_response_due_at,resolution_due_at,first_responded_at,resolved_at,first_response_breached,resolution_breached,version,created_at,updated_at",
			id, info.ID, fmt.Sprintf("T-%05d", t+1), "repair", "normal", "Spindle noise", "generated", status, info.BuyerUser, "buyer", respondDue, resolveDue,
			responded, resolved, boolInt(lateResponse), boolInt(lateResolution), 1, at, at); err != nil {
			return err
		}
		if err := g.event(r, "ticket.opened", "ticket", id, info.BuyerUser, "buyer", at, `{"ticket_id":"`+id+`"}`); err != nil {
			return err
		}
		for _, b := range []struct {
			late bool
			kind string
			due  time.Time
		}{{lateResponse, "first_response", respondDue}, {lateResolution, "resolution", resolveDue}} {
			if !b.late {
				continue
			}
			data := `{"ticket_id":"` + id + `","breach":"` + b.kind + `","notify":["` + info.SupplierUser + `"]}`
			if err := g.event(r, "ticket.sla_breached", "ticket", id, "", "", b.due, data); err != nil {
				return err
			}
		}
	}
	for i := 0; i < 3; i++ {
		at := end.Add(-time.Duration(g.rnd.Int64N(int64(end.Sub(g.start)))))
		id := g.id(at)
		if err := g.insert("ideas", "id,relationship_id,author_id,author_side,title,body,category,estimated_value,currency,status,version,created_at,updated_at",
			id, info.ID, info.BuyerUser, "buyer", "Cheaper packaging", "generated", "logistics", 100000, "EUR", "proposed", 1, at, at); err != nil {
			return err
		}
		if err := g.event(r, "idea.created", "idea", id, info.BuyerUser, "buyer", at, `{"idea_id":"`+id+`"}`); err != nil {
			return err
		}
	}
	return g.forecasts(r, s, end)
}

func (g *gen) forecasts(r, s int, end time.Time) error {
	info := &g.rels[r]
	for p := 0; p < min(3, len(g.products[s])); p++ {
		for rev := 1; rev <= 2; rev++ {
			at := end.AddDate(0, -3+rev, 0)
			id := g.id(at)
			if err := g.insert("forecast_revisions", "id,relationship_id,product_id,revision,kind,note,author_id,created_at",
				id, info.ID, g.products[s][p].id, rev, "forecast", "", info.BuyerUser, at); err != nil {
				return err
			}
			for m := 0; m < 12; m++ {
				// Periods, not end.AddDate(0, m, 0): on the 29th–31st that rolls
				// over short months and repeats a period.
				period := forecast.PeriodOf(end).AddMonths(m).String()
				if err := g.insert("forecast_periods", "revision_id,period,quantity", id, period, 10+g.rnd.IntN(90)); err != nil {
					return err
				}
			}
			if err := g.event(r, "forecast.revised", "forecast", id, info.BuyerUser, "buyer", at, `{"product_id":"`+g.products[s][p].id+`"}`); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish records each relationship's last seq and order counter.
func (g *gen) finish(ctx context.Context) error {
	for r, info := range g.rels {
		if _, err := g.tx.ExecContext(ctx, "UPDATE relationships SET last_seq = ?, orders_placed = (SELECT COUNT(*) FROM orders WHERE relationship_id = ?) WHERE id = ?", g.relSeq[r], info.ID, info.ID); err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies a cached dataset into a run's data folder and syncs the
// copy. Unsynced, its gigabytes stay dirty in the page cache until the kernel
// writes them back (dirty_expire_centisecs, 30 s by default), and that burst
// lands in whichever phase runs then: it used to fall on the ceiling's durable
// insert, whose every fsync waited behind it.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// dropIndexes drops the migrations' secondary indexes (not those behind
// PRIMARY KEY or UNIQUE) and returns their DDL: building an index once over
// sorted data is far cheaper than keeping it up to date through millions of
// inserts. The very same statements recreate them afterwards.
func dropIndexes(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	var names, ddl []string
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			rows.Close()
			return nil, err
		}
		names, ddl = append(names, name), append(ddl, stmt)
	}
	rows.Close()
	for _, n := range names {
		if _, err := db.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
			return nil, err
		}
	}
	return ddl, rows.Err()
}

// analyze gives the run's copy planner statistics (the -analyze flag), to
// measure what statistics would change.
func analyze(ctx context.Context, dbPath string, logf func(string, ...any)) error {
	t0 := time.Now()
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	logf("dataset: ANALYZE in %s", time.Since(t0).Round(time.Millisecond))
	return nil
}
