package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/idea"
	"github.com/rapport/rapport/server/internal/domain/money"
)

// ideaJSON is an idea as the API shows it.
type ideaJSON struct {
	ID             string    `json:"id"`
	Title          string    `json:"title"`
	Body           string    `json:"body"`
	Category       string    `json:"category"`
	ProductID      *string   `json:"product_id"`
	EstimatedValue *string   `json:"estimated_value"`
	Currency       string    `json:"currency"`
	Status         string    `json:"status"`
	Reason         string    `json:"reason"`
	AuthorID       string    `json:"author_id"`
	AuthorSide     string    `json:"author_side"`
	AddressedTo    string    `json:"addressed_to"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func ideaView(it idea.Idea) ideaJSON {
	v := ideaJSON{ID: it.ID, Title: it.Title, Body: it.Body, Category: it.Category, ProductID: svcOptional(it.ProductID),
		Currency: it.Currency, Status: it.Status, Reason: it.Reason, AuthorID: it.AuthorID, AuthorSide: string(it.AuthorSide),
		AddressedTo: string(it.AddressedTo()), Version: it.Version, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
	if it.Currency != "" {
		s := money.Format(it.EstimatedValue, it.Currency)
		v.EstimatedValue = &s
	}
	return v
}

// optional is nil for "" (JSON null).
func svcOptional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type realisedValue struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
	Count    int    `json:"count"`
}

type ideaSummaryJSON struct {
	Counts        map[string]int  `json:"counts"`
	RealisedValue string          `json:"realised_value"`
	Currency      string          `json:"currency"`
	Realised      []realisedValue `json:"realised_by_currency"`
}

type ideaListJSON struct {
	Items      []ideaJSON      `json:"items"`
	NextCursor string          `json:"next_cursor"`
	Summary    ideaSummaryJSON `json:"summary"`
}

func (a *API) listIdeas(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	f := idea.Filter{Status: c.Query("status"), Side: c.Query("side"), Category: c.Query("category")}
	if err := f.Validate(); err != nil {
		fail(c, err)
		return
	}
	items, next, sum, err := a.Store.ListIdeas(c.Request.Context(), relOf(c), f, p)
	if err != nil {
		fail(c, err)
		return
	}
	out := ideaListJSON{Items: make([]ideaJSON, len(items)), NextCursor: next,
		Summary: ideaSummaryJSON{Counts: sum.Counts, RealisedValue: "0", Realised: []realisedValue{}}}
	for i, it := range items {
		out.Items[i] = ideaView(it)
	}
	if primary := sum.Primary(); primary.Currency != "" {
		out.Summary.RealisedValue, out.Summary.Currency = money.Format(primary.Amount, primary.Currency), primary.Currency
	}
	for _, v := range sum.Realised {
		out.Summary.Realised = append(out.Summary.Realised, realisedValue{Currency: v.Currency, Amount: money.Format(v.Amount, v.Currency), Count: v.Count})
	}
	c.JSON(http.StatusOK, out)
}

func (a *API) createIdea(c *gin.Context) {
	var req idea.New
	if !decode(c, &req) {
		return
	}
	it, err := req.Validate()
	if err != nil {
		fail(c, err)
		return
	}
	it, err = a.Store.CreateIdea(c.Request.Context(), relOf(c), it)
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, it.Version)
	c.JSON(http.StatusCreated, ideaView(it))
}

func (a *API) getIdea(c *gin.Context) {
	it, err := a.Store.Idea(c.Request.Context(), relOf(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, it.Version)
	c.JSON(http.StatusOK, ideaView(it))
}

func (a *API) changeIdeaStatus(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req idea.StatusChange
	if !decode(c, &req) {
		return
	}
	if err := req.Validate(); err != nil {
		fail(c, err)
		return
	}
	it, err := a.Store.ChangeIdeaStatus(c.Request.Context(), relOf(c), c.Param("id"), req, version)
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, it.Version)
	c.JSON(http.StatusOK, ideaView(it))
}
