package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rapport/rapport/server/internal/auth"
)

// The ceiling is the bare stack Rapport is built on — Gin, GORM, SQLite with
// the same settings as store.Open, the same JWT checks, gorilla/websocket — doing
// the least a request can do: a JWT check and a primary-key read, or a JWT check
// and a single-row durable insert broadcast to websocket subscribers. Every
// Rapport figure is reported as a ratio to it, measured in the same run.

// ceilingRow is the one table the ceiling writes.
type ceilingRow struct {
	ID             string `gorm:"primaryKey"`
	RelationshipID string
	Body           string
	CreatedAt      time.Time
}

func (ceilingRow) TableName() string { return "ceiling_rows" }

// ceilingOrder is the primary-key read: the orders table of the dataset.
type ceilingOrder struct {
	ID             string
	RelationshipID string
	Number         string
	Status         string
	Currency       string
	Total          int64
	Version        int64
	CreatedAt      time.Time
}

func (ceilingOrder) TableName() string { return "orders" }

// openCeilingDB opens path exactly as store.Open does: one writer connection
// (BEGIN IMMEDIATE, WAL, the given synchronous mode) and a read-only pool of 8.
func openCeilingDB(path, syncMode string) (w, r *gorm.DB, err error) {
	gcfg := &gorm.Config{Logger: logger.Discard, NowFunc: func() time.Time { return time.Now().UTC() }, TranslateError: true, PrepareStmt: true}
	common := "_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_cache_size=-16000"
	if w, err = gorm.Open(sqlite.Open(fmt.Sprintf("file:%s?%s&_synchronous=%s&_txlock=immediate", path, common, syncMode)), gcfg); err != nil {
		return nil, nil, err
	}
	wdb, _ := w.DB()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	if r, err = gorm.Open(sqlite.Open(fmt.Sprintf("file:%s?%s&_query_only=1", path, common)), gcfg); err != nil {
		return nil, nil, err
	}
	rdb, _ := r.DB()
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(8)
	return w, r, w.Exec(`CREATE TABLE IF NOT EXISTS ceiling_rows (id TEXT PRIMARY KEY, relationship_id TEXT NOT NULL, body TEXT NOT NULL, created_at TIMESTAMP NOT NULL)`).Error
}

// serveCeiling runs the bare server until SIGTERM (the harness's child mode).
func serveCeiling(addr, dbPath, secret, syncMode string) error {
	h, err := ceilingHandler(dbPath, secret, syncMode)
	if err != nil {
		return err
	}
	return serveUntilSignal(addr, h)
}

// ceilingHandler opens the database at dbPath and returns the bare server's routes.
func ceilingHandler(dbPath, secret, syncMode string) (http.Handler, error) {
	w, r, err := openCeilingDB(dbPath, syncMode)
	if err != nil {
		return nil, err
	}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(auth.Issuer), jwt.WithAudience(auth.Audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(5*time.Second))
	key := []byte(secret)
	parse := func(c *gin.Context) (*auth.Claims, bool) {
		tok, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		var claims auth.Claims
		if _, err := parser.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
			c.AbortWithStatus(http.StatusUnauthorized)
			return nil, false
		}
		return &claims, true
	}
	check := func(c *gin.Context) { parse(c) }
	// checkClaims also hands the claims on (the bare placement needs the user).
	checkClaims := func(c *gin.Context) {
		if claims, ok := parse(c); ok {
			c.Set("claims", claims)
		}
	}
	gw, err := openGroupWriter(dbPath, syncMode)
	if err != nil {
		return nil, err
	}
	rdb, err := r.DB()
	if err != nil {
		return nil, err
	}
	bare := &barePlacer{w: gw, prices: rdb, byN: map[int]*sql.Stmt{}}
	h := newCeilingHub()
	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	g.GET("/readyz", func(c *gin.Context) {
		var one int
		if err := r.Raw("SELECT 1").Scan(&one).Error; err != nil {
			c.Status(http.StatusServiceUnavailable)
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	})
	g.GET("/orders/:id", check, func(c *gin.Context) {
		var o ceilingOrder
		if err := r.WithContext(c).Where("id = ? AND relationship_id = ?", c.Param("id"), c.Query("rel")).Take(&o).Error; err != nil {
			c.Status(http.StatusNotFound)
			return
		}
		c.JSON(http.StatusOK, o)
	})
	g.POST("/rows", check, func(c *gin.Context) {
		row, ok := bindCeilingRow(c)
		if !ok {
			return
		}
		if err := w.WithContext(c).Create(&row).Error; err != nil {
			c.Status(http.StatusServiceUnavailable)
			return
		}
		h.broadcast(row)
		c.JSON(http.StatusCreated, row)
	})
	g.POST("/rows/group", check, gw.groupRows)
	g.POST("/relationships/:rel/orders", checkClaims, bare.place)
	g.GET("/ws", h.serve)
	// The floor: a constant answer from net/http alone (no Gin, no JWT, no
	// database), for what the machine and the load generator cost by themselves.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /floor", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	})
	mux.Handle("/", g)
	return mux, nil
}

// bindCeilingRow reads the row a POST /rows… request asks for; on a bad body
// it answers 400 and returns false.
func bindCeilingRow(c *gin.Context) (ceilingRow, bool) {
	var req struct {
		RelationshipID string `json:"relationship_id"`
		Body           string `json:"body"`
	}
	if err := c.ShouldBindJSON(&req); err != nil {
		c.Status(http.StatusBadRequest)
		return ceilingRow{}, false
	}
	return ceilingRow{ID: newRunID(), RelationshipID: req.RelationshipID, Body: req.Body, CreatedAt: time.Now().UTC()}, true
}

func serveUntilSignal(addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// ceilingHub is the bare gorilla broadcast: each message encoded once, one
// bounded queue and one writer goroutine per subscriber, subscribers per relationship.
type ceilingHub struct {
	mu   sync.RWMutex
	subs map[string]map[chan []byte]bool
}

func newCeilingHub() *ceilingHub { return &ceilingHub{subs: map[string]map[chan []byte]bool{}} }

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (h *ceilingHub) serve(c *gin.Context) {
	rel := c.Query("rel")
	conn, err := upgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return
	}
	q := make(chan []byte, 256)
	h.mu.Lock()
	if h.subs[rel] == nil {
		h.subs[rel] = map[chan []byte]bool{}
	}
	h.subs[rel][q] = true
	h.mu.Unlock()
	go func() { // reader: only to notice the close
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				h.mu.Lock()
				delete(h.subs[rel], q)
				h.mu.Unlock()
				close(q)
				return
			}
		}
	}()
	for msg := range q {
		conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			break
		}
	}
	conn.Close()
}

func (h *ceilingHub) broadcast(row ceilingRow) {
	msg := []byte(fmt.Sprintf(`{"type":"event","relationship_id":%q,"event":{"subject_id":%q,"at":%q}}`,
		row.RelationshipID, row.ID, row.CreatedAt.Format(time.RFC3339Nano)))
	h.mu.RLock()
	defer h.mu.RUnlock()
	for q := range h.subs[row.RelationshipID] {
		select {
		case q <- msg:
		default: // a subscriber that cannot keep up loses messages here; the harness counts them
		}
	}
}
