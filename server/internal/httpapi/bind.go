package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/store"
)

// decode reads a JSON body strictly into dst: one object, no unknown fields,
// within the body limit. It writes the problem itself and returns false on error.
func decode(c *gin.Context, dst any) bool {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			problem(c, http.StatusUnsupportedMediaType, "Send the body as application/json.")
			return false
		}
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than %d bytes.", tooBig.Limit))
			return false
		}
		problem(c, http.StatusBadRequest, "The body could not be read.")
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		problem(c, http.StatusBadRequest, "The body is empty; send a JSON object.")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		jsonProblem(c, err)
		return false
	}
	if dec.More() {
		problem(c, http.StatusBadRequest, "The body must hold exactly one JSON object.")
		return false
	}
	return true
}

func jsonProblem(c *gin.Context, err error) {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			problem(c, http.StatusBadRequest, "The body must be a JSON object.")
			return
		}
		problem(c, http.StatusUnprocessableEntity, "One or more fields are invalid.",
			errs.FieldError{Field: field, Message: "must be a " + jsonKind(typeErr.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if field == "" {
			field = `""` // the body used an empty key; name it visibly (found by FuzzDecode)
		}
		problem(c, http.StatusUnprocessableEntity, "The body has a field this request does not accept.",
			errs.FieldError{Field: field, Message: "is not a field of this request"})
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		problem(c, http.StatusBadRequest, "The body is not valid JSON.")
	default:
		problem(c, http.StatusBadRequest, "The body is not a valid JSON object for this request.")
	}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "map", "struct", "ptr":
		return "object"
	default:
		return "number of the right kind"
	}
}

// page reads ?limit=&cursor= into a store page; it writes a 422 and returns false on error.
func page(c *gin.Context) (store.Page, bool) {
	limit := 0
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			problem(c, http.StatusUnprocessableEntity, "One or more fields are invalid.", errs.FieldError{Field: "limit", Message: "must be an integer"})
			return store.Page{}, false
		}
		if n == 0 {
			n = -1 // an explicit 0 is out of range, not "the default"
		}
		limit = n
	}
	p, err := store.NewPage(limit, c.Query("cursor"))
	if err != nil {
		fail(c, err)
		return p, false
	}
	return p, true
}

// ifMatch returns the version named by the If-Match header (0 when absent or "*").
// A header that names no version of ours can never match: that is a 412.
func ifMatch(c *gin.Context) (int64, bool) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return 0, true
	}
	h = strings.TrimPrefix(h, "W/")
	n, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || n <= 0 {
		problem(c, http.StatusPreconditionFailed, "If-Match must be an ETag this server issued.")
		return 0, false
	}
	return n, true
}

// etag sets the ETag header for a version.
func etag(c *gin.Context, version int64) {
	c.Header("ETag", `"`+strconv.FormatInt(version, 10)+`"`)
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(c *gin.Context, name string, def, lo, hi int64) (int64, bool) {
	s := c.Query(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		problem(c, http.StatusUnprocessableEntity, "One or more fields are invalid.",
			errs.FieldError{Field: name, Message: fmt.Sprintf("must be an integer between %d and %d", lo, hi)})
		return 0, false
	}
	return n, true
}

// list is the shape of every list response.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}
