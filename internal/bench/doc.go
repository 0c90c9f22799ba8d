// Package bench measures the pipeline against its floor: `metalake bench`.
//
// Speed is a ratio measured side by side in one process, because the machine it runs on is
// shared and noisy: an absolute time says little, run/floor of the same files a minute apart
// says how far the pipeline is from the least work any pipeline must do.
//
// # The floor
//
// DuckDB alone converting the same raw CSV files to Parquet with its own reader and writer and
// nothing else (FloorSQL): COPY (SELECT * FROM read_csv(…)) TO … (FORMAT parquet, COMPRESSION
// snappy), every column as text, the dialect given rather than sniffed, broken records skipped.
// It runs in a fresh DuckDB instance with the run's threads and memory limit, one file after
// the other (each COPY uses every thread), over every raw file of the date the run reads (the
// Kaggle layout: users, datasets, dataset_versions, tags, dataset_tags, competitions, kernels).
// Its time is the sum of the COPY statements; the Parquet files are scratch, removed once
// measured (their sizes are reported).
//
// # The run
//
// Day 1 runs on a lake with no history (the bench directory's earlier outputs are removed
// first), then every later date in order; day 1 and the last day K are measured, each right
// after its own floor, and the days between are run and timed only (day K builds on K-1 days
// of history, as in production). A date's raw files are read once before its floor, so both
// the floor and the run read them from the page cache. The run is `metalake run` in-process
// (the CLI hands over the runner `metalake run` builds): its wall time is measured around the
// call, per-task times come from the run state (_state/runs/), rows from the bronze and silver
// reports and the gold manifests. Rows and MB per second of a date divide its raw rows (as the
// floor read them) and raw bytes by the floor's or the run's seconds.
//
// # The bench directory
//
// Everything bench writes stays in its directory: the raw snapshots (raw/, reused when
// present), the run's lake beside them (bronze/, silver/, gold/, reports, state), the engines'
// work directories under _staging/. Run refuses a directory holding a lake with run outputs
// or a lake of another kind (a *DirError); it marks the directories it uses as bench
// directories (lake.MarkerKey) and Reset removes their run outputs.
//
// # JSON (metalake bench --format json)
//
// One object, Result; every time is wall-clock seconds rounded to the millisecond, MB are
// 10^6 bytes, and an unknown figure is null:
//
//	lake, kept                        the bench directory; whether the run outputs stay (--keep)
//	raw.{reused, generated, generate_s, start, days}
//	    generated: {users, seed, start, days, layout, defect_rate} or null (raw not bench's)
//	engine.{threads, memory_limit, parallelism, cpus}
//	dates[]                           day 1 and day K
//	    date, day, raw_bytes, raw_rows, run_over_floor (run.seconds / floor.seconds)
//	    floor.{seconds, mb_per_s, rows_per_s, output_bytes, peak_rss_bytes}
//	    floor.tables[].{table, bytes, rows, seconds, output_bytes}
//	    run.{status, seconds, mb_per_s, rows_per_s, task_seconds, peak_rss_bytes}
//	    run.layers[].{layer, tasks, wall_s, task_s}          bronze, silver, gold, other
//	    run.tasks[].{task, layer, status, attempts, start_s, seconds,
//	                 rows_in, rows_out, rows_per_s, mb_per_s}  every task of the DAG
//	    written.{bronze, silver, gold, other, total}.{files, bytes}
//	unmeasured_days[].{date, day, status, seconds}
//	lake_files.{bronze, silver, gold, other, total}.{files, bytes}   after the last day
//	peak_rss_bytes                    ru_maxrss of the whole process
//
// peak_rss_bytes inside floor and run are the process's peak so far when that phase ended;
// the peak only grows, so the first phase that reaches the final figure is the one that set it.
package bench
