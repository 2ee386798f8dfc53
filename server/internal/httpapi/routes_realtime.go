package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routesRealtime registers the websocket ticket and upgrade endpoints.
func (a *API) routesRealtime(pub, authed, rel *gin.RouterGroup) {
	if a.Realtime == nil {
		return
	}
	authed.POST("/ws/ticket", a.wsTicket)
	pub.GET("/ws", func(c *gin.Context) { a.Realtime.ServeWS(c.Writer, c.Request) })
}

func (a *API) wsTicket(c *gin.Context) {
	ticket, expires, err := a.Realtime.IssueTicket(c.Request.Context(), caller(c).UserID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"ticket": ticket, "expires_at": expires})
}
