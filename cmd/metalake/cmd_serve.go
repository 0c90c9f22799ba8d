package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/notify"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/schedule"
	"github.com/metalake/metalake/internal/serve"
)

// serveFlags are serve's own flags.
type serveFlags struct {
	cron, tz, start, httpAddr, reportURL string
	offset                               int
	noSchedule                           bool
}

func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := a.flags("serve", `serve --lake L [--schedule "0 2 * * *"] [--tz Asia/Bangkok] [--offset 1] [--start D] [--raw-wait 6h] [--http 127.0.0.1:8080 [--no-schedule]] [--report-url URL]`)
	var f serveFlags
	fs.StringVar(&f.cron, "schedule", "", "cron expression (default from metalake.yaml, else 0 2 * * *)")
	fs.StringVar(&f.tz, "tz", "", "time zone of the schedule (default Asia/Bangkok)")
	fs.IntVar(&f.offset, "offset", -1, "days between a fire's local date and the run date it processes (default 1, Airflow's ds)")
	fs.StringVar(&f.start, "start", "", "catch up missed run dates since this date (YYYY-MM-DD)")
	rawWait := fs.Duration("raw-wait", 0, "how long a fired run waits for late raw data (default 6h)")
	fs.StringVar(&f.httpAddr, "http", "", "also serve the read-only dashboard, reports and /metrics on this address (a bare port binds 127.0.0.1; another host needs "+serve.TokenEnv+")")
	fs.BoolVar(&f.noSchedule, "no-schedule", false, "serve only the dashboard (--http), without the scheduler: nothing is written into the lake")
	a.engineFlag(fs)
	fs.StringVar(&f.reportURL, "report-url", "", "address of a date's report in notifications, with %s for the date (default: the --http address's /report/%s)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *rawWait > 0 {
		a.cfg.Schedule.RawWait = *rawWait
	}
	token := os.Getenv(serve.TokenEnv)
	addr := ""
	if f.httpAddr != "" {
		var err error
		if addr, err = serve.CheckAddress(f.httpAddr, token); err != nil {
			return usagef("serve: %v", err)
		}
	} else if f.noSchedule {
		return usagef("serve: --no-schedule serves only the dashboard: give --http ADDRESS")
	}
	if f.noSchedule {
		return serveDashboard(ctx, a, addr, token)
	}
	return serveScheduled(ctx, a, f, addr, token)
}

// serveDashboard serves the HTTP side alone: the lake is opened read-only, as the other
// read-only commands open it.
func serveDashboard(ctx context.Context, a *app, addr, token string) error {
	lk, err := a.openExistingLake(ctx)
	if err != nil {
		return err
	}
	eng, err := a.openEngine(ctx)
	if err != nil {
		return err
	}
	h := serve.NewHTTP(lk, eng, token, a.log)
	return h.Serve(ctx, addr, func(at string) {
		fmt.Fprintf(a.stdout, "serving %s read-only on http://%s/ (no scheduler)\n", lk.B.Name(), at)
	})
}

// serveScheduled runs the scheduler loop and, with --http, the HTTP side beside it; either
// failing stops both.
func serveScheduled(ctx context.Context, a *app, f serveFlags, addr, token string) error {
	spec := a.cfg.Schedule.Spec
	if f.cron != "" {
		spec.Cron = f.cron
	}
	if f.tz != "" {
		spec.TZ = f.tz
	}
	if f.offset >= 0 {
		spec.Offset = f.offset
	}
	if f.start != "" {
		spec.Start = f.start
	}
	sched, err := schedule.New(spec)
	if err != nil {
		return usagef("serve: %v", err)
	}
	r, err := a.runner(ctx, false)
	if err != nil {
		return err
	}
	reportURL := f.reportURL
	if reportURL == "" && addr != "" {
		reportURL = "http://" + addr + "/report/%s"
	}
	if r.Notifier, err = notify.New(a.cfg.Notify, os.Getenv, a.log, notify.WithReport(a.reportFunc(r), reportURL)); err != nil {
		return usagef("notify: %v", err)
	}
	loop := a.scheduleLoop(r, sched)
	fmt.Fprintf(a.stdout, "serving %s: %q in %s, run date = fire date - %d day(s)\n", r.Lake.B.Name(), spec.Cron, spec.TZ, spec.Offset)
	if addr == "" {
		return loop.Serve(ctx)
	}
	// The HTTP side gets an engine of its own whose work directory is outside the lake: it
	// writes nothing there, even while the scheduler's runs do.
	eng, err := engine.Open(ctx, engine.Options{Threads: a.cfg.Engine.Threads, MemoryLimit: a.cfg.Engine.MemoryLimit,
		WorkDir: filepath.Join(os.TempDir(), "metalake-work"), Log: a.log})
	if err != nil {
		return err
	}
	defer eng.Close()
	h := serve.NewHTTP(r.Lake, eng, token, a.log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	httpDone := make(chan error, 1)
	go func() {
		err := h.Serve(ctx, addr, func(at string) { fmt.Fprintf(a.stdout, "dashboard on http://%s/ (read-only)\n", at) })
		cancel() // a failed listener stops the scheduler too
		httpDone <- err
	}()
	loopErr := loop.Serve(ctx)
	cancel()
	return errors.Join(loopErr, <-httpDone)
}

// reportFunc renders a date's HTML report for notifications (attached to e-mails).
func (a *app) reportFunc(r *pipeline.Runner) notify.ReportFunc {
	return func(ctx context.Context, date string) ([]byte, error) {
		d, err := lake.ParseDate(date)
		if err != nil {
			return nil, err
		}
		return renderReport(ctx, r.Lake, r.Local, d, "")
	}
}

// scheduleLoop wires the scheduler loop to the runner.
func (a *app) scheduleLoop(r *pipeline.Runner, sched *schedule.Schedule) *serve.Loop {
	notifier := r.Notifier
	return &serve.Loop{
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
}
