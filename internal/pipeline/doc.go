// Package pipeline builds the run-date DAG (SPEC §6) from the table contracts and runs it:
// check_raw_files → bronze_{table} (concurrently) → bronze_summary → check_bronze_completion
// → pipeline_summary, persisting per-task state in the lake (_state/runs/run_date=D.json) so a
// date that already succeeded is skipped unless forced. Later layers add their tasks here.
package pipeline
