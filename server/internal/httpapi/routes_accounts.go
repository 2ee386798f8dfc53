package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
)

// routesAccounts registers authentication, organizations, invitations,
// relationships and the event feed.
func (a *API) routesAccounts(pub, authed, rel *gin.RouterGroup) {
	pub.POST("/auth/login", a.login)
	pub.POST("/auth/refresh", a.refresh)
	pub.POST("/auth/logout", a.logout)
	pub.POST("/invitations/:token/accept", a.acceptInvitation)

	authed.GET("/me", a.me)
	authed.GET("/orgs/:org/users", a.listUsers)
	authed.POST("/orgs/:org/users", a.addUser)
	authed.POST("/invitations", a.createInvitation)
	authed.GET("/relationships", a.listRelationships)

	rel.GET("", a.getRelationship)
	rel.PATCH("", a.patchRelationship)
	rel.GET("/events", a.listEvents)
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type tokenPair struct {
	AccessToken  string       `json:"access_token"`
	RefreshToken string       `json:"refresh_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    int          `json:"expires_in"`
	User         account.User `json:"user"`
}

func (a *API) login(c *gin.Context) {
	var req loginRequest
	if !decode(c, &req) {
		return
	}
	req.Email = account.NormalizeEmail(req.Email)
	var v errs.Validator
	v.Check(req.Email != "", "email", "is required")
	v.Check(req.Password != "", "password", "is required")
	if err := v.Err(); err != nil {
		fail(c, err)
		return
	}
	if !a.loginByIP.Allow("ip:"+limitAddress(c.ClientIP())) || !a.loginByAccount.Allow("acct:"+req.Email) {
		c.Header("Retry-After", "60")
		fail(c, errs.ErrRateLimited)
		return
	}
	user, hash, err := a.Store.UserByEmail(c.Request.Context(), req.Email)
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		fail(c, err)
		return
	}
	// Unknown email and wrong password get the same answer, in the same time.
	if !auth.CheckPassword(hash, req.Password) {
		fail(c, &errs.Detailed{Err: errs.ErrUnauthorized, Detail: "The email or password is wrong."})
		return
	}
	a.issuePair(c, http.StatusOK, user, "")
}

// issuePair answers with a new access token and a refresh token of a new family.
func (a *API) issuePair(c *gin.Context, status int, user account.User, refresh string) {
	access, err := a.Tokens.Issue(user.Caller())
	if err != nil {
		fail(c, err)
		return
	}
	if refresh == "" {
		refresh = auth.RandomToken(32)
		if err := a.Store.SaveRefreshToken(c.Request.Context(), user.ID, auth.RandomToken(12), auth.HashToken(refresh), a.Now().Add(a.Config.RefreshTTL)); err != nil {
			fail(c, err)
			return
		}
	}
	c.JSON(status, tokenPair{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(a.Tokens.TTL().Seconds()), User: user})
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (a *API) refresh(c *gin.Context) {
	var req refreshRequest
	if !decode(c, &req) {
		return
	}
	if req.RefreshToken == "" {
		fail(c, errs.Invalid("refresh_token", "is required"))
		return
	}
	next := auth.RandomToken(32)
	user, err := a.Store.RotateRefreshToken(c.Request.Context(), auth.HashToken(req.RefreshToken), auth.HashToken(next), a.Now().Add(a.Config.RefreshTTL))
	if err != nil {
		fail(c, err)
		return
	}
	a.issuePair(c, http.StatusOK, user, next)
}

func (a *API) logout(c *gin.Context) {
	var req refreshRequest
	if !decode(c, &req) {
		return
	}
	if req.RefreshToken == "" {
		fail(c, errs.Invalid("refresh_token", "is required"))
		return
	}
	if err := a.Store.RevokeRefreshFamily(c.Request.Context(), auth.HashToken(req.RefreshToken)); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type meResponse struct {
	ID         string `json:"id"`
	Email      string `json:"email"`
	Name       string `json:"name"`
	OrgID      string `json:"org_id"`
	OrgName    string `json:"org_name"`
	Role       string `json:"role"`
	Department string `json:"department"`
}

func (a *API) me(c *gin.Context) {
	ctx := c.Request.Context()
	user, err := a.Store.UserByID(ctx, caller(c).UserID)
	if errors.Is(err, errs.ErrNotFound) {
		err = errs.ErrUnauthorized // deactivated since the token was issued
	}
	if err != nil {
		fail(c, err)
		return
	}
	org, err := a.Store.Org(ctx, user.OrgID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, meResponse{ID: user.ID, Email: user.Email, Name: user.Name, OrgID: org.ID, OrgName: org.Name, Role: user.Role, Department: user.Department})
}

func (a *API) listUsers(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	users, next, err := a.Store.ListUsers(c.Request.Context(), caller(c), c.Param("org"), p)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(users, next))
}

func (a *API) addUser(c *gin.Context) {
	var req account.NewUser
	if !decode(c, &req) {
		return
	}
	req.Normalize()
	if err := req.Validate(); err != nil {
		fail(c, err)
		return
	}
	hash, err := auth.HashPassword(req.Password)
	if err != nil {
		fail(c, err)
		return
	}
	user, err := a.Store.AddUser(c.Request.Context(), caller(c), c.Param("org"), req, hash)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, user)
}

func (a *API) createInvitation(c *gin.Context) {
	var req account.NewInvitation
	if !decode(c, &req) {
		return
	}
	if !caller(c).IsAdmin() {
		fail(c, errs.Forbiddenf("only an admin can invite a buyer"))
		return
	}
	if err := req.Validate(); err != nil {
		fail(c, err)
		return
	}
	token := auth.RandomToken(24)
	inv, err := a.Store.CreateInvitation(c.Request.Context(), caller(c), req, auth.HashToken(token), a.Now().Add(a.Config.InvitationTTL))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"token": token, "expires_at": inv.ExpiresAt})
}

type acceptResponse struct {
	tokenPair
	Org          account.OrgRef `json:"org"`
	Relationship struct {
		ID string `json:"id"`
	} `json:"relationship"`
}

func (a *API) acceptInvitation(c *gin.Context) {
	var req account.Acceptance
	if !decode(c, &req) {
		return
	}
	if err := req.Validate(); err != nil {
		fail(c, err)
		return
	}
	hash, err := auth.HashPassword(req.Password)
	if err != nil {
		fail(c, err)
		return
	}
	token := strings.TrimSpace(c.Param("token"))
	user, org, relID, err := a.Store.AcceptInvitation(c.Request.Context(), auth.HashToken(token), req, hash)
	if err != nil {
		fail(c, err)
		return
	}
	accessToken, err := a.Tokens.Issue(user.Caller())
	if err != nil {
		fail(c, err)
		return
	}
	refresh := auth.RandomToken(32)
	if err := a.Store.SaveRefreshToken(c.Request.Context(), user.ID, auth.RandomToken(12), auth.HashToken(refresh), a.Now().Add(a.Config.RefreshTTL)); err != nil {
		fail(c, err)
		return
	}
	resp := acceptResponse{tokenPair: tokenPair{AccessToken: accessToken, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(a.Tokens.TTL().Seconds()), User: user},
		Org: account.OrgRef{ID: org.ID, Name: org.Name}}
	resp.Relationship.ID = relID
	c.JSON(http.StatusCreated, resp)
}

func (a *API) listRelationships(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	rels, next, err := a.Store.ListRelationships(c.Request.Context(), caller(c), p)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(rels, next))
}

func (a *API) getRelationship(c *gin.Context) {
	r, err := a.Store.Relationship(c.Request.Context(), relOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

type relationshipPatch struct {
	SilenceThresholdDays *int    `json:"silence_threshold_days"`
	AccountOwnerID       *string `json:"account_owner_id"`
}

func (a *API) patchRelationship(c *gin.Context) {
	var req relationshipPatch
	if !decode(c, &req) {
		return
	}
	rel := relOf(c)
	if rel.Side != access.Supplier || !rel.Caller.IsAdmin() {
		fail(c, errs.Forbiddenf("only the supplier's admins change relationship settings"))
		return
	}
	if req.SilenceThresholdDays != nil && (*req.SilenceThresholdDays < 1 || *req.SilenceThresholdDays > 365) {
		fail(c, errs.Invalid("silence_threshold_days", "must be between 1 and 365"))
		return
	}
	r, err := a.Store.UpdateRelationshipSettings(c.Request.Context(), rel, req.SilenceThresholdDays, req.AccountOwnerID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

type eventList struct {
	Items   []event.Event `json:"items"`
	LastSeq int64         `json:"last_seq"`
}

func (a *API) listEvents(c *gin.Context) {
	after, ok := queryInt(c, "after_seq", 0, 0, 1<<62)
	if !ok {
		return
	}
	limit, ok := queryInt(c, "limit", 100, 1, 1000)
	if !ok {
		return
	}
	rel := relOf(c)
	evs, err := a.Store.Events(c.Request.Context(), rel, after, int(limit))
	if err != nil {
		fail(c, err)
		return
	}
	last, err := a.Store.LastSeq(c.Request.Context(), rel.ID)
	if err != nil {
		fail(c, err)
		return
	}
	if evs == nil {
		evs = []event.Event{}
	}
	c.JSON(http.StatusOK, eventList{Items: evs, LastSeq: last})
}
