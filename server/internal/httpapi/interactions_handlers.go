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
	f := interaction.Filter{Kind: c.Query("kind"), InitiatedBy: c.Query("initiated_by")}
	if err := f.Validate(); err != nil {
		fail(c, err)
		return
	}
	items, next, err := a.Store.ListInteractions(c.Request.Context(), relOf(c), f, p)
	if err != nil {
		fail(c, err)
		return
	}
	views := make([]interactionJSON, len(items))
	for i, it := range items {
		views[i] = interactionView(it)
	}
	c.JSON(http.StatusOK, newList(views, next))
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
