package main

import (
	"context"
	"fmt"

	"github.com/metalake/metalake/internal/ingest"
)

func cmdIngest(ctx context.Context, a *app, args []string) error {
	fs := a.flags("ingest", "ingest --lake L --date D --from DIR|FILE.zip")
	date := fs.String("date", "", "ingestion date (YYYY-MM-DD)")
	from := fs.String("from", "", "folder or .zip of a Meta Kaggle download (Users.csv, Datasets.csv, … each as .csv or .csv.gz)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if _, err := parseDateFlag("date", *date); err != nil {
		return err
	}
	if *from == "" {
		return usagef("ingest: --from is required")
	}
	lk, err := a.openLake()
	if err != nil {
		return err
	}
	var res ingest.Result
	err = a.withLakeLock(ctx, lk, *date, func(ctx context.Context) error {
		res, err = ingest.Ingest(ctx, lk.B, *date, *from)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "ingested %s (%s layout)\n", *date, res.Layout)
	for _, t := range res.Tables {
		fmt.Fprintf(a.stdout, "  %-17s %12d bytes  sha256 %s\n", t.Table, t.Bytes, t.SHA256)
	}
	for _, n := range res.Ignored {
		fmt.Fprintf(a.stdout, "  ignored %s\n", n)
	}
	return nil
}
