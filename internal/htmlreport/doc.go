// Package htmlreport owns metalake's HTML run report: one self-contained page per run date
// (`metalake report --out FILE.html`, serve's /report/{date}, the e-mail attachment).
//
// Build reads what the page shows through the lake's read paths only, and writes nothing: the
// run state (the timeline, retries, stages), the layers' reports (row flow reconciled per
// table, silver cleaning strategies, rejects against the circuit breaker, silver and gold DQ
// checks), the monitoring report (anomalies, freshness, the plan's targets), the catalog and
// the bronze summaries of the earlier dates (history), and — through the read-only query
// catalog, which reads committed partitions only — the data charts (top tags, users by
// country, competitions per year, datasets per owner, new users per day) and sample rejected
// rows. A date whose run stopped early still gets a page that says what is missing.
//
// Render writes one HTML document with everything inline: the styles, the page's script, its
// data as a JSON island and the chart library, Apache ECharts, pinned and embedded
// (assets/README.md). A Content-Security-Policy of default-src 'none' makes the page unable
// to request anything, so it opens offline and leaks nothing. The SQL of the data charts is in
// queries/*.sql; the markup, styles and script in templates/.
package htmlreport
