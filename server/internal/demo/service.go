package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/comment"
	"github.com/rapport/rapport/server/internal/domain/idea"
	"github.com/rapport/rapport/server/internal/domain/interaction"
	"github.com/rapport/rapport/server/internal/domain/ticket"
)

func init() { register(seedService) }

// seedService adds ideas, service tickets (with met and breached SLAs),
// complaints and a year of interactions, shaped by each buyer's profile:
// healthy is active both ways; watch has some SLA breaches; at_risk has
// complaints and breaches; silent has heard nothing from the buyer for 45+ days
// and no complaint at all for over six months.
func seedService(ctx context.Context, w *World) error {
	w.At(w.DaysAgo(370))
	if _, err := w.Store.SetSLAPolicies(ctx, w.SupplierAdmin.Caller(), []ticket.Policy{
		{Severity: "high", FirstResponseMinutes: 2 * 60, ResolutionMinutes: 48 * 60},
	}); err != nil {
		return fmt.Errorf("service: sla policy: %w", err)
	}
	for _, b := range w.Buyers {
		story := serviceStories[b.Profile]
		if err := seedIdeas(ctx, w, b, story.ideas); err != nil {
			return fmt.Errorf("service: ideas of %s: %w", b.Org.Name, err)
		}
		if err := seedTickets(ctx, w, b, story.tickets); err != nil {
			return fmt.Errorf("service: tickets of %s: %w", b.Org.Name, err)
		}
		if err := seedInteractions(ctx, w, b, story.meetings); err != nil {
			return fmt.Errorf("service: interactions of %s: %w", b.Org.Name, err)
		}
	}
	w.At(w.Now)
	if _, err := w.Store.MarkSLABreaches(ctx, w.Now); err != nil {
		return fmt.Errorf("service: sla breaches: %w", err)
	}
	return nil
}

// ideaStory is one idea: who proposed it when, and how far it got.
type ideaStory struct {
	daysAgo    int
	bySupplier bool
	title      string
	category   string
	value      string // EUR per year; "" when not estimated
	status     string
	reason     string
}

// ticketStory is one ticket: opened daysAgo, answered and resolved after the
// given minutes (-1: not yet), and what the buyer did afterwards.
type ticketStory struct {
	daysAgo    int
	typ        string
	severity   string
	title      string
	respondMin int
	resolveMin int
	closed     bool
	// reopenAfterMin reopens a resolved ticket (0: never) and resolves it again after reresolveMin.
	reopenAfterMin, reresolveMin int
	comment                      string
}

// meetingPlan describes a year of interactions.
type meetingPlan struct {
	everyDays       int      // one interaction every so many days
	buyerShare      int      // of 10 interactions, how many the buyer initiates
	supplierDepts   []string // which supplier people take part, in turn
	buyerQuietDays  int      // no buyer-initiated interaction in the most recent days
	supplierOnlyRec bool     // recent interactions have no buyer participant (unanswered calls)
}

type serviceStory struct {
	ideas    []ideaStory
	tickets  []ticketStory
	meetings meetingPlan
}

var serviceStories = map[string]serviceStory{
	"healthy": {
		ideas: []ideaStory{
			{300, true, "Quick-change tooling for the filler heads", "design", "48000", idea.Implemented, ""},
			{260, false, "Shared spare-parts stock at our site", "logistics", "22500", idea.Implemented, ""},
			{210, true, "Predictive bearing sensors on line 2", "quality", "15000", idea.Implemented, ""},
			{150, false, "Combine monthly deliveries into one truck", "logistics", "6400", idea.Accepted, ""},
			{120, true, "Stainless guard redesign for washdown", "design", "9000", idea.Accepted, ""},
			{60, false, "Joint training for new operators", "process", "", idea.UnderReview, ""},
			{40, true, "Energy-saving drive retrofit", "cost", "12000", idea.UnderReview, ""},
			{12, false, "Barcode labels on every spare part", "process", "3000", idea.Proposed, ""},
			{9, true, "Remote diagnostics gateway", "quality", "", idea.Proposed, ""},
			{180, false, "Weekend maintenance window", "process", "", idea.Declined, "Our service crew is fully booked at weekends."},
			{170, true, "Switch to reusable crates", "logistics", "2000", idea.Declined, "Our warehouse cannot store empty crates."},
			{90, false, "Vendor-managed inventory for seals", "cost", "", idea.Withdrawn, "Solved internally."},
			{80, true, "Colour-coded change parts", "design", "", idea.Withdrawn, "Superseded by the quick-change tooling."},
		},
		tickets: []ticketStory{
			{340, "installation", "normal", "Install the second filling line", 90, 60 * 48, true, 0, 0, "Technician booked for Monday."},
			{280, "application_help", "low", "Settings for the new bottle format", 120, 60 * 20, true, 0, 0, ""},
			{200, "maintenance", "normal", "Yearly maintenance line 1", 60, 60 * 72, true, 0, 0, ""},
			{150, "repair", "high", "Capper torque drifting", 45, 60 * 30, true, 60 * 24, 60 * 6, "Replacing the clutch."},
			{100, "complaint", "normal", "Spare parts delivered without labels", 50, 60 * 26, true, 0, 0, "Sorry — labels are now printed at packing."},
			{35, "question", "low", "Lubricant for food-grade bearings?", 30, 60 * 3, true, 0, 0, ""},
			{3, "maintenance", "normal", "Schedule the spring service", 40, -1, false, 0, 0, "Proposed dates sent."},
		},
		meetings: meetingPlan{everyDays: 14, buyerShare: 5, supplierDepts: []string{"sales", "engineering", "service", "engineering"}},
	},
	"watch": {
		ideas: []ideaStory{
			{240, true, "Faster format changeover", "process", "18000", idea.Implemented, ""},
			{160, false, "Longer warranty on the sealing jaws", "cost", "", idea.UnderReview, ""},
			{110, true, "New film splicer", "design", "7000", idea.Proposed, ""},
			{70, false, "Monthly quality report", "quality", "", idea.Declined, "We report quarterly to every customer."},
		},
		tickets: []ticketStory{
			{320, "installation", "normal", "Install the wrapper", 120, 60 * 100, true, 0, 0, ""},
			{230, "repair", "high", "Film tears at high speed", 300, 60 * 60, true, 0, 0, "Sorry for the wait — engineer on site tomorrow."},
			{170, "application_help", "low", "Programming a new pack pattern", 200, 60 * 30, true, 0, 0, ""},
			{120, "complaint", "normal", "Service visit postponed twice", 600, 60 * 140, true, 0, 0, "We have added a second technician for your region."},
			{60, "maintenance", "normal", "Half-year service", 90, 60 * 96, true, 0, 0, ""},
			{20, "repair", "critical", "Sealing jaw heater failed", 95, 60 * 30, false, 0, 0, "Spare heater shipped by courier."},
		},
		meetings: meetingPlan{everyDays: 30, buyerShare: 3, supplierDepts: []string{"sales", "sales", "service"}},
	},
	"at_risk": {
		ideas: []ideaStory{
			{280, true, "Upgrade to the validated PLC firmware", "quality", "25000", idea.Implemented, ""},
			{190, true, "Clean-room compatible covers", "design", "", idea.Declined, "Not validated for our GMP process."},
			{130, false, "Penalty clause for late service", "cost", "", idea.Proposed, ""},
			{50, true, "Service contract with guaranteed response", "cost", "30000", idea.Proposed, ""},
		},
		tickets: []ticketStory{
			{330, "installation", "high", "Install the blister line", 200, 60 * 70, true, 0, 0, ""},
			{250, "complaint", "high", "Blister line stops every shift", 400, 60 * 120, true, 60 * 48, 60 * 90, "Root cause: sensor firmware."},
			{180, "repair", "critical", "Forming station crashed", 180, 60 * 40, true, 0, 0, ""},
			{120, "complaint", "normal", "Invoice for a warranty repair", 900, 60 * 200, true, 0, 0, "Credit note issued."},
			{75, "complaint", "high", "Validation documents missing", 500, -1, false, 0, 0, "Collecting the documents from production."},
			{30, "repair", "critical", "Sealing temperature out of range", -1, -1, false, 0, 0, ""},
		},
		meetings: meetingPlan{everyDays: 35, buyerShare: 2, supplierDepts: []string{"sales"}},
	},
	"silent": {
		ideas: []ideaStory{
			{300, false, "Standardise the conveyor heights", "design", "5000", idea.Implemented, ""},
			{220, true, "Line speed upgrade", "design", "14000", idea.UnderReview, ""},
			{100, true, "Energy audit of the bottling hall", "cost", "", idea.Proposed, ""},
		},
		tickets: []ticketStory{
			{330, "installation", "normal", "Install the labeller", 100, 60 * 60, true, 0, 0, ""},
			{260, "question", "low", "Which glue for wet labels?", 60, 60 * 8, true, 0, 0, ""},
		},
		meetings: meetingPlan{everyDays: 30, buyerShare: 3, supplierDepts: []string{"sales"}, buyerQuietDays: 60, supplierOnlyRec: true},
	},
}

// servicePeople returns the supplier's and the buyer's people for an idea or ticket.
func (w *World) servicePeople(b Buyer, supplier bool) (author, receiver account.User) {
	if supplier {
		return w.SupplierEngineer, b.Admin
	}
	return b.Member, w.SupplierEngineer
}

func seedIdeas(ctx context.Context, w *World, b Buyer, stories []ideaStory) error {
	for _, s := range stories {
		author, receiver := w.servicePeople(b, s.bySupplier)
		w.At(w.DaysAgo(s.daysAgo))
		n := idea.New{Title: s.title, Body: "Proposed by " + author.Name + ".", Category: s.category}
		if s.value != "" {
			n.EstimatedValue, n.Currency = s.value, "EUR"
		}
		it, err := n.Validate()
		if err != nil {
			return err
		}
		if it, err = w.Store.CreateIdea(ctx, w.Rel(b, author), it); err != nil {
			return err
		}
		if s.status != idea.Proposed && s.daysAgo > 3 {
			w.At(w.DaysAgo(s.daysAgo - 1))
			body := fmt.Sprintf("@%s thanks — could you share the numbers behind this? We will look at it with production.", author.Name)
			if _, err := w.Store.CreateComment(ctx, w.Rel(b, receiver), comment.Subject{Type: comment.SubjectIdea, ID: it.ID}, body); err != nil {
				return err
			}
		}
		steps := map[string][]string{idea.UnderReview: {idea.UnderReview}, idea.Accepted: {idea.UnderReview, idea.Accepted},
			idea.Implemented: {idea.UnderReview, idea.Accepted, idea.Implemented}, idea.Declined: {idea.UnderReview, idea.Declined},
			idea.Withdrawn: {idea.Withdrawn}}[s.status]
		for i, st := range steps {
			who := receiver
			if st == idea.Withdrawn {
				who = author
			}
			w.At(w.DaysAgo(max(s.daysAgo-(i+1)*(s.daysAgo/(len(steps)+2)+1), 1)))
			if _, err := w.Store.ChangeIdeaStatus(ctx, w.Rel(b, who), it.ID, idea.StatusChange{Status: st, Reason: s.reason}, 0); err != nil {
				return fmt.Errorf("idea %q to %s: %w", s.title, st, err)
			}
		}
	}
	return nil
}

func seedTickets(ctx context.Context, w *World, b Buyer, stories []ticketStory) error {
	for _, s := range stories {
		if err := seedTicket(ctx, w, b, s); err != nil {
			return fmt.Errorf("ticket %q: %w", s.title, err)
		}
	}
	return nil
}

// ticketPlay is one ticket's story being played on the store clock.
type ticketPlay struct {
	w              *World
	story          ticketStory
	tk             ticket.Ticket
	opened         time.Time
	buyer, service access.Rel
}

// seedTicket plays one ticket's story on the store clock, marking SLA breaches
// at the moment they happen so their events are dated right.
func seedTicket(ctx context.Context, w *World, b Buyer, s ticketStory) error {
	p := &ticketPlay{w: w, story: s, opened: w.DaysAgo(s.daysAgo), buyer: w.Rel(b, b.Member), service: w.Rel(b, w.SupplierService)}
	w.At(p.opened)
	tk, err := ticket.New{Type: s.typ, Severity: s.severity, Title: s.title, Body: "Reported by " + b.Member.Name + "."}.Validate()
	if err != nil {
		return err
	}
	if tk, err = w.Store.OpenTicket(ctx, p.buyer, tk); err != nil {
		return err
	}
	if p.tk, err = w.Store.AssignTicket(ctx, w.Rel(b, w.SupplierAdmin), tk.ID, w.SupplierService.ID, 0); err != nil {
		return err
	}
	if err := p.play(ctx); err != nil {
		return err
	}
	return breachesUntil(ctx, w, p.tk, w.Now)
}

func (p *ticketPlay) at(min int) time.Time { return p.opened.Add(time.Duration(min) * time.Minute) }

// move changes the ticket's status at `when`, after marking the breaches due before.
func (p *ticketPlay) move(ctx context.Context, rel access.Rel, when time.Time, status string) error {
	if err := breachesUntil(ctx, p.w, p.tk, when); err != nil {
		return err
	}
	p.w.At(when)
	var err error
	p.tk, err = p.w.Store.ChangeTicketStatus(ctx, rel, p.tk.ID, ticket.StatusChange{Status: status}, 0)
	return err
}

// play makes the story's moves: acknowledge, comment, resolve, reopen, close.
func (p *ticketPlay) play(ctx context.Context) error {
	s := p.story
	if s.respondMin < 0 {
		return nil
	}
	if err := p.move(ctx, p.service, p.at(s.respondMin), ticket.Acknowledged); err != nil {
		return err
	}
	if s.comment != "" {
		p.w.At(p.at(s.respondMin + 5))
		if _, err := p.w.Store.CreateComment(ctx, p.service, comment.Subject{Type: comment.SubjectTicket, ID: p.tk.ID}, s.comment); err != nil {
			return err
		}
	}
	if s.resolveMin < 0 {
		return p.move(ctx, p.service, p.at(s.respondMin+30), ticket.InProgress)
	}
	if err := p.move(ctx, p.service, p.at(s.resolveMin), ticket.Resolved); err != nil {
		return err
	}
	end := s.resolveMin
	if s.reopenAfterMin > 0 {
		end = s.resolveMin + s.reopenAfterMin + s.reresolveMin
		if err := p.move(ctx, p.buyer, p.at(s.resolveMin+s.reopenAfterMin), ticket.Open); err != nil {
			return err
		}
		if err := p.move(ctx, p.service, p.at(end), ticket.Resolved); err != nil {
			return err
		}
	}
	if s.closed {
		return p.move(ctx, p.buyer, p.at(end+60*24), ticket.Closed)
	}
	return nil
}

// breachesUntil runs the SLA watch just after each due time of tk that has
// passed by `when` (never beyond the demo's now), so breach events are dated
// when the breach happened.
func breachesUntil(ctx context.Context, w *World, tk ticket.Ticket, when time.Time) error {
	if when.After(w.Now) {
		when = w.Now
	}
	dues := []time.Time{tk.FirstResponseDueAt, tk.ResolutionDueAt}
	if dues[1].Before(dues[0]) {
		dues[0], dues[1] = dues[1], dues[0]
	}
	for _, due := range dues {
		check := due.Add(time.Minute)
		if check.After(when) {
			continue
		}
		if _, err := w.Store.MarkSLABreaches(ctx, check); err != nil {
			return err
		}
	}
	return nil
}

func seedInteractions(ctx context.Context, w *World, b Buyer, plan meetingPlan) error {
	supplierPeople := map[string]account.User{"sales": w.SupplierSales, "engineering": w.SupplierEngineer, "service": w.SupplierService}
	kinds := []string{"meeting", "call", "visit", "email", "training", "call"}
	for i, day := 0, 360; day > 2; i, day = i+1, day-plan.everyDays {
		sup := supplierPeople[plan.supplierDepts[i%len(plan.supplierDepts)]]
		initiator := access.Supplier
		if i%10 < plan.buyerShare && day > plan.buyerQuietDays {
			initiator = access.Buyer
		}
		participants := []string{sup.ID, b.Admin.ID}
		if i%3 == 0 {
			participants = append(participants, b.Member.ID)
		}
		kind := kinds[i%len(kinds)]
		summary := fmt.Sprintf("%s with %s (%s): production plan, open tickets and next steps.", kind, b.Org.Name, sup.Name)
		if plan.supplierOnlyRec && day <= plan.buyerQuietDays {
			kind, participants = "call", []string{sup.ID}
			summary = "Tried to reach " + b.Admin.Name + "; no answer, left a message."
		}
		when := w.DaysAgo(day)
		w.At(when)
		logger := sup
		if initiator == access.Buyer {
			logger = b.Admin
		}
		it, ids, err := interaction.New{Kind: kind, OccurredAt: when.Format(time.RFC3339), Summary: summary,
			ParticipantIDs: participants, InitiatedBy: string(initiator)}.Validate(when)
		if err != nil {
			return err
		}
		if _, err := w.Store.LogInteraction(ctx, w.Rel(b, logger), it, ids); err != nil {
			return err
		}
	}
	return nil
}
