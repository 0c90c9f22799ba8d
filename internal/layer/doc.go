// Package layer is the frame a layer task runs in. A layer task builds one table of one layer
// (bronze, silver or gold) for one run date: it reads its inputs, runs its SQL on the engine,
// publishes what it wrote and leaves a report beside it. The frame is the part every layer
// does alike:
//
//   - Render: a model or expression as a text/template in the engine's dialect (engine.Funcs
//     plus the layer's own functions), a missing key an error.
//   - Publish, PublishCounted: a folder's new content committed under a manifest naming the
//     layer, table, run date and attempt; PublishCounted first refuses files whose rows do not
//     add up to what the task accounted for.
//   - Task.Finish: the report stamped with the outcome (status, error text, processing time,
//     duration), written even when the task's context is cancelled, and a "done" log line.
//
// What a layer keeps to itself: its inputs and SQL, what it accounts for and how, its report's
// fields and JSON shape (a report only has to take a Stamp), its error types and wording, and
// when a report is written at all (bronze writes one only once the breaker has ruled).
package layer
