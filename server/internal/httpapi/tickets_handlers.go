package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/ticket"
	"github.com/rapport/rapport/server/internal/store"
)

type slaMetJSON struct {
	FirstResponse *bool `json:"first_response"`
	Resolution    *bool `json:"resolution"`
}

// ticketJSON is a ticket as the API shows it, its SLA judged at the time of the request.
type ticketJSON struct {
	ID                    string     `json:"id"`
	Number                string     `json:"number"`
	Type                  string     `json:"type"`
	Severity              string     `json:"severity"`
	Title                 string     `json:"title"`
	Body                  string     `json:"body"`
	OrderID               *string    `json:"order_id"`
	ProductID             *string    `json:"product_id"`
	Status                string     `json:"status"`
	OpenedBy              string     `json:"opened_by"`
	OpenedSide            string     `json:"opened_side"`
	AssigneeID            *string    `json:"assignee_id"`
	FirstResponseDueAt    time.Time  `json:"first_response_due_at"`
	ResolutionDueAt       time.Time  `json:"resolution_due_at"`
	FirstRespondedAt      *time.Time `json:"first_responded_at"`
	ResolvedAt            *time.Time `json:"resolved_at"`
	ClosedAt              *time.Time `json:"closed_at"`
	ReopenedAt            *time.Time `json:"reopened_at"`
	ReopenCount           int        `json:"reopen_count"`
	FirstResponseBreached bool       `json:"first_response_breached"`
	ResolutionBreached    bool       `json:"resolution_breached"`
	SLAMet                slaMetJSON `json:"sla_met"`
	Version               int64      `json:"version"`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`
}

func ticketView(t ticket.Ticket, now time.Time) ticketJSON {
	fr, res := t.SLAMet(now)
	return ticketJSON{ID: t.ID, Number: t.Number, Type: t.Type, Severity: t.Severity, Title: t.Title, Body: t.Body,
		OrderID: svcOptional(t.OrderID), ProductID: svcOptional(t.ProductID), Status: t.Status, OpenedBy: t.OpenedBy,
		OpenedSide: string(t.OpenedSide), AssigneeID: svcOptional(t.AssigneeID), FirstResponseDueAt: t.FirstResponseDueAt,
		ResolutionDueAt: t.ResolutionDueAt, FirstRespondedAt: t.FirstRespondedAt, ResolvedAt: t.ResolvedAt, ClosedAt: t.ClosedAt,
		ReopenedAt: t.ReopenedAt, ReopenCount: t.ReopenCount, FirstResponseBreached: t.FirstResponseBreached,
		ResolutionBreached: t.ResolutionBreached, SLAMet: slaMetJSON{FirstResponse: fr, Resolution: res}, Version: t.Version,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

type complaintsJSON struct {
	Count               int      `json:"count"`
	Open                int      `json:"open"`
	Resolved            int      `json:"resolved"`
	MeanResolutionHours *float64 `json:"mean_resolution_hours"`
}

type ticketListJSON struct {
	Items      []ticketJSON `json:"items"`
	NextCursor string       `json:"next_cursor"`
	Summary    struct {
		Complaints complaintsJSON `json:"complaints"`
	} `json:"summary"`
}

func (a *API) listTickets(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	f := ticket.Filter{Status: c.Query("status"), Type: c.Query("type"), Severity: c.Query("severity")}
	if err := f.Validate(); err != nil {
		fail(c, err)
		return
	}
	items, next, stats, err := a.Store.ListTickets(c.Request.Context(), relOf(c), f, p)
	if err != nil {
		fail(c, err)
		return
	}
	now := a.Store.Now()
	out := ticketListJSON{Items: make([]ticketJSON, len(items)), NextCursor: next}
	for i, t := range items {
		out.Items[i] = ticketView(t, now)
	}
	out.Summary.Complaints = complaintsJSON{Count: stats.Count, Open: stats.Open, Resolved: stats.Resolved, MeanResolutionHours: stats.MeanResolutionHours}
	c.JSON(http.StatusOK, out)
}

func (a *API) openTicket(c *gin.Context) {
	var req ticket.New
	if !decode(c, &req) {
		return
	}
	tk, err := req.Validate()
	if err != nil {
		fail(c, err)
		return
	}
	tk, err = a.Store.OpenTicket(c.Request.Context(), relOf(c), tk)
	a.answerTicket(c, http.StatusCreated, tk, err)
}

func (a *API) answerTicket(c *gin.Context, status int, tk ticket.Ticket, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, tk.Version)
	c.JSON(status, ticketView(tk, a.Store.Now()))
}

// ticketDetail is one ticket with its timeline.
type ticketDetail struct {
	ticketJSON
	History []event.Event `json:"history"`
}

func (a *API) getTicket(c *gin.Context) {
	ctx, rel := c.Request.Context(), relOf(c)
	tk, err := a.Store.Ticket(ctx, rel, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	history, err := a.Store.TicketHistory(ctx, rel, tk.ID)
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, tk.Version)
	c.JSON(http.StatusOK, ticketDetail{ticketJSON: ticketView(tk, a.Store.Now()), History: history})
}

type ticketPatch struct {
	AssigneeID *string `json:"assignee_id"`
}

func (a *API) patchTicket(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req ticketPatch
	if !decode(c, &req) {
		return
	}
	if req.AssigneeID == nil {
		fail(c, errs.Invalid("assignee_id", "is required (an empty string clears the assignee)"))
		return
	}
	tk, err := a.Store.AssignTicket(c.Request.Context(), relOf(c), c.Param("id"), *req.AssigneeID, version)
	a.answerTicket(c, http.StatusOK, tk, err)
}

func (a *API) changeTicketStatus(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req ticket.StatusChange
	if !decode(c, &req) {
		return
	}
	if err := req.Validate(); err != nil {
		fail(c, err)
		return
	}
	tk, err := a.Store.ChangeTicketStatus(c.Request.Context(), relOf(c), c.Param("id"), req, version)
	a.answerTicket(c, http.StatusOK, tk, err)
}

type slaPolicies struct {
	Items []store.SLAPolicy `json:"items"`
}

type slaPoliciesRequest struct {
	Items []ticket.Policy `json:"items"`
}

func (a *API) getSLAPolicies(c *gin.Context) {
	ps, err := a.Store.SLAPolicies(c.Request.Context(), caller(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slaPolicies{Items: ps})
}

func (a *API) putSLAPolicies(c *gin.Context) {
	var req slaPoliciesRequest
	if !decode(c, &req) {
		return
	}
	if !caller(c).IsAdmin() {
		fail(c, errs.Forbiddenf("only a supplier's admins set SLA policies"))
		return
	}
	if err := ticket.ValidatePolicies(req.Items); err != nil {
		fail(c, err)
		return
	}
	ps, err := a.Store.SetSLAPolicies(c.Request.Context(), caller(c), req.Items)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slaPolicies{Items: ps})
}
