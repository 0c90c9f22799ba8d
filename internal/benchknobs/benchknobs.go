// Package benchknobs reads the METALAKE_BENCH_* environment knobs shared by the layer
// benchmarks (bronze, silver, gold), so each says once what it measures and all take the same
// knobs the same way.
package benchknobs

import (
	"os"
	"strconv"
	"testing"
)

// Knobs are a benchmark's settings. A zero Threads means all cores.
type Knobs struct {
	Users   int    // METALAKE_BENCH_USERS
	Threads int    // METALAKE_BENCH_THREADS
	Memory  string // METALAKE_BENCH_MEMORY: the engine memory limit
	Dir     string // METALAKE_BENCH_DIR: where to keep generated input for the next run ("" = a temp dir)
}

// Read returns the knobs, with users and memory as the defaults of the unset ones. A malformed
// number fails the benchmark naming the variable.
func Read(tb testing.TB, users int, memory string) Knobs {
	k := Knobs{Users: Int(tb, "METALAKE_BENCH_USERS", users), Threads: Int(tb, "METALAKE_BENCH_THREADS", 0),
		Memory: os.Getenv("METALAKE_BENCH_MEMORY"), Dir: os.Getenv("METALAKE_BENCH_DIR")}
	if k.Memory == "" {
		k.Memory = memory
	}
	if k.Dir == "" {
		k.Dir = tb.TempDir()
	}
	return k
}

// Int reads a non-negative integer knob (def when unset).
func Int(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		tb.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}
