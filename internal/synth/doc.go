// Package synth generates a synthetic Meta Kaggle: daily full snapshots of the raw CSV files
// metalake ingests, in either raw layout (the real Meta Kaggle files, or the seed plan's
// simplified schema), realistic enough that every reader and rule downstream meets what the
// real files throw at it, and exact enough that tests can assert bronze's counts.
//
// # Files
//
// Generate writes raw/{table}/ingestion_date=YYYY-MM-DD/{table}.csv for every day and table:
// users, datasets, dataset_versions, tags, dataset_tags, competitions, kernels (Kaggle layout)
// or users, datasets, tags, competitions, kernels (plan layout). Headers, column order, date
// formats (MM/DD/YYYY HH:MM:SS, date-only MM/DD/YYYY, True/False) and quoting follow the real
// files: Competitions.csv quotes every field like the 2022 file in shared/realdata, the other
// Kaggle files quote text and dates but not numbers, the plan files quote only when needed.
// Text is UTF-8 with Vietnamese, Chinese, Korean, Russian and accented names, commas, doubled
// quotes and multi-line Markdown; records end in LF.
//
// Sizes follow Meta Kaggle's July 2025 ratios to Options.Users (datasets 2 %, 2.6 versions
// and 0.86 tag links per dataset, 830 tags, competitions 0.04 %, kernels 6 %), with a floor
// of a few rows per table for tiny demos.
//
// # Determinism and streaming
//
// Nothing is kept per row: every value of row id on day k is a pure function of
// (Seed, table, id, k), drawn from a splitmix64 generator seeded by hashing those. Attributes
// that change over time (a user's name and country, a dataset's counters, versions and tags,
// a kernel's counters) come from per-entity event processes — "does entity id change on day
// d" with a fixed daily probability — whose events up to day k are found in O(1 + events)
// without walking the days. So a day can be generated alone (GenerateDay), in any order, and
// gives the same bytes as in a longer run; 25 million users stream through a 1 MB buffer; and
// the tables of a day are generated concurrently. Each file goes to Bucket.Upload through an
// io.Pipe, so a failure or cancellation leaves no partial object.
//
// Day k (0-based) is the snapshot taken at midnight of Start+k: everything in it happened
// before that instant. Users grow by 0.1 % a day (at least one), 0.5 % of users are renamed
// and 0.2 % change country each day, 1 % of datasets are updated (views and downloads grow,
// LastActivityDate moves to the day before the snapshot, some get a new version, a new title
// or a new tag), new datasets, kernels and competitions appear; counters never decrease.
//
// # Defects
//
// A share Options.DefectRate of the records of every table carries one defect, or is
// followed by an exact duplicate. The kinds are the Defect* constants (stats.go documents the
// bronze outcome each must produce). At most one defect per record, every other field valid,
// and no defect spreads to another table: lookup rows that other tables join to (the current
// version of a dataset, tags that DatasetTags references) are never made defective. So Stats
// predicts bronze's rejects exactly. Real-data oddities that are not defects are there too:
// DeadlineDate before EnabledDate (3 % of competitions), foreign keys to users that do not
// exist, 95 % of Kaggle users without a country, the 2147483647 and 1E-16 sentinels.
package synth
