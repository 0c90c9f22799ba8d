// Package deps holds the defaults of the optional dependencies every layer's job takes from
// its caller: a clock (default time.Now) and a logger (default: discard).
package deps

import (
	"log/slog"
	"time"
)

// Now returns clock(), or the current time when clock is nil.
func Now(clock func() time.Time) time.Time {
	if clock != nil {
		return clock()
	}
	return time.Now()
}

// Log returns l, or a logger that discards everything when l is nil.
func Log(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
