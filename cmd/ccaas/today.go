package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/report"
	"github.com/ccaas/ccaas/sqlite"
)

// seedToday gives the supervisors' team view the day's figures so far when
// ccaas starts during the day. Call it before the ARI events connect.
func seedToday(ctx context.Context, db *sqlite.DB, a *app.App, now time.Time) error {
	day, figures, err := todayFigures(ctx, db, now)
	if err != nil {
		return err
	}
	for t, f := range figures {
		if err := a.SeedDay(t, day, f); err != nil {
			return err
		}
	}
	return nil
}

// todayFigures are every tenant's queue figures of now's local day so far:
// the same figures as the day's report.
func todayFigures(ctx context.Context, db *sqlite.DB, now time.Time) (string, map[ccaas.TenantID]map[ccaas.QueueID]app.DayFigures, error) {
	day := now.Local().Format(time.DateOnly)
	period, err := report.ParsePeriod(day, day, report.Day, time.Local)
	if err != nil {
		return "", nil, err
	}
	tenants, err := db.Tenants(ctx)
	if err != nil {
		return "", nil, err
	}
	out := make(map[ccaas.TenantID]map[ccaas.QueueID]app.DayFigures)
	for _, t := range tenants {
		cfg, err := db.TenantConfig(ctx, t.ID)
		if err != nil {
			return "", nil, err
		}
		r, err := report.For(ctx, db, cfg, period, now)
		if err != nil {
			return "", nil, fmt.Errorf("today's figures: %w", err)
		}
		figures := make(map[ccaas.QueueID]app.DayFigures)
		for _, q := range r.Queues {
			if q.Total {
				figures[q.Queue] = app.DayFigures{Offered: q.Offered, Answered: q.Answered, Abandoned: q.Abandoned,
					InServiceLevel: q.InService, Handled: q.Talk + q.Hold + q.Wrapup}
			}
		}
		out[t.ID] = figures
	}
	return day, out, nil
}
