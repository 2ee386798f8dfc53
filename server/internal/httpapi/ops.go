package httpapi

import (
	"context"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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

func (a *API) metricsHandler(c *gin.Context) {
	promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
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
