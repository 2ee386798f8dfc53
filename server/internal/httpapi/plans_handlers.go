package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/plan"
)

func (a *API) listPlans(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	plans, next, err := a.Store.ListPlans(c.Request.Context(), relOf(c), p)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]planListItem, len(plans))
	for i, p := range plans {
		items[i] = planListItem{Plan: p}
	}
	c.JSON(http.StatusOK, newList(items, next))
}

// planListItem is a plan without its body: reading the content is a GET of the
// plan, which is what a confidential plan's access log records.
type planListItem struct {
	plan.Plan
	Body *string `json:"body,omitempty"`
}

func (a *API) createPlan(c *gin.Context) {
	var req plan.Input
	if !decode(c, &req) {
		return
	}
	p, err := a.Store.CreatePlan(c.Request.Context(), relOf(c), req.Plan())
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, p.Version)
	c.JSON(http.StatusCreated, p)
}

func (a *API) getPlan(c *gin.Context) {
	p, err := a.Store.Plan(c.Request.Context(), relOf(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, p.Version)
	c.JSON(http.StatusOK, p)
}

func (a *API) patchPlan(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req plan.Patch
	if !decode(c, &req) {
		return
	}
	p, err := a.Store.UpdatePlan(c.Request.Context(), relOf(c), c.Param("id"), version, req)
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, p.Version)
	c.JSON(http.StatusOK, p)
}

func (a *API) planAccessLog(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	entries, next, err := a.Store.PlanAccessLog(c.Request.Context(), relOf(c), c.Param("id"), p)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(entries, next))
}
