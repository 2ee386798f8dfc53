package httpapi

import (
	"github.com/gin-gonic/gin"
)

// routes registers every endpoint. Each capability area registers its own routes
// in its routes_<area>.go file; the groups carry the shared middleware:
//   - pub: no authentication
//   - authed: a valid access token
//   - rel: authed, plus /relationships/:rel resolved for the caller (404 for outsiders)
func (a *API) routes(r *gin.Engine) {
	r.GET("/healthz", a.healthz)
	r.GET("/readyz", a.readyz)
	r.GET("/metrics", a.metricsHandler)

	pub := r.Group("/api/v1")
	pub.GET("/openapi.yaml", a.openapi)
	authed := pub.Group("", a.authenticate)
	rel := authed.Group("/relationships/:rel", a.loadRel)

	a.routesAccounts(pub, authed, rel)
	a.routesOrders(authed, rel)
	a.routesForecasts(authed, rel)
	a.routesService(authed, rel)
	a.routesRealtime(pub, authed, rel)
	a.routesHealth(authed, rel)

	if a.Frontend != nil {
		r.GET("/", a.serveFrontend)
	}
}
