// Package ingest copies a Meta Kaggle download into the lake's raw partitions: the upload step
// behind `metalake ingest --lake L --date D --from DIR|FILE.zip`.
//
// The download is a folder or a .zip archive (Kaggle's meta-kaggle.zip; its tables at the root
// or in one wrapping folder). Each table is NAME.csv or a gzip-compressed NAME.csv.gz; naming
// one table twice (Users.csv and Users.csv.gz) is an error, and other entries are listed as
// ignored. Archive member names are matched, never used as paths: an archive naming a member
// outside itself ("../x", "/x") is refused. Each recognised CSV is streamed — decompressed on
// the fly, never held in memory — to
//
//	raw/{table}/ingestion_date={date}/{table}.csv
//
// and then described by a manifest next to it,
//
//	raw/{table}/ingestion_date={date}/_manifest.json
//
// holding the table, the ingestion date, the source file name (and archive, and compression),
// the size and the SHA-256 of the bytes stored: the plain CSV text whatever the packaging, as
// the rest of the pipeline reads raw/ as plain CSV. The manifest is written after the CSV and
// removed before a re-ingest replaces the CSV, so a partition with a manifest is always
// complete and the manifest describes exactly the CSV beside it; a crash, or a corrupt .gz or
// zip member found mid-stream, can leave a CSV without a manifest, never a manifest that lies.
//
// Two layouts are accepted. The Kaggle layout is the real Meta Kaggle export, where dataset
// titles live in DatasetVersions.csv and tags are linked through DatasetTags.csv. The plan
// layout (synthetic data) puts a Title column in Datasets.csv and needs neither file. The
// layout is decided from the header line of the datasets file alone.
package ingest
