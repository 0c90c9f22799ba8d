package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/notify"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/schedule"
	"github.com/metalake/metalake/internal/serve"
)

func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := a.flags("serve", `serve --lake L [--schedule "0 2 * * *"] [--tz Asia/Bangkok] [--offset 1] [--start D] [--raw-wait 6h]`)
	cron := fs.String("schedule", "", "cron expression (default from metalake.yaml, else 0 2 * * *)")
	tz := fs.String("tz", "", "time zone of the schedule (default Asia/Bangkok)")
	offset := fs.Int("offset", -1, "days between a fire's local date and the run date it processes (default 1, Airflow's ds)")
	start := fs.String("start", "", "catch up missed run dates since this date (YYYY-MM-DD)")
	rawWait := fs.Duration("raw-wait", 0, "how long a fired run waits for late raw data (default 6h)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	spec := a.cfg.Schedule.Spec
	if *cron != "" {
		spec.Cron = *cron
	}
	if *tz != "" {
		spec.TZ = *tz
	}
	if *offset >= 0 {
		spec.Offset = *offset
	}
	if *start != "" {
		spec.Start = *start
	}
	if *rawWait > 0 {
		a.cfg.Schedule.RawWait = *rawWait
	}
	sched, err := schedule.New(spec)
	if err != nil {
		return usagef("serve: %v", err)
	}
	r, err := a.runner(ctx, false)
	if err != nil {
		return err
	}
	notifier := r.Notifier
	loop := &serve.Loop{
		Schedule: sched,
		RawWait:  a.cfg.Schedule.RawWait,
		RawPoll:  a.cfg.Schedule.RawPoll,
		Log:      a.log,
		Done: func(ctx context.Context, d string) (bool, error) {
			date, err := lake.ParseDate(d)
			if err != nil {
				return false, err
			}
			st, ok, err := pipeline.LoadState(ctx, r.Lake, date)
			return ok && st.Status == pipeline.StatusSuccess, err
		},
		RawReady: func(ctx context.Context, d string) (bool, error) {
			date, err := lake.ParseDate(d)
			if err != nil {
				return false, err
			}
			err = pipeline.CheckRawFiles(ctx, r.Lake, r.Contracts, date)
			var missing *pipeline.MissingRawError
			if errors.As(err, &missing) {
				return false, nil
			}
			return err == nil, err
		},
		Run: func(ctx context.Context, d string) error {
			date, err := lake.ParseDate(d)
			if err != nil {
				return err
			}
			return a.withLakeLock(ctx, r.Lake, d, func(ctx context.Context) error {
				st, err := r.Run(ctx, date, pipeline.Options{})
				printRunSummary(a, st)
				if errors.Is(err, pipeline.ErrAlreadySucceeded) {
					return nil
				}
				return err
			})
		},
		Fail: func(ctx context.Context, d string, err error) {
			// Late raw data never reaches the pipeline's own notify step: tell people here.
			if !errors.Is(err, serve.ErrRawLate) {
				return
			}
			msg := notify.Message{Subject: fmt.Sprintf("metalake %s: FAILED (raw data late)", d), Text: err.Error(), Failed: true}
			if nerr := notifier.Notify(context.WithoutCancel(ctx), msg); nerr != nil {
				a.log.Error("notify", "run_date", d, "err", nerr)
			}
		},
	}
	fmt.Fprintf(a.stdout, "serving %s: %q in %s, run date = fire date - %d day(s)\n", r.Lake.B.Name(), spec.Cron, spec.TZ, spec.Offset)
	return loop.Serve(ctx)
}
