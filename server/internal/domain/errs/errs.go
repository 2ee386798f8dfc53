// Package errs holds the errors every domain area returns; the HTTP layer maps
// them to problem+json in one place.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors; wrap them with context, test with errors.Is.
var (
	ErrNotFound     = errors.New("not found")           // 404: absent, or outside the caller's relationships.
	ErrForbidden    = errors.New("forbidden")           // 403: an insider without the side or role.
	ErrConflict     = errors.New("conflict")            // 409: the state does not allow this change.
	ErrStale        = errors.New("precondition failed") // 412: If-Match does not match the current version.
	ErrUnauthorized = errors.New("unauthorized")        // 401: no valid credentials.
	ErrRateLimited  = errors.New("too many requests")   // 429.
	ErrUnavailable  = errors.New("service unavailable") // 503: the database cannot serve the request.
	ErrGone         = errors.New("gone")                // 410: an invitation or ticket that was used or expired.
)

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError is a 422: every invalid field of a request at once.
type ValidationError struct {
	Fields []FieldError
}

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Validator collects field errors; Err returns nil when there are none.
type Validator struct {
	fields []FieldError
}

// Add records that field is invalid.
func (v *Validator) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check records the message when ok is false and reports ok.
func (v *Validator) Check(ok bool, field, format string, args ...any) bool {
	if !ok {
		v.Add(field, format, args...)
	}
	return ok
}

// Has reports whether field already has an error.
func (v *Validator) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns the collected errors as a *ValidationError, or nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	fields := append([]FieldError(nil), v.fields...)
	return &ValidationError{Fields: fields}
}

// Invalid is a one-field validation error.
func Invalid(field, format string, args ...any) error {
	var v Validator
	v.Add(field, format, args...)
	return v.Err()
}

// Conflictf is an ErrConflict with a sentence a person can read.
func Conflictf(format string, args ...any) error {
	return &Detailed{Err: ErrConflict, Detail: fmt.Sprintf(format, args...)}
}

// Forbiddenf is an ErrForbidden with a sentence a person can read.
func Forbiddenf(format string, args ...any) error {
	return &Detailed{Err: ErrForbidden, Detail: fmt.Sprintf(format, args...)}
}

// Detailed carries a human sentence for the problem's detail next to a sentinel.
type Detailed struct {
	Err    error
	Detail string
}

func (d *Detailed) Error() string { return d.Err.Error() + ": " + d.Detail }
func (d *Detailed) Unwrap() error { return d.Err }
