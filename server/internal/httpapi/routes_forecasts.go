package httpapi

import (
	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/access"
)

// routesForecasts registers shared forecasts, capacity commits, their CSV import
// and export, and shared plans.
func (a *API) routesForecasts(authed, rel *gin.RouterGroup) {
	rel.GET("/forecasts", a.getForecasts)
	rel.POST("/forecasts", requireSide(access.Buyer, "revise the forecast"), a.postForecast)
	rel.GET("/forecasts/revisions", a.listForecastRevisions)
	rel.POST("/forecasts/commits", requireSide(access.Supplier, "commit capacity"), a.postCommit)
	rel.POST("/forecasts/import", requireSide(access.Buyer, "import a forecast"), a.importForecasts)
	rel.GET("/forecasts.csv", a.exportForecasts)

	rel.GET("/plans", a.listPlans)
	rel.POST("/plans", a.createPlan)
	rel.GET("/plans/:id", a.getPlan)
	rel.PATCH("/plans/:id", a.patchPlan)
	rel.GET("/plans/:id/access-log", a.planAccessLog)
}
