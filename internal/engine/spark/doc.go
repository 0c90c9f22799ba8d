// Package spark is metalake's second engine: Spark SQL through Spark Connect
// (github.com/apache/spark-connect-go). It implements engine.Engine, engine.Session and
// engine.Dialect, and passes enginetest.Run as DuckDB does.
//
// Each engine Session is its own Spark Connect session on one shared gRPC connection: its
// temporary views and settings are private to it, and Close releases it on the server. Every
// session runs with the session time zone UTC and TIMESTAMP meaning TIMESTAMP_NTZ, so a
// TIMESTAMP is a wall-clock value as it is in DuckDB and in the lake's Parquet files.
//
// Spark reads and writes files itself. Here the lake is local to the server (a test server,
// or a single-machine Spark): inputs are local paths (Engine.Input) and WriteParquet writes
// into the engine's local work directory, from which the lake publishes. On a cluster the
// inputs would be the lake's own URIs (s3a://…) and the work directory a shared location.
//
// Values come back as engine.Session documents them: int64 for every integer width, float64
// for FLOAT, DOUBLE and DECIMAL (a DECIMAL is converted to the nearest float64: Spark's exact
// decimals do not survive, as they do not in JSON reports), string, bool, time.Time in UTC
// for TIMESTAMP, TIMESTAMP_NTZ and DATE (a DATE at midnight), []byte for BINARY, []any for
// ARRAY, map[string]any for STRUCT, map[any]any for MAP, and nil for NULL.
package spark
