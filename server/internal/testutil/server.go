package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/rapport/rapport/api"
	"github.com/rapport/rapport/server/internal/app"
	"github.com/rapport/rapport/server/internal/config"
)

// Server is a real Rapport server on a real database, served over httptest.
type Server struct {
	*app.App
	URL    string
	HTTP   *httptest.Server
	T      testing.TB
	Client *http.Client
}

// NewServer starts a server on db (see Databases).
func NewServer(t testing.TB, db DB) *Server {
	return NewServerWith(t, Config(t, db))
}

// NewServerWith starts a server with the given configuration.
func NewServerWith(t testing.TB, cfg config.Config) *Server {
	a := OpenApp(t, cfg)
	hs := httptest.NewServer(a.Handler)
	t.Cleanup(hs.Close)
	return &Server{App: a, URL: hs.URL, HTTP: hs, T: t, Client: hs.Client()}
}

// Response is what a request returned.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map (or fails the test).
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v (or fails the test).
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response: %v\n%s", err, r.Body)
	}
}

// Items returns the "items" of a list response.
func (r *Response) Items(t testing.TB) []map[string]any {
	t.Helper()
	var l struct {
		Items []map[string]any `json:"items"`
	}
	r.Decode(t, &l)
	return l.Items
}

// Req is one request; Body is marshalled to JSON unless it is a string or []byte.
type Req struct {
	Method string
	Path   string // under /api/v1 when it starts with /api/v1 or is relative to it
	Token  string
	Body   any
	Header map[string]string
}

// Do sends the request and checks the response against api/openapi.yaml.
func (s *Server) Do(r Req) *Response {
	s.T.Helper()
	return Do(s.T, s.Client, s.URL, r)
}

// With returns a copy of the server whose checks fail t (for subtests).
func (s *Server) With(t testing.TB) *Server {
	c := *s
	c.T = t
	return &c
}

// Call is Do with positional arguments, for the common case.
func (s *Server) Call(method, path, token string, body any) *Response {
	s.T.Helper()
	return s.Do(Req{Method: method, Path: path, Token: token, Body: body})
}

// Expect fails the test unless the response has the status; it returns the response.
func (r *Response) Expect(t testing.TB, status int) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// Do sends one request to a server at base and validates the response.
func Do(t testing.TB, client *http.Client, base string, r Req) *Response {
	t.Helper()
	path := r.Path
	if !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/healthz") && !strings.HasPrefix(path, "/readyz") && !strings.HasPrefix(path, "/metrics") {
		path = "/api/v1" + path
	}
	var body io.Reader
	contentType := "application/json"
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		body = bytes.NewReader(j)
	}
	req, err := http.NewRequest(r.Method, base+path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	resp := &Response{Status: res.StatusCode, Header: res.Header, Body: b}
	CheckResponse(t, req, resp)
	return resp
}

// globalStatus are the statuses any endpoint may answer (always as a problem):
// 401 missing or bad token, 413 body too large, 415 not JSON, 429 rate limited,
// 500 internal, 503 database unavailable.
var globalStatus = map[int]bool{401: true, 413: true, 415: true, 429: true, 500: true, 503: true}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func router() (routers.Router, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPI)
		if err != nil {
			specErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = err
			return
		}
		doc.Servers = openapi3.Servers{{URL: "/api/v1"}}
		specRouter, specErr = legacy.NewRouter(doc)
	})
	return specRouter, specErr
}

// CheckResponse fails the test when an /api/v1 response is not what
// api/openapi.yaml documents for its route and status: the spec cannot drift.
func CheckResponse(t testing.TB, req *http.Request, resp *Response) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.URL.Path == "/api/v1/openapi.yaml" || req.URL.Path == "/api/v1/ws" {
		return
	}
	ct := resp.Header.Get("Content-Type")
	if resp.Status >= 400 && !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("%s %s: error %d with Content-Type %q, want application/problem+json: %s", req.Method, req.URL.Path, resp.Status, ct, resp.Body)
	}
	rt, err := router()
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	u := *req.URL
	u.Host, u.Scheme = "", ""
	lookup := req.Clone(context.Background())
	lookup.URL = &u
	lookup.Host = ""
	route, params, err := rt.FindRoute(lookup)
	if err != nil {
		if globalStatus[resp.Status] || resp.Status == http.StatusNotFound || resp.Status == http.StatusMethodNotAllowed {
			return // an unknown endpoint is allowed to be unknown
		}
		t.Fatalf("%s %s is not in api/openapi.yaml: %v", req.Method, req.URL.Path, err)
	}
	if globalStatus[resp.Status] && route.Operation.Responses.Value(strconv.Itoa(resp.Status)) == nil {
		return // cross-cutting statuses, documented once in the spec's description; checked where a route documents them
	}
	in := &openapi3filter.RequestValidationInput{Request: lookup, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true, ExcludeRequestQueryParams: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(resp.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("%s %s → %d does not match api/openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, resp.Status, err, truncate(resp.Body))
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}
