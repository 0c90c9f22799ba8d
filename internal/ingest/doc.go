// Package ingest copies a Meta Kaggle download folder into the lake's raw partitions: the
// upload step behind `metalake ingest --lake L --date D --from DIR`.
//
// Each recognised CSV is streamed, unchanged, to
//
//	raw/{table}/ingestion_date={date}/{table}.csv
//
// and then described by a manifest next to it,
//
//	raw/{table}/ingestion_date={date}/_manifest.json
//
// holding the table, the ingestion date, the source file name, the size and the SHA-256 of the
// bytes stored. The manifest is written after the CSV and removed before a re-ingest replaces
// the CSV, so a partition with a manifest is always complete and the manifest describes exactly
// the CSV beside it; a crash can leave a CSV without a manifest, never a manifest that lies.
//
// Two layouts are accepted. The Kaggle layout is the real Meta Kaggle export, where dataset
// titles live in DatasetVersions.csv and tags are linked through DatasetTags.csv. The plan
// layout (synthetic data) puts a Title column in Datasets.csv and needs neither file. The
// layout is decided from the header line of the datasets file alone.
package ingest
