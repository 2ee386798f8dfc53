package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/promise"
)

type promiseHistoryJSON struct {
	Seq     int       `json:"seq"`
	Status  string    `json:"status"`
	DueDate string    `json:"due_date"`
	Note    string    `json:"note"`
	ActorID string    `json:"actor_id"`
	At      time.Time `json:"at"`
}

// promiseJSON is the promise shape of DESIGN, with overdue computed for today.
type promiseJSON struct {
	ID             string               `json:"id"`
	RelationshipID string               `json:"relationship_id"`
	Description    string               `json:"description"`
	Kind           string               `json:"kind"`
	OwnerID        string               `json:"owner_id"`
	DueDate        string               `json:"due_date"`
	OrderID        *string              `json:"order_id"`
	Status         string               `json:"status"`
	Note           string               `json:"note"`
	Overdue        bool                 `json:"overdue"`
	CreatedBy      string               `json:"created_by"`
	Version        int64                `json:"version"`
	CreatedAt      time.Time            `json:"created_at"`
	ResolvedAt     *time.Time           `json:"resolved_at"`
	History        []promiseHistoryJSON `json:"history,omitempty"`
}

func promiseOut(p promise.Promise, now time.Time) promiseJSON {
	out := promiseJSON{ID: p.ID, RelationshipID: p.RelationshipID, Description: p.Description, Kind: p.Kind, OwnerID: p.OwnerID,
		DueDate: p.DueDate, OrderID: optional(p.OrderID), Status: string(p.Status), Note: p.Note, Overdue: p.Overdue(now),
		CreatedBy: p.CreatedBy, Version: p.Version, CreatedAt: p.CreatedAt, ResolvedAt: p.ResolvedAt}
	for _, h := range p.History {
		out.History = append(out.History, promiseHistoryJSON{Seq: h.Seq, Status: string(h.Status), DueDate: h.DueDate, Note: h.Note, ActorID: h.ActorID, At: h.At})
	}
	return out
}

func (a *API) createPromise(c *gin.Context) {
	var req promise.CreateRequest
	if !decode(c, &req) {
		return
	}
	if err := req.Validate(a.Store.Now()); err != nil {
		fail(c, err)
		return
	}
	p, err := a.Store.CreatePromise(c.Request.Context(), relOf(c), req)
	if err != nil {
		fail(c, err)
		return
	}
	a.answerPromise(c, http.StatusCreated, p.ID)
}

func (a *API) getPromise(c *gin.Context) {
	a.answerPromise(c, http.StatusOK, c.Param("id"))
}

func (a *API) answerPromise(c *gin.Context, status int, id string) {
	p, err := a.Store.Promise(c.Request.Context(), relOf(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, p.Version)
	c.JSON(status, promiseOut(p, a.Store.Now()))
}

func (a *API) resolvePromise(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req promise.ResolveRequest
	if !decode(c, &req) {
		return
	}
	if err := req.Validate(a.Store.Now()); err != nil {
		fail(c, err)
		return
	}
	p, err := a.Store.ResolvePromise(c.Request.Context(), relOf(c), c.Param("id"), version, req)
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, p.Version)
	c.JSON(http.StatusOK, promiseOut(p, a.Store.Now()))
}

// promiseFilter reads ?status=&owner= ("me" is the caller).
func promiseFilter(c *gin.Context) (promise.Filter, error) {
	f := promise.Filter{Status: c.Query("status"), OwnerID: c.Query("owner")}
	if f.OwnerID == "me" {
		f.OwnerID = caller(c).UserID
	}
	if !promise.ValidFilterStatus(f.Status) {
		return f, errs.Invalid("status", "must be open, kept, broken, renegotiated or cancelled")
	}
	return f, nil
}

func (a *API) listRelPromises(c *gin.Context) {
	a.listPromisesWith(c, func(f promise.Filter) ([]promise.Promise, string, error) {
		pg, _ := page(c)
		return a.Store.ListRelPromises(c.Request.Context(), relOf(c), f, pg)
	})
}

func (a *API) listMyPromises(c *gin.Context) {
	a.listPromisesWith(c, func(f promise.Filter) ([]promise.Promise, string, error) {
		pg, _ := page(c)
		return a.Store.ListCallerPromises(c.Request.Context(), caller(c), f, pg)
	})
}

func (a *API) listPromisesWith(c *gin.Context, list func(promise.Filter) ([]promise.Promise, string, error)) {
	if _, ok := page(c); !ok {
		return
	}
	f, err := promiseFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := list(f)
	if err != nil {
		fail(c, err)
		return
	}
	now := a.Store.Now()
	out := make([]promiseJSON, len(items))
	for i, p := range items {
		out[i] = promiseOut(p, now)
	}
	c.JSON(http.StatusOK, newList(out, next))
}
