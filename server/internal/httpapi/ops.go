package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/api"
)

func (a *API) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz answers 200 only when the database answers.
func (a *API) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		logger(c).Warn("not ready", "err", err)
		problem(c, http.StatusServiceUnavailable, "The database is not reachable.")
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// metricsHandler serves Prometheus metrics (route names, request counts, Go
// runtime and process figures: not for the public). With RAPPORT_METRICS_TOKEN
// set it wants that bearer token (401 otherwise); without one it answers only
// clients on this machine, judged by the TCP peer address, never by a
// forwarding header a client can write itself — to others /metrics is a 404.
// A trusted proxy on this machine does not make the clients it forwards local.
func (a *API) metricsHandler(c *gin.Context) {
	if token := a.Config.MetricsToken; token != "" {
		got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || !sameSecret(strings.TrimSpace(got), token) {
			c.Header("WWW-Authenticate", `Bearer realm="rapport-metrics"`)
			problem(c, http.StatusUnauthorized, "Send the metrics token as 'Authorization: Bearer …'.")
			return
		}
	} else if !onThisMachine(c) {
		problem(c, http.StatusNotFound, "There is no such endpoint.")
		return
	}
	a.metrics.handler.ServeHTTP(c.Writer, c.Request)
}

// sameSecret compares in constant time; hashing first hides the length too.
func sameSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// onThisMachine reports whether the TCP peer is this machine (127.0.0.0/8, ::1)
// and so is the client: ClientIP is that peer unless the peer is one of
// RAPPORT_TRUSTED_PROXIES, which then names the client it forwards for.
func onThisMachine(c *gin.Context) bool {
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	return err == nil && loopback(host) && loopback(c.ClientIP())
}

func loopback(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	return err == nil && ip.Unmap().IsLoopback()
}

func (a *API) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml", api.OpenAPI)
}

// serveFrontend serves the embedded web page; unknown paths get index.html so the
// page's own router can show them.
func (a *API) serveFrontend(c *gin.Context) {
	p := path.Clean("/" + c.Request.URL.Path)
	if p == "/" || !strings.Contains(path.Base(p), ".") {
		p = "/index.html"
	}
	f, err := a.Frontend.Open(p)
	if err != nil {
		problem(c, http.StatusNotFound, "There is no such page.")
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		problem(c, http.StatusNotFound, "There is no such page.")
		return
	}
	if p == "/index.html" {
		c.Header("Cache-Control", "no-cache")
	}
	http.ServeContent(c.Writer, c.Request, p, st.ModTime(), f)
}
