package app

import (
	"context"

	"github.com/rapport/rapport/server/internal/realtime"
	"github.com/rapport/rapport/server/internal/store"
)

func init() { wiring = append(wiring, wireRealtime) }

// wireRealtime builds the websocket hub: on PostgreSQL it LISTENs for events
// committed by any instance; on SQLite it follows this instance's commits.
// At shutdown it closes every connection with "going away".
func wireRealtime(_ context.Context, a *App) error {
	var broker realtime.Broker
	if a.Store.Dialect() == store.Postgres {
		broker = &realtime.PGBroker{URL: a.Config.DatabaseURL, Log: a.Log}
	} else {
		broker = realtime.NewLocalBroker(a.Store)
	}
	hub := realtime.New(a.Store, broker, realtime.Options{Log: a.Log})
	a.deps.Realtime = hub
	a.AddCloser(hub.Close)
	return nil
}
