package realtime

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
)

// topic is one relationship followed by connections of this instance. Its
// pusher goroutine reads every new event of the log once, encodes it once, and
// hands it to each live subscription that may see it, without ever blocking.
type topic struct {
	hub   *Hub
	relID string
	want  atomic.Int64  // the highest seq hinted
	wake  chan struct{} // capacity 1: a pending wake-up
	stop  chan struct{}

	offerMu sync.Mutex
	offered []event.Event // committed events handed over by a local broker, read instead of the log when contiguous

	mu   sync.Mutex
	head int64 // every event up to head has been handed to the live subscriptions
	subs map[*subscription]struct{}
}

// subscription is one connection following one relationship. Until live, its
// connection replays the log itself; once live, the topic feeds it.
type subscription struct {
	conn      *conn
	topic     *topic
	rel       access.Rel
	delivered int64 // guarded by topic.mu: the last seq handed to the connection (or skipped as invisible)
	live      bool  // guarded by topic.mu
	removed   bool  // owned by the connection's writer: frames of a removed subscription are dropped
}

func newTopic(h *Hub, relID string, head int64) *topic {
	t := &topic{hub: h, relID: relID, head: head, wake: make(chan struct{}, 1), stop: make(chan struct{}), subs: map[*subscription]struct{}{}}
	go t.run()
	t.hint(0) // events committed between reading head and registering the topic
	return t
}

// hint records that the log reached seq and wakes the pusher.
func (t *topic) hint(seq int64) {
	for {
		cur := t.want.Load()
		if seq <= cur || t.want.CompareAndSwap(cur, seq) {
			break
		}
	}
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *topic) run() {
	for {
		select {
		case <-t.stop:
			return
		case <-t.hub.ctx.Done():
			return
		case <-t.wake:
		}
		t.catchUp()
	}
}

// catchUp reads the log after head until it has everything hinted so far.
func (t *topic) catchUp() {
	ctx := t.hub.ctx
	page := t.hub.fanOutPage()
	for attempt := 0; ctx.Err() == nil; {
		evs := t.takeOffered(t.head, page)
		var err error
		if len(evs) == 0 {
			evs, err = t.hub.st.EventsForFanOut(ctx, t.relID, t.head, page)
		}
		if err == nil && len(evs) > 0 {
			err = t.fanOut(ctx, evs)
		}
		if err != nil {
			t.hub.log.Error("realtime fan-out failed; retrying", "relationship_id", t.relID, "err", err)
			t.retryLater(500 * time.Millisecond)
			return
		}
		switch {
		case len(evs) == page:
			continue
		case t.head >= t.want.Load():
			return
		case len(evs) > 0:
			continue
		}
		// Hinted but not yet visible to this reader: look again shortly.
		if attempt++; attempt > 100 {
			t.retryLater(time.Second)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// offer hands over events just committed on this instance: when they follow
// head without a gap, the pusher uses them instead of reading the log again.
func (t *topic) offer(evs []event.Event) {
	t.offerMu.Lock()
	t.offered = append(t.offered, evs...)
	if len(t.offered) > 1024 { // nobody is taking them: the log is the fallback
		t.offered = append(t.offered[:0], t.offered[len(t.offered)-256:]...)
	}
	t.offerMu.Unlock()
	t.hint(evs[len(evs)-1].Seq)
}

// takeOffered returns the offered events that continue after head without a
// gap (at most limit), dropping those already handed out.
func (t *topic) takeOffered(head int64, limit int) []event.Event {
	t.offerMu.Lock()
	defer t.offerMu.Unlock()
	if len(t.offered) == 0 {
		return nil
	}
	slices.SortFunc(t.offered, func(a, b event.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	i := sort.Search(len(t.offered), func(i int) bool { return t.offered[i].Seq > head })
	j := i
	for j < len(t.offered) && j-i < limit && t.offered[j].Seq == head+int64(j-i)+1 {
		j++
	}
	out := slices.Clone(t.offered[i:j])
	t.offered = append(t.offered[:0], t.offered[j:]...)
	return out
}

func (t *topic) retryLater(d time.Duration) {
	time.AfterFunc(d, func() { t.hint(0) })
}

// fanOut encodes evs once and hands each to every live subscription that has
// not had it yet and may see it. Users are re-checked as active once per batch.
func (t *topic) fanOut(ctx context.Context, evs []event.Event) error {
	frames := make([]*websocket.PreparedMessage, len(evs))
	for i, ev := range evs {
		pm, err := encodeEvent(ev)
		if err != nil {
			return err
		}
		frames[i] = pm
	}
	checked := t.userIDs()
	active, err := t.hub.st.ActiveUsers(ctx, checked)
	if err != nil {
		return err
	}
	revoked := map[string]bool{}
	for _, id := range checked {
		revoked[id] = !active[id]
	}
	scoped := false
	for _, ev := range evs {
		scoped = scoped || ev.PlanScope != ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	vis := visibility{ctx: ctx, hub: t.hub, seen: map[visKey]bool{}}
	for sub := range t.subs {
		if !sub.live {
			continue
		}
		first := sort.Search(len(evs), func(i int) bool { return evs[i].Seq > sub.delivered })
		if first == len(evs) {
			continue
		}
		sub.delivered = evs[len(evs)-1].Seq
		if revoked[sub.conn.user.ID] {
			sub.conn.shutdown(CloseAccessRevoked, "access revoked")
			continue
		}
		msgs := frames[first:] // shared by every subscription that may see the whole batch
		if scoped {
			msgs = vis.filter(sub, evs[first:], frames[first:])
		}
		if len(msgs) > 0 {
			sub.conn.enqueue(frame{msgs: msgs, sub: sub})
		}
	}
	t.head = evs[len(evs)-1].Seq
	return nil
}

// userIDs lists the distinct users of the topic's subscriptions. A
// subscription added after this snapshot was checked when it subscribed.
func (t *topic) userIDs() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := make(map[string]bool, len(t.subs))
	ids := make([]string, 0, len(t.subs))
	for sub := range t.subs {
		if id := sub.conn.user.ID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

type visKey struct{ user, plan string }

// visibility caches CanSeeEvent per (user, plan) for one batch.
type visibility struct {
	ctx  context.Context
	hub  *Hub
	seen map[visKey]bool
}

// filter returns the frames of evs that sub may see.
func (v visibility) filter(sub *subscription, evs []event.Event, frames []*websocket.PreparedMessage) []*websocket.PreparedMessage {
	out := make([]*websocket.PreparedMessage, 0, len(evs))
	for i, ev := range evs {
		if ev.PlanScope == "" || v.canSee(sub, ev) {
			out = append(out, frames[i])
		}
	}
	return out
}

func (v visibility) canSee(sub *subscription, ev event.Event) bool {
	k := visKey{sub.conn.user.ID, ev.PlanScope}
	ok, cached := v.seen[k]
	if !cached {
		var err error
		ok, err = v.hub.st.CanSeeEvent(v.ctx, sub.rel, ev)
		if err != nil {
			v.hub.log.Error("realtime access check failed; event withheld", "relationship_id", ev.RelationshipID, "seq", ev.Seq, "err", err)
			ok = false
		}
		v.seen[k] = ok
	}
	return ok
}

// goLive switches sub to live delivery if its replay has reached head; false
// means the topic moved on meanwhile and the replay must read further.
func (t *topic) goLive(sub *subscription, delivered int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	sub.delivered = delivered
	if delivered >= t.head {
		sub.live = true
	}
	return sub.live
}

// setDelivered records replay progress.
func (t *topic) setDelivered(sub *subscription, delivered int64) {
	t.mu.Lock()
	sub.delivered = delivered
	t.mu.Unlock()
}

// replayFrom is the seq after which the replay goes on.
func (sub *subscription) replayFrom() int64 {
	sub.topic.mu.Lock()
	defer sub.topic.mu.Unlock()
	return sub.delivered
}

// attach adds a (not yet live) subscription to its relationship's topic,
// creating the topic, with the log's current last seq as head, if needed.
func (h *Hub) attach(sub *subscription, last int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.topics[sub.rel.ID]
	if t == nil {
		t = newTopic(h, sub.rel.ID, last)
		h.topics[sub.rel.ID] = t
	}
	sub.topic = t
	t.mu.Lock()
	t.subs[sub] = struct{}{}
	t.mu.Unlock()
}

// detach removes a subscription; the last one out stops the topic.
func (h *Hub) detach(sub *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := sub.topic
	t.mu.Lock()
	delete(t.subs, sub)
	empty := len(t.subs) == 0
	t.mu.Unlock()
	if empty && h.topics[sub.rel.ID] == t {
		delete(h.topics, sub.rel.ID)
		close(t.stop)
	}
}
