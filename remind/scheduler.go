package remind

import (
	"context"
	"log/slog"
	"time"
)

// LeaseName is the lease a sweeping instance holds.
const LeaseName = "reminders"

// Scheduler sweeps every Every on whichever instance holds the lease. The
// lease outlives three sweeps, so a holder that dies hands over within three
// minutes; the sent records keep a handover from sending anything twice.
type Scheduler struct {
	Service *Service
	Holder  string // this instance, e.g. a random id made at start
	Every   time.Duration
	Log     *slog.Logger
}

// Run sweeps every Every until ctx ends, the first time one Every after it
// starts: a server starting (or restarting after a crash) serves its first
// requests before it reads for reminders.
func (s *Scheduler) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Every):
		}
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("sending reminders", "err", err)
		}
	}
}

// Tick takes or renews the lease and, holding it, sweeps; it returns how
// many notifications it sent (0 when another instance holds the lease).
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	now := s.Service.Now()
	held, err := s.Service.Store.Claim(ctx, LeaseName, s.Holder, now, now.Add(3*s.Every))
	if err != nil || !held {
		return 0, err
	}
	n, err := s.Service.Sweep(ctx)
	if n > 0 {
		s.Log.Info("sent reminders", "notifications", n)
	}
	if err != nil {
		return n, err
	}
	_, err = s.Service.Deliver(ctx)
	return n, err
}
