package httpapi

import "github.com/gin-gonic/gin"

// routesOrders registers the orders endpoints.
func (a *API) routesOrders(authed, rel *gin.RouterGroup) {
}
