package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/order"
	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/domain/promise"
	"github.com/rapport/rapport/server/internal/store"
)

func init() { register(seedOrders) }

// demoProduct is one catalogue entry of Nordwerk Machines; money in euro cents.
type demoProduct struct {
	sku, name, desc        string
	price, install, upkeep money.Amount
	life, lead             int
	kind                   string // machine, part, consumable
	active                 bool
}

var nordwerkCatalogue = []demoProduct{
	{"NW-RF-2000", "Rotary filling machine RF-2000 (24 valves)", "Volumetric rotary filler for still beverages and liquid food, 24,000 bottles/h, CIP-ready.", 24800000, 1850000, 1240000, 15, 120, "machine", true},
	{"NW-LF-800", "Linear filling machine LF-800", "Eight-head linear piston filler for viscous products, format change in 10 minutes.", 9650000, 780000, 520000, 12, 90, "machine", true},
	{"NW-CP-400", "Capping machine CP-400", "Rotary screw capper, 38 mm and 43 mm heads, torque monitoring per head.", 6400000, 450000, 360000, 12, 75, "machine", true},
	{"NW-LB-300", "Wrap-around labeller LB-300", "Hot-melt wrap-around labeller for PET and glass, 30,000 containers/h.", 7280000, 520000, 410000, 10, 75, "machine", true},
	{"NW-CT-120", "Case packer CT-120", "Top-load case packer with servo pick-and-place, 120 cases/min.", 13800000, 1100000, 790000, 15, 100, "machine", true},
	{"NW-PL-60", "Robotic palletizer PL-60", "Four-axis robotic palletizer with layer pad dispenser and safety fencing.", 18500000, 1450000, 980000, 15, 110, "machine", true},
	{"NW-RF-1000", "Rotary filling machine RF-1000 (discontinued)", "Replaced by the RF-2000; spare parts remain available.", 16900000, 1500000, 1100000, 15, 120, "machine", false},
	{"SP-FV-24", "Filling valve assembly (RF-2000)", "Complete valve with spring and seals, pre-calibrated.", 124000, 0, 0, 0, 14, "part", true},
	{"SP-CH-38", "Capping head 38 mm", "Magnetic-clutch capping head for 38 mm closures.", 89000, 0, 0, 0, 14, "part", true},
	{"SP-SEAL-KIT", "Seal kit, food-grade EPDM", "All dynamic seals of one filling valve, FDA/EC 1935 compliant.", 18650, 0, 0, 0, 7, "part", true},
	{"SP-BELT-3M", "Modular conveyor belt, 3 m", "Acetal modular belt section, 85 mm pitch.", 64200, 0, 0, 0, 10, "part", true},
	{"SP-SERVO-1K", "Servo motor 1 kW", "Drop-in servo motor with encoder for CT-120 and LB-300.", 238000, 0, 0, 0, 21, "part", true},
	{"SP-SENSOR-PE", "Photoelectric sensor", "Diffuse sensor with IO-Link for bottle detection.", 14890, 0, 0, 0, 7, "part", true},
	{"CON-LUBE-5L", "Food-grade lubricant H1, 5 L", "NSF H1 synthetic lubricant for chains and gears.", 7420, 0, 0, 0, 3, "consumable", true},
	{"CON-CIP-20L", "CIP cleaning agent, 20 L", "Alkaline cleaning-in-place concentrate.", 9600, 0, 0, 0, 3, "consumable", true},
	{"CON-GLUE-25", "Hot-melt label glue, 25 kg", "Pellet hot-melt for wrap-around labelling.", 21200, 0, 0, 0, 5, "consumable", true},
	{"CON-FILTER-10", "Sterile air filter cartridges (10)", "0.01 µm sterile air filters for filler bowls.", 31800, 0, 0, 0, 5, "consumable", true},
}

// profileShape says how a customer orders and how well Nordwerk delivers to it.
type profileShape struct {
	firstDay, lastDay int     // the ordering window, in days ago
	gapMin, gapMax    int     // days between orders
	lateShare         float64 // share of deliveries after the promised date
	slowdownAfter     int     // days ago after which gaps double (falling orders); 0 none
	machineEvery      int     // every n-th order includes a machine; 0 never
}

var profileShapes = map[string]profileShape{
	"healthy": {firstDay: 360, lastDay: 1, gapMin: 12, gapMax: 18, lateShare: 0.05, machineEvery: 9},
	"watch":   {firstDay: 355, lastDay: 6, gapMin: 18, gapMax: 28, lateShare: 0.30, machineEvery: 0},
	"at_risk": {firstDay: 350, lastDay: 20, gapMin: 12, gapMax: 18, lateShare: 0.60, slowdownAfter: 170, machineEvery: 0},
	"silent":  {firstDay: 345, lastDay: 64, gapMin: 16, gapMax: 24, lateShare: 0.10, machineEvery: 12},
}

// action is one back-dated change; a buyer's history is played in time order
// so the event log reads like the year it describes.
type action struct {
	at  time.Time
	run func() error
}

type demoOrders struct {
	ctx      context.Context
	w        *World
	products []product.Product
	byKind   map[string][]product.Product
}

func seedOrders(ctx context.Context, w *World) error {
	d := &demoOrders{ctx: ctx, w: w, byKind: map[string][]product.Product{}}
	if err := d.seedCatalogue(); err != nil {
		return fmt.Errorf("catalogue: %w", err)
	}
	for _, b := range w.Buyers {
		shape, ok := profileShapes[b.Profile]
		if !ok {
			continue
		}
		if err := d.play(d.buyerHistory(b, shape)); err != nil {
			return fmt.Errorf("orders of %s: %w", b.Org.Name, err)
		}
	}
	return nil
}

func (d *demoOrders) seedCatalogue() error {
	w := d.w
	w.At(w.DaysAgo(395))
	for _, p := range nordwerkCatalogue {
		created, err := w.Store.CreateProduct(d.ctx, w.SupplierAdmin.Caller(), product.Product{SKU: p.sku, Name: p.name, Description: p.desc,
			UnitPrice: p.price, Currency: "EUR", LeadTimeDays: p.lead, Active: p.active, InstallationCost: p.install,
			AnnualMaintenanceCost: p.upkeep, ExpectedLifeYears: p.life})
		if err != nil {
			return err
		}
		d.products = append(d.products, created)
		if p.active {
			d.byKind[p.kind] = append(d.byKind[p.kind], created)
		}
	}
	// The healthy, long-standing customer has contract prices on consumables.
	for _, b := range w.Buyers {
		if b.Profile != "healthy" {
			continue
		}
		for _, p := range d.byKind["consumable"] {
			price := p.UnitPrice * 92 / 100
			if _, err := w.Store.SetContractPrice(d.ctx, w.Rel(b, w.SupplierSales), p.ID, &price); err != nil {
				return err
			}
		}
	}
	return nil
}

// play runs the actions in time order; those still in the future are left
// undone, which is how recent orders stay submitted, acknowledged or shipped.
func (d *demoOrders) play(actions []action) error {
	sort.SliceStable(actions, func(i, j int) bool { return actions[i].at.Before(actions[j].at) })
	for _, a := range actions {
		if a.at.After(d.w.Now) {
			continue
		}
		d.w.At(a.at)
		if err := a.run(); err != nil {
			return err
		}
	}
	return nil
}

// demoOrder is one planned order; id is known once its placement has run.
type demoOrder struct {
	id string
}

func (d *demoOrders) buyerHistory(b Buyer, shape profileShape) []action {
	w := d.w
	var acts []action
	n := 0
	for ago := shape.firstDay; ago >= shape.lastDay; n++ {
		acts = append(acts, d.orderLife(b, shape, ago, n, order.Delivered)...)
		gap := shape.gapMin + w.Rand.IntN(shape.gapMax-shape.gapMin+1)
		if shape.slowdownAfter > 0 && ago < shape.slowdownAfter {
			gap *= 3
		}
		ago -= gap
	}
	// Recent orders caught mid-way, so every state shows: a fresh one not yet
	// acknowledged, one in production, one on the truck; for the customer at
	// risk an order still in production well past its promised date.
	for _, r := range recentOrders[b.Profile] {
		acts = append(acts, d.orderLife(b, shape, r.ago, n, r.stop)...)
		n++
	}
	return append(acts, d.promiseHistory(b)...)
}

var recentOrders = map[string][]struct {
	ago  int
	stop order.Status
}{
	"healthy": {{9, order.Shipped}, {5, order.InProduction}, {1, order.Submitted}},
	"watch":   {{4, order.Acknowledged}, {2, order.Submitted}},
	"at_risk": {{26, order.InProduction}},
}

// orderLife plans one order from placement to its end (or to stop): placed by
// the buyer, now and then rejected or cancelled, otherwise acknowledged and
// delivered.
func (d *demoOrders) orderLife(b Buyer, shape profileShape, ago, n int, stop order.Status) []action {
	w := d.w
	o := &demoOrder{}
	buyer := b.Admin
	if n%3 == 1 {
		buyer = b.Member
	}
	supplier := w.SupplierSales
	if n%4 == 3 {
		supplier = w.SupplierAdmin
	}
	lines, lead := d.pickLines(shape, n)
	placed := w.DaysAgo(ago)
	req := order.PlaceRequest{PONumber: fmt.Sprintf("PO-%s-%04d", initials(b.Org.Name), 1000+n), Lines: lines,
		RequestedDate: placed.AddDate(0, 0, lead+2).Format(order.DateLayout)}
	acts := []action{{placed, func() error {
		placedOrder, _, err := w.Store.PlaceOrder(d.ctx, w.Rel(b, buyer), req, store.Idempotency{})
		o.id = placedOrder.ID
		return err
	}}}
	roll := w.Rand.Float64()
	if stop == order.Submitted {
		return acts
	}
	// Now and then the buyer cancels, or the supplier cannot take the order.
	if n%11 == 5 && stop == order.Delivered {
		return append(acts, action{placed.Add(20 * time.Hour), func() error {
			_, err := w.Store.RejectOrder(d.ctx, w.Rel(b, supplier), o.id, 0, "The requested configuration is no longer built; please order the successor model.")
			return err
		}})
	}
	acked := placed.Add(time.Duration(3+w.Rand.IntN(20)) * time.Hour)
	promised := acked.AddDate(0, 0, lead)
	acts = append(acts, action{acked, func() error {
		_, err := w.Store.AcknowledgeOrder(d.ctx, w.Rel(b, supplier), o.id, 0, promised.Format(order.DateLayout))
		return err
	}})
	if stop == order.Acknowledged {
		return acts
	}
	if n%13 == 7 && stop == order.Delivered {
		return append(acts, action{acked.AddDate(0, 0, 2), func() error {
			_, err := w.Store.CancelOrder(d.ctx, w.Rel(b, buyer), o.id, 0, "Project postponed by our management.")
			return err
		}})
	}
	return append(acts, d.deliverySteps(b, o, acked, promised, roll < shape.lateShare, stop)...)
}

// deliverySteps plans production, shipping and delivery of an acknowledged
// order: on or just before the promised date, or days after it when late.
func (d *demoOrders) deliverySteps(b Buyer, o *demoOrder, acked, promised time.Time, late bool, stop order.Status) []action {
	w := d.w
	delivered := promised.AddDate(0, 0, -w.Rand.IntN(3))
	if late {
		delivered = promised.AddDate(0, 0, 3+w.Rand.IntN(12))
	}
	production := acked.Add(delivered.Sub(acked) / 3)
	shipped := delivered.Add(-time.Duration(20+w.Rand.IntN(30)) * time.Hour)
	if !shipped.After(production) {
		shipped = production.Add(time.Hour)
	}
	if stop != order.Delivered {
		// An order caught mid-way has reached its stop by now, at whatever hour
		// the demo is seeded: a step that would still lie ahead (a long lead
		// time, an early hour of the day) happens just before now instead.
		latest := w.Now.Add(-time.Hour)
		production = minTime(production, latest.Add(-2*time.Hour))
		shipped = minTime(shipped, latest)
	}
	var acts []action
	for _, step := range []struct {
		at time.Time
		to order.Status
	}{{production, order.InProduction}, {shipped, order.Shipped}, {delivered.Add(2 * time.Hour), order.Delivered}} {
		acts = append(acts, action{step.at, func() error {
			_, err := w.Store.AdvanceOrder(d.ctx, w.Rel(b, w.SupplierService), o.id, 0, step.to)
			return err
		}})
		if step.to == stop {
			break
		}
	}
	return acts
}

// pickLines chooses spare parts and consumables, now and then a machine; the
// lead time is the longest of the lines.
func (d *demoOrders) pickLines(shape profileShape, n int) ([]order.LineRequest, int) {
	w := d.w
	var lines []order.LineRequest
	seen := map[string]bool{}
	lead := 5
	add := func(p product.Product, qty int) {
		if seen[p.ID] {
			return
		}
		seen[p.ID] = true
		lead = max(lead, p.LeadTimeDays)
		lines = append(lines, order.LineRequest{ProductID: p.ID, Quantity: json.RawMessage(fmt.Sprint(qty))})
	}
	if shape.machineEvery > 0 && n%shape.machineEvery == shape.machineEvery-1 {
		machines := d.byKind["machine"]
		add(machines[w.Rand.IntN(len(machines))], 1)
	}
	parts, cons := d.byKind["part"], d.byKind["consumable"]
	for i := 0; i < 1+w.Rand.IntN(3); i++ {
		add(parts[w.Rand.IntN(len(parts))], 1+w.Rand.IntN(6))
	}
	for i := 0; i < 1+w.Rand.IntN(2); i++ {
		add(cons[w.Rand.IntN(len(cons))], 4+w.Rand.IntN(40))
	}
	return lines, min(lead, 30)
}

// promisePlan is one promise beyond deliveries, and how it turned out ("" open).
type promisePlan struct {
	ago, dueIn int
	kind, text string
	owner      account.User
	outcome    promise.Status
}

// promisePlans are the training, firmware, price and service promises of each
// profile: kept for the healthy customer, broken for the one at risk.
func promisePlans(w *World, profile string) []promisePlan {
	return map[string][]promisePlan{
		"healthy": {{300, 21, "service", "On-site operator training for the new shift team", w.SupplierService, promise.Kept},
			{150, 30, "feature", "Quick format change for the 0.33 l bottle", w.SupplierEngineer, promise.Kept},
			{12, 25, "price", "Hold consumables prices for next year", w.SupplierSales, ""}},
		"watch": {{280, 14, "service", "Replace worn capping heads during the summer stop", w.SupplierService, promise.Kept},
			{120, 30, "feature", "Remote diagnostics for the labeller", w.SupplierEngineer, promise.Renegotiated},
			{40, 20, "service", "Vibration analysis of the case packer", w.SupplierService, promise.Broken}},
		"at_risk": {{250, 14, "service", "Root-cause report on the filler valve leaks", w.SupplierEngineer, promise.Broken},
			{180, 21, "feature", "Validation documents (IQ/OQ) for the filler", w.SupplierEngineer, promise.Broken},
			{90, 10, "service", "Technician on site within 48 h for line stops", w.SupplierService, promise.Broken},
			{30, 30, "price", "Credit note for the late valve deliveries", w.SupplierSales, ""}},
		"silent": {{200, 30, "service", "Annual maintenance visit", w.SupplierService, promise.Kept},
			{100, 14, "other", "Send the spare parts recommendation list", w.SupplierSales, promise.Kept}},
	}[profile]
}

// promiseHistory plays each planned promise: recorded by sales, then resolved
// by its owner shortly before (kept), after (broken) or around its due date.
func (d *demoOrders) promiseHistory(b Buyer) []action {
	w := d.w
	var acts []action
	for _, p := range promisePlans(w, b.Profile) {
		id := new(string)
		created := w.DaysAgo(p.ago)
		due := created.AddDate(0, 0, p.dueIn)
		acts = append(acts, action{created, func() error {
			req := promise.CreateRequest{Description: p.text, Kind: p.kind, OwnerID: p.owner.ID, DueDate: due.Format(order.DateLayout)}
			made, err := w.Store.CreatePromise(d.ctx, w.Rel(b, w.SupplierSales), req)
			*id = made.ID
			return err
		}})
		if p.outcome == "" {
			continue
		}
		resolved := due.Add(-30 * time.Hour)
		req := promise.ResolveRequest{Outcome: string(p.outcome), Note: "Done as agreed."}
		switch p.outcome {
		case promise.Broken:
			resolved, req.Note = due.AddDate(0, 0, 6), "Missed: the specialist was tied up at another customer."
		case promise.Renegotiated:
			req.Note, req.NewDueDate = "Agreed with the customer: after the firmware release.", due.AddDate(0, 0, 45).Format(order.DateLayout)
		}
		acts = append(acts, action{resolved, func() error {
			_, err := w.Store.ResolvePromise(d.ctx, w.Rel(b, p.owner), *id, 0, req)
			return err
		}})
	}
	return acts
}

// initials abbreviates an organization's name for PO numbers: "Contoso Foods" → "CF".
func initials(name string) string {
	out := []rune{}
	start := true
	for _, r := range name {
		if start && r != ' ' {
			out = append(out, r)
		}
		start = r == ' '
	}
	return string(out)
}

// minTime is the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
