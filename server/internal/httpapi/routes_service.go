package httpapi

import "github.com/gin-gonic/gin"

// routesService registers the service endpoints.
func (a *API) routesService(authed, rel *gin.RouterGroup) {
}
