// Package httpapi is Rapport's JSON API over HTTP: the Gin router, middleware,
// handlers and request/response types. It never touches the database directly.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/config"
	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/store"
)

// Deps are what the API needs; main wires them.
type Deps struct {
	Config   config.Config
	Store    *store.Store
	Tokens   *auth.Tokens
	Log      *slog.Logger
	Frontend http.FileSystem // the embedded web page; nil serves none
	Realtime Realtime        // the websocket stream; nil disables /ws
	Now      func() time.Time
}

// Realtime is the websocket side of the API, implemented by package realtime.
type Realtime interface {
	// IssueTicket returns a one-time ticket for the authenticated user.
	IssueTicket(ctx context.Context, userID string) (ticket string, expires time.Time, err error)
	// RedeemTicket consumes a ticket and returns its active user; a reused,
	// expired or forged ticket is errs.ErrUnauthorized.
	RedeemTicket(ctx context.Context, ticket string) (account.User, error)
	// ServeWS upgrades a request whose Origin and ticket were accepted and
	// serves the connection for user until it ends.
	ServeWS(w http.ResponseWriter, r *http.Request, user account.User)
}

// API holds the handlers' dependencies.
type API struct {
	Deps
	loginByIP      *auth.Limiter
	loginByAccount *auth.Limiter
	orderLimit     *auth.Limiter // nil: RAPPORT_ORDER_RATE=0, no limit
	metrics        *metrics
}

// New builds the HTTP handler of the whole server.
func New(d Deps) (*API, http.Handler) {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	a := &API{
		Deps:           d,
		loginByIP:      auth.NewLimiter(d.Config.LoginPerMinute * 3),
		loginByAccount: auth.NewLimiter(d.Config.LoginPerMinute),
		metrics:        newMetrics(),
	}
	if d.Store != nil {
		a.metrics.registerStore(d.Store)
	}
	if d.Config.OrderRate > 0 {
		a.orderLimit = auth.NewRateLimiter(rate.Limit(float64(d.Config.OrderRate)/60), d.Config.OrderBurst())
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.RemoveExtraSlash = true
	trustProxies(r, d.Config.TrustedProxies)
	r.Use(a.requestContext, a.recoverer, securityHeaders, a.bodyLimit, a.deadline)
	r.NoRoute(a.noRoute)
	r.NoMethod(func(c *gin.Context) { problem(c, http.StatusMethodNotAllowed, "This method is not allowed here.") })
	a.routes(r)
	return a, r
}

// trustProxies makes c.ClientIP() the TCP peer unless that peer is one of
// RAPPORT_TRUSTED_PROXIES (Gin's default trusts every peer, so any client could
// name its own address to the per-address login limit). Only X-Forwarded-For is
// read, walked from the right to the first hop that is not a trusted proxy: the
// one our proxy appended. X-Real-IP is not read: Gin falls back to it when
// X-Forwarded-For is missing, and a proxy that does not set it passes the
// client's own value through.
func trustProxies(r *gin.Engine, proxies []string) {
	if len(proxies) == 0 {
		proxies = nil
	}
	r.ForwardedByClientIP = true
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	r.TrustedPlatform = ""
	if err := r.SetTrustedProxies(proxies); err != nil {
		panic("httpapi: RAPPORT_TRUSTED_PROXIES passed config.Validate but not Gin: " + err.Error())
	}
}

// Registry is the Prometheus registry behind /metrics.
func (a *API) Registry() *prometheus.Registry { return a.metrics.reg }
