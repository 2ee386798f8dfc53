package httpapi

import "log/slog"

func slogLevel(l int) slog.Level { return slog.Level(l) }
