// Package parity holds the tests that run the same lakes through both engines — the embedded
// DuckDB and Spark through Spark Connect — and compare what they publish, partition by
// partition and row by row. It has no code of its own.
package parity
