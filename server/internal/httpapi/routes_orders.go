package httpapi

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/access"
)

// contextT keeps handler signatures short.
type contextT = context.Context

// routesOrders registers the catalogue (products, contract prices, total cost
// of ownership), direct ordering and the promise ledger.
func (a *API) routesOrders(authed, rel *gin.RouterGroup) {
	sup := func(what string) gin.HandlerFunc { return requireSide(access.Supplier, what) }
	buy := func(what string) gin.HandlerFunc { return requireSide(access.Buyer, what) }
	authed.POST("/products", a.createProduct)
	authed.GET("/products", a.listOwnProducts)
	authed.GET("/products/:id", a.getOwnProduct)
	authed.PATCH("/products/:id", a.patchProduct)
	authed.GET("/promises", a.listMyPromises)

	rel.GET("/products", a.listRelProducts)
	rel.GET("/products/:id", a.getRelProduct)
	rel.GET("/products/:id/tco", a.productTCO)
	rel.PUT("/products/:id/contract-price", sup("set contract prices"), a.putContractPrice)
	rel.DELETE("/products/:id/contract-price", sup("set contract prices"), a.deleteContractPrice)

	rel.GET("/orders", a.listOrders)
	rel.POST("/orders", buy("place orders"), a.limitOrders, a.placeOrder)
	rel.GET("/orders/:id", a.getOrder)
	rel.POST("/orders/:id/acknowledge", sup("acknowledge orders"), a.acknowledgeOrder)
	rel.POST("/orders/:id/status", sup("move orders through production and delivery"), a.advanceOrder)
	rel.POST("/orders/:id/cancel", buy("cancel orders"), a.cancelOrder)
	rel.POST("/orders/:id/reject", sup("reject orders"), a.rejectOrder)
	rel.POST("/orders/:id/reorder", buy("place orders"), a.limitOrders, a.reorder)

	rel.GET("/promises", a.listRelPromises)
	rel.POST("/promises", sup("record promises"), a.createPromise)
	rel.GET("/promises/:id", a.getPromise)
	rel.POST("/promises/:id/resolve", sup("resolve promises"), a.resolvePromise)
}
