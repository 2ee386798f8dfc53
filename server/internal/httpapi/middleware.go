package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/rapport/rapport/server/internal/store"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

const (
	ctxRequestID = "request_id"
	ctxLogger    = "logger"
	ctxCaller    = "caller"
	ctxRel       = "rel"
)

type metrics struct {
	reg      *prometheus.Registry
	handler  http.Handler
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// registerStore exports the SQLite group committer's counters: writes per
// commit (writes_total / commits_total) is how many requests share an fsync.
func (m *metrics) registerStore(st *store.Store) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rapport_store_group_commits_total",
			Help: "SQLite write transactions committed by the group committer."},
			func() float64 { _, commits := st.WriteStats(); return float64(commits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rapport_store_group_commit_writes_total",
			Help: "Writes committed by the group committer, each answered after its transaction's commit."},
			func() float64 { writes, _ := st.WriteStats(); return float64(writes) }),
	)
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rapport_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	m.reg.MustRegister(m.requests, m.latency, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// requestContext gives each request an id (X-Request-Id), a logger carrying it,
// and records its metrics and one log line when it ends.
func (a *API) requestContext(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	log := a.Log.With("request_id", id)
	c.Set(ctxLogger, log)
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	a.metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)).Inc()
	a.metrics.latency.WithLabelValues(route, c.Request.Method).Observe(elapsed.Seconds())
	level := slog.LevelDebug // successes stay quiet on the hot path; client errors info, server errors warn
	switch {
	case status >= 500:
		level = slog.LevelWarn
	case status >= 400:
		level = slog.LevelInfo
	}
	log.Log(c.Request.Context(), level, "request", "method", c.Request.Method, "route", route,
		"status", status, "duration_ms", float64(elapsed.Microseconds())/1000, "user_id", c.GetString("user_id"))
}

// recoverer turns a panic into a logged 500 problem, never a stack trace to the client.
func (a *API) recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logger(c).Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				problem(c, http.StatusInternalServerError, "Something went wrong on our side. Quote the request id when reporting it.")
			}
			c.Abort()
		}
	}()
	c.Next()
}

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	}
	c.Next()
}

// bodyLimit refuses bodies over the limit before reading them whole: a declared
// Content-Length over it is a 413 at once, and the reader stops at the limit.
func (a *API) bodyLimit(c *gin.Context) {
	limit := a.Config.BodyLimit
	if strings.HasSuffix(c.Request.URL.Path, "/forecasts/import") {
		limit *= 16 // 50,000 CSV rows
	}
	if c.Request.ContentLength > limit {
		problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than %d bytes.", limit))
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

// deadline bounds a request's work by RAPPORT_REQUEST_TIMEOUT: a database that
// accepts connections but never answers costs the caller a 503 after that long
// (fail maps the deadline), not a request held forever. CSV imports get twice as
// long. The websocket handshake is bounded too: an upgraded connection lives on
// the hub's context, not the request's.
func (a *API) deadline(c *gin.Context) {
	timeout := a.Config.RequestTimeout
	if timeout <= 0 {
		c.Next()
		return
	}
	if strings.HasSuffix(c.Request.URL.Path, "/forecasts/import") {
		timeout *= 2
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// limitOrders refuses a user's order past RAPPORT_ORDER_RATE with a 429 and
// Retry-After, before the body is read or anything is written: one buyer's
// token cannot flood a supplier with orders. Other users are not affected.
func (a *API) limitOrders(c *gin.Context) {
	if a.orderLimit == nil {
		c.Next()
		return
	}
	if ok, wait := a.orderLimit.Reserve(caller(c).UserID); !ok {
		secs := max(int(math.Ceil(wait.Seconds())), 1)
		c.Header("Retry-After", strconv.Itoa(secs))
		problem(c, http.StatusTooManyRequests, fmt.Sprintf("You are placing orders faster than %d a minute; try again in %d s.", a.Config.OrderRate, secs))
		return
	}
	c.Next()
}

// authenticate requires a valid bearer access token and an active user.
func (a *API) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="rapport"`)
		problem(c, http.StatusUnauthorized, "Send an access token as 'Authorization: Bearer …'.")
		return
	}
	caller, err := a.Tokens.Verify(strings.TrimSpace(token))
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="rapport", error="invalid_token"`)
		problem(c, http.StatusUnauthorized, "The access token is invalid or expired.")
		return
	}
	c.Set(ctxCaller, caller)
	c.Set("user_id", caller.UserID)
	c.Next()
}

// caller returns the authenticated caller.
func caller(c *gin.Context) access.Caller {
	v, _ := c.Get(ctxCaller)
	return v.(access.Caller)
}

// loadRel resolves /relationships/:rel for the caller once: a relationship the
// caller's organization is not part of is a 404.
func (a *API) loadRel(c *gin.Context) {
	rel, err := a.Store.ResolveRel(c.Request.Context(), caller(c), c.Param("rel"))
	if err != nil {
		fail(c, err)
		return
	}
	c.Set(ctxRel, rel)
	c.Next()
}

// relOf returns the relationship resolved by loadRel.
func relOf(c *gin.Context) access.Rel {
	v, _ := c.Get(ctxRel)
	return v.(access.Rel)
}

// requireSide lets only one side of the relationship through (403 otherwise).
func requireSide(side access.Side, what string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if relOf(c).Side != side {
			fail(c, errs.Forbiddenf("only the %s can %s", side, what))
			return
		}
		c.Next()
	}
}

func (a *API) noRoute(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") || a.Frontend == nil {
		problem(c, http.StatusNotFound, "There is no such endpoint.")
		return
	}
	a.serveFrontend(c)
}
