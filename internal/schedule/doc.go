// Package schedule owns the scheduler's date arithmetic: when a cron schedule fires in its
// time zone, which run date a fire processes (Airflow's ds: the fire's local date minus an
// offset), and which run dates are due for catchup.
//
// Cron expressions have the classic five fields (minute hour day-of-month month day-of-week)
// and are parsed here rather than by a library, so the daylight-saving rules below are ours and
// tested:
//
//   - A wall-clock time skipped by a spring-forward jump fires once, at the instant of the jump
//     (02:30 in Europe/Berlin on the last Sunday of March fires at 03:00 CEST), so a daily
//     schedule still fires that day.
//   - A wall-clock time repeated by a fall-back fires once, at its first occurrence.
//
// Time zones come from the embedded tzdata, so schedules work on machines without zoneinfo.
package schedule
