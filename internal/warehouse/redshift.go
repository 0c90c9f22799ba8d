package warehouse

import (
	"context"
	"fmt"

	"github.com/metalake/metalake/internal/lake"
)

// redshiftManifest is the manifest a Redshift COPY reads: exactly the committed files of one
// lake folder (never a prefix listing, which could catch files of an attempt being swept),
// each with its size, which COPY from Parquet requires (meta.content_length).
type redshiftManifest struct {
	key     string          // lake key of the manifest
	Entries []manifestEntry `json:"entries"`
}

type manifestEntry struct {
	URL       string       `json:"url"`
	Mandatory bool         `json:"mandatory"`
	Meta      manifestMeta `json:"meta"`
}

type manifestMeta struct {
	ContentLength int64 `json:"content_length"`
}

func newRedshiftManifest(key, lakeURI string, t lakeTable) *redshiftManifest {
	m := &redshiftManifest{key: key}
	for _, f := range t.manifest.Files {
		m.Entries = append(m.Entries, manifestEntry{URL: lakeURI + "/" + t.dir + f.Name, Mandatory: true,
			Meta: manifestMeta{ContentLength: f.Bytes}})
	}
	return m
}

// ManifestDir is the lake folder of the Redshift manifests of run date d. It is under gold/
// because the iam module's Redshift role may read gold/ only; query and the catalog skip
// _-prefixed folders. A load removes its manifests when it ends.
func ManifestDir(d lake.Date) string { return fmt.Sprintf("gold/_warehouse/run_date=%s/", d) }

// write puts the manifest into the lake.
func (m *redshiftManifest) write(ctx context.Context, lk *lake.Lake) error {
	if err := lk.PutJSON(ctx, m.key, m); err != nil {
		return fmt.Errorf("write Redshift manifest %s: %w", m.key, err)
	}
	return nil
}
