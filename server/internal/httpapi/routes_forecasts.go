package httpapi

import "github.com/gin-gonic/gin"

// routesForecasts registers the forecasts endpoints.
func (a *API) routesForecasts(authed, rel *gin.RouterGroup) {
}
