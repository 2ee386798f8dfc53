package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/interaction"
)

// interactionJSON is an interaction as the API shows it: participants with their
// side and department, so one sees who (sales, engineering…) meets the customer.
type interactionJSON struct {
	ID             string                    `json:"id"`
	Kind           string                    `json:"kind"`
	OccurredAt     time.Time                 `json:"occurred_at"`
	Summary        string                    `json:"summary"`
	ParticipantIDs []string                  `json:"participant_ids"`
	Participants   []interaction.Participant `json:"participants"`
	InitiatedBy    string                    `json:"initiated_by"`
	LoggedBy       string                    `json:"logged_by"`
	CreatedAt      time.Time                 `json:"created_at"`
}

func interactionView(it interaction.Interaction) interactionJSON {
	ids := make([]string, len(it.Participants))
	for i, p := range it.Participants {
		ids[i] = p.ID
	}
	return interactionJSON{ID: it.ID, Kind: it.Kind, OccurredAt: it.OccurredAt, Summary: it.Summary, ParticipantIDs: ids,
		Participants: it.Participants, InitiatedBy: string(it.InitiatedBy), LoggedBy: it.LoggedBy, CreatedAt: it.CreatedAt}
}

func (a *API) listInteractions(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	f, err := interaction.ParseFilter(c.Query("kind"), c.Query("initiated_by"), c.Query("since"))
	if err != nil {
		fail(c, err)
		return
	}
	ctx, rel := c.Request.Context(), relOf(c)
	items, next, err := a.Store.ListInteractions(ctx, rel, f, p)
	if err != nil {
		fail(c, err)
		return
	}
	depts, err := a.Store.InteractionDepartments(ctx, rel, f)
	if err != nil {
		fail(c, err)
		return
	}
	out := interactionListJSON{Items: make([]interactionJSON, len(items)), NextCursor: next}
	for i, it := range items {
		out.Items[i] = interactionView(it)
	}
	out.Summary.ByDepartment = depts
	c.JSON(http.StatusOK, out)
}

// interactionListJSON is a page of interactions with, over every interaction
// matching the filter, who took part by side and department.
type interactionListJSON struct {
	Items      []interactionJSON `json:"items"`
	NextCursor string            `json:"next_cursor"`
	Summary    struct {
		ByDepartment []interaction.DepartmentCount `json:"by_department"`
	} `json:"summary"`
}

func (a *API) logInteraction(c *gin.Context) {
	var req interaction.New
	if !decode(c, &req) {
		return
	}
	it, ids, err := req.Validate(a.Store.Now())
	if err != nil {
		fail(c, err)
		return
	}
	it, err = a.Store.LogInteraction(c.Request.Context(), relOf(c), it, ids)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, interactionView(it))
}
