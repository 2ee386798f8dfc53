package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/store"
)

// routesRealtime registers the websocket ticket and upgrade endpoints and the
// caller's notifications.
func (a *API) routesRealtime(pub, authed, _ *gin.RouterGroup) {
	authed.GET("/notifications", a.listNotifications)
	authed.POST("/notifications/read", a.readNotifications)
	if a.Realtime == nil {
		return
	}
	authed.POST("/ws/ticket", a.wsTicket)
	pub.GET("/ws", a.wsUpgrade)
}

func (a *API) wsTicket(c *gin.Context) {
	ticket, expires, err := a.Realtime.IssueTicket(c.Request.Context(), caller(c).UserID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"ticket": ticket, "expires_at": expires})
}

// wsUpgrade checks the Origin and the handshake first (a foreign page or a
// plain GET cannot burn a ticket), then redeems the one-time ticket, then upgrades.
func (a *API) wsUpgrade(c *gin.Context) {
	if !websocket.IsWebSocketUpgrade(c.Request) {
		problem(c, http.StatusBadRequest, "This endpoint only accepts a websocket handshake (Upgrade: websocket).")
		return
	}
	origin := strings.TrimRight(c.GetHeader("Origin"), "/")
	if origin == "" || !slices.Contains(a.Config.Origins(), origin) {
		problem(c, http.StatusForbidden, "The Origin of this websocket request is not one this server accepts.")
		return
	}
	user, err := a.Realtime.RedeemTicket(c.Request.Context(), c.Query("ticket"))
	if err != nil {
		if errors.Is(err, errs.ErrUnauthorized) {
			problem(c, http.StatusUnauthorized, "The websocket ticket is missing, expired, already used or unknown; get a new one from POST /api/v1/ws/ticket.")
			return
		}
		fail(c, err)
		return
	}
	c.Set("user_id", user.ID)
	a.Realtime.ServeWS(c.Writer, c.Request, user)
}

type notificationList struct {
	Items       []store.Notification `json:"items"`
	NextCursor  string               `json:"next_cursor,omitempty"`
	UnreadCount int64                `json:"unread_count"`
}

func (a *API) listNotifications(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	unread := false
	switch c.Query("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		problem(c, http.StatusUnprocessableEntity, "One or more fields are invalid.", errs.FieldError{Field: "unread", Message: "must be true or false"})
		return
	}
	items, next, count, err := a.Store.Notifications(c.Request.Context(), caller(c), unread, p)
	if err != nil {
		fail(c, err)
		return
	}
	if items == nil {
		items = []store.Notification{}
	}
	c.JSON(http.StatusOK, notificationList{Items: items, NextCursor: next, UnreadCount: count})
}

type readNotificationsRequest struct {
	IDs []string `json:"ids"`
	All bool     `json:"all"`
}

func (a *API) readNotifications(c *gin.Context) {
	var req readNotificationsRequest
	if !decode(c, &req) {
		return
	}
	var v errs.Validator
	v.Check(req.All || len(req.IDs) > 0, "ids", "is required unless all is true")
	v.Check(!(req.All && len(req.IDs) > 0), "all", "cannot be combined with ids")
	v.Check(len(req.IDs) <= store.MaxLimit, "ids", "must list at most %d ids", store.MaxLimit)
	for _, id := range req.IDs {
		if !v.Check(id != "" && len(id) <= 64, "ids", "must be notification ids") {
			break
		}
	}
	if err := v.Err(); err != nil {
		fail(c, err)
		return
	}
	count, err := a.Store.MarkNotificationsRead(c.Request.Context(), caller(c), req.IDs, req.All)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"unread_count": count})
}
