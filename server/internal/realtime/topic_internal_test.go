package realtime

import (
	"slices"
	"testing"

	"github.com/rapport/rapport/server/internal/domain/event"
)

func TestTakeOfferedOnlyContinuesHeadWithoutGap(t *testing.T) {
	seqs := func(evs []event.Event) []int64 {
		out := []int64{}
		for _, e := range evs {
			out = append(out, e.Seq)
		}
		return out
	}
	tp := &topic{}
	for _, s := range []int64{5, 3, 2, 4, 7} { // callbacks of concurrent commits arrive out of order
		tp.offered = append(tp.offered, event.Event{Seq: s})
	}
	cases := []struct {
		head, limit int64
		want        []int64
	}{
		{2, 2, []int64{3, 4}}, // 2 is already handed out; at most limit
		{4, 10, []int64{5}},   // 6 is missing: stop before the gap
		{5, 10, []int64{}},    // the log fills the gap
		{6, 10, []int64{7}},
		{7, 10, []int64{}},
	}
	for _, c := range cases {
		if got := seqs(tp.takeOffered(c.head, int(c.limit))); !slices.Equal(got, c.want) {
			t.Fatalf("head %d: got %v, want %v", c.head, got, c.want)
		}
	}
	if len(tp.offered) != 0 {
		t.Fatalf("left %v", seqs(tp.offered))
	}
}
