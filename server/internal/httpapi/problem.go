package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Errors []errs.FieldError `json:"errors,omitempty"`
	// RequestID lets a person quote the failing request to an operator.
	RequestID string `json:"request_id,omitempty"`
}

const problemBase = "https://rapport.dev/problems/"

var problemKinds = map[int][2]string{
	http.StatusBadRequest:            {"malformed-request", "Malformed request"},
	http.StatusUnauthorized:          {"unauthorized", "Authentication required"},
	http.StatusForbidden:             {"forbidden", "Not allowed"},
	http.StatusNotFound:              {"not-found", "Not found"},
	http.StatusMethodNotAllowed:      {"method-not-allowed", "Method not allowed"},
	http.StatusConflict:              {"invalid-state", "Conflict with the current state"},
	http.StatusGone:                  {"gone", "No longer available"},
	http.StatusPreconditionFailed:    {"stale-version", "The object has changed"},
	http.StatusRequestEntityTooLarge: {"body-too-large", "Request body too large"},
	http.StatusUnsupportedMediaType:  {"unsupported-media-type", "Unsupported media type"},
	http.StatusUnprocessableEntity:   {"validation", "Validation failed"},
	http.StatusPreconditionRequired:  {"precondition-required", "If-Match required"},
	http.StatusTooManyRequests:       {"rate-limited", "Too many requests"},
	http.StatusInternalServerError:   {"internal", "Internal error"},
	http.StatusServiceUnavailable:    {"unavailable", "Service unavailable"},
}

// problem writes a problem document and aborts the request.
func problem(c *gin.Context, status int, detail string, fields ...errs.FieldError) {
	kind, ok := problemKinds[status]
	if !ok {
		kind = [2]string{"error", http.StatusText(status)}
	}
	p := Problem{Type: problemBase + kind[0], Title: kind[1], Status: status, Detail: detail, Errors: fields, RequestID: c.GetString(ctxRequestID)}
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "1")
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(status, p)
	// AbortWithStatusJSON sets application/json; restore the problem media type.
	c.Writer.Header().Set("Content-Type", "application/problem+json")
}

// fail maps a domain error to its problem; unknown errors are logged and become
// a 500 without any of their text.
func fail(c *gin.Context, err error) {
	var v *errs.ValidationError
	var d *errs.Detailed
	detail := ""
	if errors.As(err, &d) {
		detail = d.Detail
	}
	switch {
	case errors.As(err, &v):
		problem(c, http.StatusUnprocessableEntity, "One or more fields are invalid.", v.Fields...)
	case errors.Is(err, errs.ErrNotFound):
		problem(c, http.StatusNotFound, or(detail, "The resource does not exist."))
	case errors.Is(err, errs.ErrForbidden):
		problem(c, http.StatusForbidden, or(detail, "You are not allowed to do this."))
	case errors.Is(err, errs.ErrConflict):
		problem(c, http.StatusConflict, or(detail, "The change is not possible in the current state."))
	case errors.Is(err, errs.ErrStale):
		problem(c, http.StatusPreconditionFailed, "The object was changed by someone else; reload it and try again.")
	case errors.Is(err, errs.ErrUnauthorized):
		problem(c, http.StatusUnauthorized, or(detail, "Sign in again."))
	case errors.Is(err, errs.ErrGone):
		problem(c, http.StatusGone, or(detail, "This is no longer available."))
	case errors.Is(err, errs.ErrRateLimited):
		problem(c, http.StatusTooManyRequests, "Too many attempts; wait a minute and try again.")
	case errors.Is(err, errs.ErrUnavailable):
		logger(c).Warn("database unavailable", "err", err)
		problem(c, http.StatusServiceUnavailable, "The service cannot reach its database; try again shortly.")
	case errors.Is(err, context.Canceled):
		problem(c, 499, "The request was cancelled.")
	case errors.Is(err, context.DeadlineExceeded):
		logger(c).Warn("request timed out", "err", err)
		problem(c, http.StatusServiceUnavailable, "The request took too long; try again shortly.")
	default:
		logger(c).Error("internal error", "err", err)
		problem(c, http.StatusInternalServerError, "Something went wrong on our side. Quote the request id when reporting it.")
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}
