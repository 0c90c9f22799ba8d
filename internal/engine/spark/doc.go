// Package spark is metalake's second engine: Spark SQL through Spark Connect
// (github.com/apache/spark-connect-go). It implements engine.Engine, engine.Session and
// engine.Dialect, and passes enginetest.Run as DuckDB does.
//
// Each engine Session is its own Spark Connect session on one shared gRPC connection: its
// temporary views and settings are private to it, and Close releases it on the server. Every
// session runs with the session time zone UTC and TIMESTAMP meaning TIMESTAMP_NTZ, so a
// TIMESTAMP is a wall-clock value as it is in DuckDB and in the lake's Parquet files.
//
// Spark reads and writes files itself. Given the lake (Options.Lake) it reads committed
// objects at their addresses (s3a://… for S3, the path for a local lake) and writes each output
// into its lake folder for the manifest to commit (place.go); without one, inputs are local
// copies and outputs go to the local work directory, which the server must then share.
//
// Values come back as engine.Session documents them: int64 for every integer width, float64
// for FLOAT, DOUBLE and DECIMAL (a DECIMAL is converted to the nearest float64: Spark's exact
// decimals do not survive, as they do not in JSON reports), string, bool, time.Time in UTC
// for TIMESTAMP, TIMESTAMP_NTZ and DATE (a DATE at midnight), []byte for BINARY, []any for
// ARRAY, map[string]any for STRUCT, map[any]any for MAP, and nil for NULL.
package spark
