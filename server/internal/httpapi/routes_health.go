package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/health"
	"github.com/rapport/rapport/server/internal/store"
)

// routesHealth registers relationship health (the supplier's internal view; the
// buyer gets 404 there), the portfolio overview, the settings, and the
// scorecard both sides read.
func (a *API) routesHealth(authed, rel *gin.RouterGroup) {
	authed.GET("/health/overview", a.healthOverview)
	authed.GET("/health/settings", a.getHealthSettings)
	authed.PUT("/health/settings", a.putHealthSettings)

	rel.GET("/health", a.relationshipHealth)
	rel.GET("/health/history", a.healthHistory)
	rel.GET("/scorecard", a.scorecard)
}

func (a *API) relationshipHealth(c *gin.Context) {
	rep, err := a.Store.RelationshipHealth(c.Request.Context(), relOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

func (a *API) healthHistory(c *gin.Context) {
	days, ok := queryInt(c, "days", 90, 1, 366)
	if !ok {
		return
	}
	h, err := a.Store.HealthHistory(c.Request.Context(), relOf(c), int(days))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, h)
}

func (a *API) scorecard(c *gin.Context) {
	sc, err := a.Store.Scorecard(c.Request.Context(), relOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sc)
}

func (a *API) healthOverview(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	f := store.OverviewFilter{Status: c.Query("status"), AccountOwnerID: c.Query("account_owner_id")}
	if f.Status != "" && health.StatusLevel(f.Status) < 0 {
		fail(c, errs.Invalid("status", "must be one of healthy, watch, at_risk"))
		return
	}
	items, next, err := a.Store.HealthOverview(c.Request.Context(), caller(c), f, p)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(items, next))
}

func (a *API) getHealthSettings(c *gin.Context) {
	set, err := a.Store.HealthSettings(c.Request.Context(), caller(c))
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, set.Version)
	c.JSON(http.StatusOK, set)
}

// healthSettingsRequest is the body of PUT /health/settings: every field required.
type healthSettingsRequest struct {
	Weights    map[string]int `json:"weights"`
	HealthyMin *int           `json:"healthy_min"`
	WatchMin   *int           `json:"watch_min"`
	WindowDays *int           `json:"window_days"`
}

func (a *API) putHealthSettings(c *gin.Context) {
	var req healthSettingsRequest
	if !decode(c, &req) {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	if !caller(c).IsAdmin() {
		fail(c, errs.Forbiddenf("only an admin changes the health settings"))
		return
	}
	var v errs.Validator
	v.Check(req.Weights != nil, "weights", "is required")
	v.Check(req.HealthyMin != nil, "healthy_min", "is required")
	v.Check(req.WatchMin != nil, "watch_min", "is required")
	v.Check(req.WindowDays != nil, "window_days", "is required")
	if err := v.Err(); err != nil {
		fail(c, err)
		return
	}
	set := health.Settings{Weights: req.Weights, HealthyMin: *req.HealthyMin, WatchMin: *req.WatchMin, WindowDays: *req.WindowDays}
	saved, err := a.Store.SaveHealthSettings(c.Request.Context(), caller(c), set, version)
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, saved.Version)
	c.JSON(http.StatusOK, saved)
}
