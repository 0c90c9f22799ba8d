// Package lake owns the lake's layout and its commit protocol.
//
// Layout (SPEC §2): raw/{table}/ingestion_date=D/{table}.csv, {layer}/{table}/run_date=D/
// part-*.parquet, bronze/_rejects/{table}/run_date=D/, {layer}/_reports/run_date=D/, and
// metalake's bookkeeping under the "_"-prefixed folders.
//
// Commit protocol: a partition is a folder of data files plus a manifest (_manifest.json)
// naming exactly the files that make up its current version. Publishing uploads data files
// under names unique to the attempt, then writes the manifest (one atomic object write: the
// commit point), then deletes every other file in the folder. metalake's readers read only
// the files a manifest lists, so they never see half a partition, and a crash before the
// manifest write leaves the previous version intact; its orphan files are swept by the next
// publish or withdrawal of that partition. Nothing here needs rename, so the protocol holds on
// S3 as on a local directory.
package lake
