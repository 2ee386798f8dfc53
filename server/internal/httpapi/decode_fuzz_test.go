package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/store"
)

// fuzzContext builds a Gin context for one request, its body limited like the
// bodyLimit middleware does.
func fuzzContext(method, target, ctype string, body []byte, limit int64) (*gin.Context, *httptest.ResponseRecorder) {
	gin.SetMode(gin.ReleaseMode)
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Body = http.MaxBytesReader(w, req.Body, limit)
	c.Request = req
	return c, w
}

// checkProblem asserts an error answer is a problem document with its status.
func checkProblem(t *testing.T, w *httptest.ResponseRecorder, allowed ...int) {
	t.Helper()
	ok := false
	for _, s := range allowed {
		ok = ok || w.Code == s
	}
	if !ok {
		t.Fatalf("status %d, want one of %v: %s", w.Code, allowed, w.Body)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != w.Code || p.Title == "" || !strings.HasPrefix(p.Type, problemBase) {
		t.Fatalf("not a problem document (%v): %s", err, w.Body)
	}
	for _, fe := range p.Errors {
		if fe.Field == "" || fe.Message == "" {
			t.Fatalf("field error without field or message: %s", w.Body)
		}
	}
}

// decodeTargets are the JSON request bodies of the foundation's endpoints.
var decodeTargets = []func() any{
	func() any { return &loginRequest{} },
	func() any { return &refreshRequest{} },
	func() any { return &account.NewUser{} },
	func() any { return &account.NewInvitation{} },
	func() any { return &account.Acceptance{} },
	func() any { return &relationshipPatch{} },
}

// FuzzDecode feeds arbitrary bodies and content types to the strict JSON
// decoder every handler uses: it must accept or answer 400/413/415/422 with a
// problem document, never panic, and never accept trailing data.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(0), "application/json", []byte(`{"email":"a@b.c","password":"x"}`))
	f.Add(uint8(1), "", []byte(`{"refresh_token":"abc"}`))
	f.Add(uint8(2), "application/json; charset=utf-8", []byte(`{"email":"a@b.c","name":"A","password":"pw","role":"admin","department":"sales","org_id":"x"}`))
	f.Add(uint8(5), "application/json", []byte(`{"silence_threshold_days":"30"}`))
	f.Add(uint8(5), "application/merge-patch+json", []byte(`{"account_owner_id":null}`))
	f.Add(uint8(0), "text/plain", []byte(`{}`))
	f.Add(uint8(0), "application/json", []byte(`{} {}`))
	f.Add(uint8(0), "application/json", []byte(`[1,2]`))
	f.Add(uint8(0), "application/json", []byte(`{"email":`))
	f.Add(uint8(3), "application/json", bytes.Repeat([]byte(`{"a":`), 3000))
	f.Add(uint8(4), "application/json", []byte("  \n\t"))
	f.Fuzz(func(t *testing.T, target uint8, ctype string, body []byte) {
		dst := decodeTargets[int(target)%len(decodeTargets)]()
		c, w := fuzzContext("POST", "/x", ctype, body, 4096)
		if decode(c, dst) {
			if c.Writer.Written() || w.Body.Len() > 0 {
				t.Fatalf("decode accepted but wrote an answer: %s", w.Body)
			}
			return
		}
		checkProblem(t, w, 400, 413, 415, 422)
	})
}

// FuzzQuery feeds arbitrary query strings and If-Match headers to the
// parameter helpers: page (?limit=&cursor=), queryInt (?after_seq=) and ifMatch.
func FuzzQuery(f *testing.F) {
	f.Add("limit=50", `"3"`)
	f.Add("limit=0&cursor=", "*")
	f.Add("limit=-1&cursor=%ZZ", `W/"1"`)
	f.Add("limit=99999999999999999999", `"0"`)
	f.Add("cursor="+store.EncodeCursor("k")+"&after_seq=12", "")
	f.Add("after_seq=-5&limit=1e3", `"-1"`)
	f.Fuzz(func(t *testing.T, query, ifMatchHeader string) {
		c, w := fuzzContext("GET", "/x?"+url.PathEscape(query), "", nil, 1024)
		c.Request.URL.RawQuery = query
		if p, ok := page(c); ok {
			if p.Limit < 1 || p.Limit > store.MaxLimit {
				t.Fatalf("page accepted limit %d from %q", p.Limit, query)
			}
		} else {
			checkProblem(t, w, 422)
		}
		c, w = fuzzContext("GET", "/x", "", nil, 1024)
		c.Request.URL.RawQuery = query
		if n, ok := queryInt(c, "after_seq", 0, 0, 1<<62); ok {
			if n < 0 || n > 1<<62 {
				t.Fatalf("queryInt accepted %d from %q", n, query)
			}
		} else {
			checkProblem(t, w, 422)
		}
		c, w = fuzzContext("GET", "/x", "", nil, 1024)
		c.Request.Header.Set("If-Match", ifMatchHeader)
		if n, ok := ifMatch(c); ok {
			if n < 0 {
				t.Fatalf("ifMatch accepted version %d from %q", n, ifMatchHeader)
			}
		} else {
			checkProblem(t, w, 412)
		}
	})
}
