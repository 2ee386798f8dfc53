package httpapi

import "github.com/gin-gonic/gin"

// routesService registers ideas, comments, service tickets with their SLA
// policies, and the interaction log.
func (a *API) routesService(authed, rel *gin.RouterGroup) {
	rel.GET("/ideas", a.listIdeas)
	rel.POST("/ideas", a.createIdea)
	rel.GET("/ideas/:id", a.getIdea)
	rel.POST("/ideas/:id/status", a.changeIdeaStatus)

	rel.GET("/comments", a.listComments)
	rel.POST("/comments", a.createComment)
	rel.PATCH("/comments/:id", a.editComment)
	rel.DELETE("/comments/:id", a.deleteComment)

	rel.GET("/tickets", a.listTickets)
	rel.POST("/tickets", a.openTicket)
	rel.GET("/tickets/:id", a.getTicket)
	rel.PATCH("/tickets/:id", a.patchTicket)
	rel.POST("/tickets/:id/status", a.changeTicketStatus)
	authed.GET("/sla-policies", a.getSLAPolicies)
	authed.PUT("/sla-policies", a.putSLAPolicies)

	rel.GET("/interactions", a.listInteractions)
	rel.POST("/interactions", a.logInteraction)
}
