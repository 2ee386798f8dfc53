package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/comment"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

// commentJSON is a comment as the API shows it; a deleted one is a tombstone.
type commentJSON struct {
	ID          string     `json:"id"`
	SubjectType string     `json:"subject_type"`
	SubjectID   string     `json:"subject_id"`
	Body        string     `json:"body"`
	AuthorID    string     `json:"author_id"`
	AuthorSide  string     `json:"author_side"`
	Mentions    []string   `json:"mentions"`
	Deleted     bool       `json:"deleted"`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	EditedAt    *time.Time `json:"edited_at"`
	DeletedAt   *time.Time `json:"deleted_at"`
}

func commentView(cm comment.Comment) commentJSON {
	return commentJSON{ID: cm.ID, SubjectType: cm.SubjectType, SubjectID: cm.SubjectID, Body: cm.Body, AuthorID: cm.AuthorID,
		AuthorSide: string(cm.AuthorSide), Mentions: cm.Mentions, Deleted: cm.DeletedAt != nil, Version: cm.Version,
		CreatedAt: cm.CreatedAt, EditedAt: cm.EditedAt, DeletedAt: cm.DeletedAt}
}

// commentRequest is a new comment; the subject may come in the query string (the
// documented form) or in the body.
type commentRequest struct {
	Body        string `json:"body"`
	SubjectType string `json:"subject_type"`
	SubjectID   string `json:"subject_id"`
}

// subjectOf reads the comment subject from the query string, or from the body
// when the query has none; both given and different is a 422.
func subjectOf(c *gin.Context, req commentRequest) (comment.Subject, error) {
	sub := comment.Subject{Type: c.Query("subject_type"), ID: c.Query("subject_id")}
	var v errs.Validator
	if req.SubjectType != "" {
		v.Check(sub.Type == "" || sub.Type == req.SubjectType, "subject_type", "differs between the query and the body")
		sub.Type = req.SubjectType
	}
	if req.SubjectID != "" {
		v.Check(sub.ID == "" || sub.ID == req.SubjectID, "subject_id", "differs between the query and the body")
		sub.ID = req.SubjectID
	}
	if err := v.Err(); err != nil {
		return sub, err
	}
	return sub, sub.Validate()
}

func (a *API) listComments(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	var sub *comment.Subject
	if c.Query("subject_type") != "" || c.Query("subject_id") != "" {
		s := comment.Subject{Type: c.Query("subject_type"), ID: c.Query("subject_id")}
		if err := s.Validate(); err != nil {
			fail(c, err)
			return
		}
		sub = &s
	}
	items, next, err := a.Store.ListComments(c.Request.Context(), relOf(c), sub, p)
	if err != nil {
		fail(c, err)
		return
	}
	views := make([]commentJSON, len(items))
	for i, cm := range items {
		views[i] = commentView(cm)
	}
	c.JSON(http.StatusOK, newList(views, next))
}

func (a *API) createComment(c *gin.Context) {
	var req commentRequest
	if !decode(c, &req) {
		return
	}
	sub, err := subjectOf(c, req)
	if err == nil {
		err = comment.ValidateBody(req.Body)
	}
	if err != nil {
		fail(c, err)
		return
	}
	cm, err := a.Store.CreateComment(c.Request.Context(), relOf(c), sub, req.Body)
	a.answerComment(c, http.StatusCreated, cm, err)
}

func (a *API) answerComment(c *gin.Context, status int, cm comment.Comment, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, cm.Version)
	c.JSON(status, commentView(cm))
}

type commentPatch struct {
	Body string `json:"body"`
}

func (a *API) editComment(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req commentPatch
	if !decode(c, &req) {
		return
	}
	if err := comment.ValidateBody(req.Body); err != nil {
		fail(c, err)
		return
	}
	cm, err := a.Store.EditComment(c.Request.Context(), relOf(c), c.Param("id"), req.Body, version)
	a.answerComment(c, http.StatusOK, cm, err)
}

func (a *API) deleteComment(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	cm, err := a.Store.DeleteComment(c.Request.Context(), relOf(c), c.Param("id"), version)
	a.answerComment(c, http.StatusOK, cm, err)
}
