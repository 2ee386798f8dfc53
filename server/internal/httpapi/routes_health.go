package httpapi

import "github.com/gin-gonic/gin"

// routesHealth registers the health endpoints.
func (a *API) routesHealth(authed, rel *gin.RouterGroup) {
}
