package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/mattn/go-sqlite3"

	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/order"
	"github.com/rapport/rapport/server/internal/store"
)

// Group commit on the bare stack, for the placement's stretch goal ("beat the
// ceiling's single-row insert with group commit").
//
// The single-row insert ceiling pays one fsync per request. Two more routes of
// the ceiling's server tell how much of the gap between it and the portal's
// placement is the portal's and how much the rows': both go through one writer
// goroutine that takes every write waiting, runs them in one transaction, each
// in a savepoint of its own, commits once at the run's synchronous mode, and
// only then answers each request. The WAL is checkpointed in the background by
// the store's policy (wal_autocheckpoint = 0 on the writer, PASSIVE passes
// each followed by a sync of the database file, the writer finishing between
// two batches once the WAL is long):
//
//   - POST /rows/group: the ceiling's single-row insert, group-committed;
//   - POST /relationships/:rel/orders: the rows the portal's placement writes,
//     by hand-written SQL with nothing around it. The JWT check, the body, the
//     catalogue prices (one read; a buyer never sets a price), then under group
//     commit the idempotency key's lookup, the relationship's order and seq
//     counters, the order row (with its lines and history as JSON, as the
//     portal's), its line rows, its event, the account owner's notification,
//     the idempotency key with its response, and the buyer's last activity.
//     No validation beyond the prices, no request hash (the key stands in for
//     it), no middleware, no hooks, no logging.
//
// Its statements are the store's SQL for the same rows, so the bare placement
// writes the same B-tree pages the portal does.

// groupWriter is the bare group committer.
type groupWriter struct {
	conn  *sql.Conn
	queue chan *groupJob
	stmts map[string]*sql.Stmt // prepared on conn, kept for the server's life

	ckpt   *sql.Conn     // the background checkpointer's connection
	ckptMu sync.Mutex    // one checkpoint at a time
	dbFile *os.File      // the database file, held open for the server's life (closing it would drop SQLite's locks)
	kick   chan struct{} // a commit happened
	resetW chan struct{} // the checkpointer asks the writer to start the WAL over
}

// groupJob is one request's write and its outcome.
type groupJob struct {
	fn   func(*groupTx) error
	err  error
	done chan struct{}
}

// groupTx runs a job's statements inside the batch's transaction, on the
// writer connection's prepared statements (BEGIN, SAVEPOINT and COMMIT are
// statements too, as in the portal's committer: a statement prepared inside a
// database/sql transaction would belong to that transaction alone).
type groupTx struct{ w *groupWriter }

func (t *groupTx) stmt(query string) (*sql.Stmt, error) {
	s, ok := t.w.stmts[query]
	if !ok {
		var err error
		if s, err = t.w.conn.PrepareContext(context.Background(), query); err != nil {
			return nil, err
		}
		t.w.stmts[query] = s
	}
	return s, nil
}

func (t *groupTx) exec(query string, args ...any) error {
	s, err := t.stmt(query)
	if err != nil {
		return err
	}
	_, err = s.Exec(args...)
	return err
}

func (t *groupTx) queryRow(query string, args []any, dest ...any) (bool, error) {
	s, err := t.stmt(query)
	if err != nil {
		return false, err
	}
	err = s.QueryRow(args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

const (
	groupMaxBatch      = 64
	groupCheckpointGap = 100 * time.Millisecond
	groupRestartFrames = 4096
	groupBacklog       = 4 * groupMaxBatch
)

// openGroupWriter opens a writer connection of its own on path (the store's
// settings, no automatic checkpoints) and a checkpointer connection, and
// starts both goroutines.
func openGroupWriter(path, syncMode string) (*groupWriter, error) {
	dsn := fmt.Sprintf("file:%s?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_cache_size=-16000&_synchronous=%s&_txlock=immediate", path, syncMode)
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{"PRAGMA temp_store = MEMORY", "PRAGMA wal_autocheckpoint = 0"} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return nil, err
		}
	}
	ckpt, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	dbFile, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	w := &groupWriter{conn: conn, ckpt: ckpt, dbFile: dbFile, queue: make(chan *groupJob, groupBacklog),
		stmts: map[string]*sql.Stmt{}, kick: make(chan struct{}, 1), resetW: make(chan struct{}, 1)}
	go w.run()
	go w.checkpoints()
	return w, nil
}

// submit queues fn and waits until its batch committed (or failed).
func (w *groupWriter) submit(fn func(*groupTx) error) error {
	j := &groupJob{fn: fn, done: make(chan struct{})}
	w.queue <- j
	<-j.done
	return j.err
}

func (w *groupWriter) run() {
	batch := make([]*groupJob, 0, groupMaxBatch)
	for j := range w.queue {
		batch = append(batch[:0], j)
	gather:
		for len(batch) < groupMaxBatch {
			select {
			case j := <-w.queue:
				batch = append(batch, j)
			default:
				break gather
			}
		}
		select {
		case <-w.resetW:
			// No transaction is open: copy what is left and let the next
			// transaction start the WAL over.
			_, _ = w.checkpoint(w.conn)
		default:
		}
		w.commit(batch)
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// commit runs batch in one transaction, a savepoint per job, and answers each.
func (w *groupWriter) commit(batch []*groupJob) {
	t := &groupTx{w: w}
	err := t.exec("BEGIN IMMEDIATE")
	if err == nil {
		for _, j := range batch {
			if err = t.exec("SAVEPOINT w"); err != nil {
				break
			}
			if j.err = j.fn(t); j.err != nil {
				if err = t.exec("ROLLBACK TO SAVEPOINT w"); err != nil {
					break
				}
			}
			if err = t.exec("RELEASE SAVEPOINT w"); err != nil {
				break
			}
		}
		if err == nil {
			err = t.exec("COMMIT")
		}
		if err != nil {
			_ = t.exec("ROLLBACK")
		}
	}
	for _, j := range batch {
		if err != nil && j.err == nil {
			j.err = err
		}
		close(j.done)
	}
}

// checkpoints copies committed pages into the database file after commits,
// at most every groupCheckpointGap, off the commit path, by the portal's
// policy (store/checkpoint.go): once the WAL is long, it repeats its pass
// until little is left and asks the writer to finish, between two batches,
// so that the next transaction starts the WAL over (a PASSIVE checkpoint
// under steady writes never reaches the WAL's end).
func (w *groupWriter) checkpoints() {
	for range w.kick {
		frames, err := w.checkpoint(w.ckpt)
		for pass := 1; err == nil && frames >= groupRestartFrames && pass < 4; pass++ {
			prev := frames
			if frames, err = w.checkpoint(w.ckpt); err != nil || frames < prev || frames-prev <= 256 {
				break
			}
		}
		if err == nil && frames >= groupRestartFrames {
			select {
			case w.resetW <- struct{}{}:
			default:
			}
		}
		time.Sleep(groupCheckpointGap)
	}
}

// checkpoint runs a PASSIVE checkpoint on conn (as a query: PITFALLS.md) and
// returns the WAL's length in frames.
func (w *groupWriter) checkpoint(conn *sql.Conn) (int, error) {
	w.ckptMu.Lock()
	defer w.ckptMu.Unlock()
	var busy, frames, copied int
	err := conn.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	if err == nil && copied > 0 && conn == w.ckpt {
		// SQLite syncs the database file only after a checkpoint that reached
		// the WAL's end; sync each background one, so the writer's own
		// checkpoint does not sync all of them at once (as the store does).
		err = w.dbFile.Sync()
	}
	return frames, err
}

// groupRows serves POST /rows/group: the ceiling's single-row insert, group-committed.
func (w *groupWriter) groupRows(c *gin.Context) {
	row, ok := bindCeilingRow(c)
	if !ok {
		return
	}
	err := w.submit(func(t *groupTx) error {
		return t.exec(`INSERT INTO ceiling_rows (id, relationship_id, body, created_at) VALUES (?, ?, ?, ?)`,
			row.ID, row.RelationshipID, row.Body, row.CreatedAt)
	})
	if err != nil {
		c.Status(http.StatusServiceUnavailable)
		return
	}
	c.JSON(http.StatusCreated, row)
}

// bareOrder is the bare placement's answer.
type bareOrder struct {
	ID             string       `json:"id"`
	RelationshipID string       `json:"relationship_id"`
	Number         string       `json:"number"`
	Status         string       `json:"status"`
	PONumber       string       `json:"po_number"`
	RequestedDate  string       `json:"requested_date"`
	Note           string       `json:"note"`
	Currency       string       `json:"currency"`
	Total          money.Amount `json:"total"`
	PlacedBy       string       `json:"placed_by"`
	CreatedAt      time.Time    `json:"created_at"`
	Lines          []order.Line `json:"lines"`
}

// barePlacer serves the bare placement.
type barePlacer struct {
	w      *groupWriter
	prices *sql.DB // the read-only pool
	mu     sync.Mutex
	byN    map[int]*sql.Stmt // the catalogue read for n products
}

func (p *barePlacer) priceStmt(n int) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.byN[n]; ok {
		return s, nil
	}
	s, err := p.prices.Prepare(`SELECT id, sku, name, unit_price, currency FROM products
		WHERE id IN (` + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `) AND active
		AND supplier_org_id = (SELECT supplier_org_id FROM relationships WHERE id = ?)`)
	if err == nil {
		p.byN[n] = s
	}
	return s, err
}

// place serves POST /relationships/:rel/orders on the bare stack.
func (p *barePlacer) place(c *gin.Context) {
	claims := c.MustGet("claims").(*auth.Claims)
	relID, key := c.Param("rel"), c.GetHeader("Idempotency-Key")
	var req struct {
		PONumber      string `json:"po_number"`
		RequestedDate string `json:"requested_date"`
		Note          string `json:"note"`
		Lines         []struct {
			ProductID string `json:"product_id"`
			Quantity  int64  `json:"quantity"`
		} `json:"lines"`
	}
	if err := c.ShouldBindJSON(&req); err != nil || len(req.Lines) == 0 || len(req.Lines) > 100 {
		c.Status(http.StatusBadRequest)
		return
	}
	// Price from the supplier's catalogue (a buyer never sets a price).
	args := make([]any, 0, len(req.Lines)+1)
	for _, l := range req.Lines {
		args = append(args, l.ProductID)
	}
	args = append(args, relID)
	s, err := p.priceStmt(len(req.Lines))
	if err != nil {
		c.Status(http.StatusServiceUnavailable)
		return
	}
	type priced struct {
		sku, name, currency string
		price               int64
	}
	cat := map[string]priced{}
	rows, err := s.QueryContext(c, args...)
	if err != nil {
		c.Status(http.StatusServiceUnavailable)
		return
	}
	for rows.Next() {
		var id string
		var pr priced
		if err := rows.Scan(&id, &pr.sku, &pr.name, &pr.price, &pr.currency); err != nil {
			break
		}
		cat[id] = pr
	}
	rows.Close()
	now := time.Now().UTC()
	o := bareOrder{ID: store.NewID(), RelationshipID: relID, Status: "submitted", PONumber: req.PONumber,
		RequestedDate: req.RequestedDate, Note: req.Note, PlacedBy: claims.Subject, CreatedAt: now}
	for i, l := range req.Lines {
		pr, ok := cat[l.ProductID]
		if !ok || l.Quantity <= 0 {
			c.Status(http.StatusUnprocessableEntity)
			return
		}
		o.Currency = pr.currency
		total := money.Amount(pr.price * l.Quantity)
		o.Lines = append(o.Lines, order.Line{LineNo: i + 1, ProductID: l.ProductID, SKU: pr.sku, Name: pr.name,
			Quantity: l.Quantity, UnitPrice: money.Amount(pr.price), LineTotal: total})
		o.Total += total
	}
	var body []byte
	replayed := false
	err = p.w.submit(func(t *groupTx) error {
		if key != "" {
			var hash, stored string
			found, err := t.queryRow(`SELECT request_hash, response FROM idempotency_keys WHERE relationship_id = ? AND "key" = ?`,
				[]any{relID, key}, &hash, &stored)
			if err != nil || found {
				body, replayed = []byte(stored), found
				return err
			}
		}
		return p.insert(t, &o, key, &body)
	})
	switch {
	case err != nil:
		var se sqlite3.Error
		if errors.As(err, &se) && se.Code == sqlite3.ErrConstraint {
			c.Status(http.StatusConflict)
			return
		}
		c.Status(http.StatusServiceUnavailable)
	case replayed:
		c.Data(http.StatusOK, "application/json", body)
	default:
		c.Data(http.StatusCreated, "application/json", body)
	}
}

// insert writes the order's rows inside the batch's transaction.
func (p *barePlacer) insert(t *groupTx, o *bareOrder, key string, body *[]byte) error {
	var placed, seq int64
	var owner sql.NullString
	if _, err := t.queryRow(`UPDATE relationships SET orders_placed = orders_placed + 1, last_seq = last_seq + 1 WHERE id = ?
		RETURNING orders_placed, last_seq, account_owner_id`, []any{o.RelationshipID}, &placed, &seq, &owner); err != nil {
		return err
	}
	o.Number = fmt.Sprintf("ORD-%06d", placed)
	// The order row's lines and history in the store's own form, so the
	// portal reads these orders as its own (the bare stack writes into the run's database).
	lines, err := store.EncodeLines(o.Lines)
	if err != nil {
		return err
	}
	history, err := store.EncodeHistory([]order.HistoryItem{{Seq: 1, Status: order.Submitted, ActorID: o.PlacedBy, At: o.CreatedAt}})
	if err != nil {
		return err
	}
	if err := t.exec(`INSERT INTO orders (id, relationship_id, number, status, po_number, requested_date, promised_date, note,
		currency, total, placed_by, reason, version, created_at, updated_at, lines, history) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, '', 1, ?, ?, ?, ?)`,
		o.ID, o.RelationshipID, o.Number, o.Status, o.PONumber, o.RequestedDate, o.Note, o.Currency, int64(o.Total), o.PlacedBy,
		o.CreatedAt, o.CreatedAt, lines, history); err != nil {
		return err
	}
	q := `INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", len(o.Lines)), ", ")
	args := make([]any, 0, 8*len(o.Lines))
	for _, l := range o.Lines {
		args = append(args, o.ID, l.LineNo, l.ProductID, l.SKU, l.Name, l.Quantity, int64(l.UnitPrice), int64(l.LineTotal))
	}
	if err := t.exec(q, args...); err != nil {
		return err
	}
	notify := "[]"
	if owner.Valid && owner.String != o.PlacedBy {
		notify = fmt.Sprintf("[%q]", owner.String)
	}
	data := fmt.Sprintf(`{"order_id":%q,"number":%q,"to":"submitted","total":%d,"currency":%q,"lines":%d,"notify":%s}`,
		o.ID, o.Number, int64(o.Total), o.Currency, len(o.Lines), notify)
	if err := t.exec(`INSERT INTO events (relationship_id, seq, type, subject_type, subject_id, actor_id, actor_side, at, data, plan_scope)
		VALUES (?, ?, 'order.submitted', 'order', ?, ?, 'buyer', ?, ?, '')`, o.RelationshipID, seq, o.ID, o.PlacedBy, o.CreatedAt, data); err != nil {
		return err
	}
	if notify != "[]" {
		if err := t.exec(`INSERT INTO notifications (id, user_id, relationship_id, seq, type, created_at) VALUES (?, ?, ?, ?, 'order.submitted', ?)`,
			store.NewID(), owner.String, o.RelationshipID, seq, o.CreatedAt); err != nil {
			return err
		}
	}
	var err2 error
	if *body, err2 = json.Marshal(o); err2 != nil {
		return err2
	}
	if key != "" {
		if err := t.exec(`INSERT INTO idempotency_keys (relationship_id, user_id, "key", request_hash, status, resource_id, response, created_at)
			VALUES (?, ?, ?, ?, 201, ?, ?, ?)`, o.RelationshipID, o.PlacedBy, key, key, o.ID, string(*body), o.CreatedAt); err != nil {
			return err
		}
	}
	return t.exec(`UPDATE health_state SET last_buyer_at = ? WHERE relationship_id = ? AND (last_buyer_at IS NULL OR last_buyer_at < ?)`,
		o.CreatedAt, o.RelationshipID, o.CreatedAt)
}
