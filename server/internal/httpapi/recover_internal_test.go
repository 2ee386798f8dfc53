package httpapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// A panicking handler becomes a logged 500 problem, never a stack trace to the client.
func TestPanicBecomesProblem(t *testing.T) {
	var logs bytes.Buffer
	a := &API{Deps: Deps{Log: slog.New(slog.NewJSONHandler(&logs, nil))}, metrics: newMetrics()}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(a.requestContext, a.recoverer)
	r.GET("/boom", func(*gin.Context) { panic("secret internal detail") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/boom", nil))
	if w.Code != http.StatusInternalServerError || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, content type %q", w.Code, w.Header().Get("Content-Type"))
	}
	if strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "goroutine") {
		t.Fatalf("panic leaked: %s", w.Body)
	}
	if !strings.Contains(logs.String(), "secret internal detail") || !strings.Contains(logs.String(), "request_id") {
		t.Fatalf("panic not logged with its request id: %s", logs.String())
	}
}
