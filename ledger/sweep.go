package ledger

import (
	"context"
	"slices"
	"time"

	"taizhang/auth"
	"taizhang/forms"
	"taizhang/org"
)

// Sweeper opens rounds: for every published form with scheduled assignments
// and every round that has opened (from the assignment's start), it records
// one owed obligation per responsible unit — once. Run at start (rounds whose
// due time passed while the server was down are settled then) and every
// minute. Responsibility is read when the round is materialized, which is
// what makes the ledger follow the tree: a unit added, moved or given its
// first cadre owes from the next round on; a deactivated one stops owing from
// the next round after.
type Sweeper struct {
	Forms interface {
		ListForms(ctx context.Context, scope auth.Scope) ([]forms.Definition, error)
	}
	// Units returns the whole unit tree.
	Units func(ctx context.Context) ([]org.Unit, error)
	Users org.UserStore
	Store Store
	Now   func() time.Time
}

// round is one period of one form, with the units of the assignments it has.
type round struct {
	period forms.Period
	units  []forms.Assignment
}

// Sweep materializes every round that opened and is not yet recorded, and
// returns how many obligations it wrote.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	units, err := s.Units(ctx)
	if err != nil || len(units) == 0 {
		return 0, err
	}
	defs, err := s.Forms.ListForms(ctx, auth.SystemScope(units[0].Path[0]))
	if err != nil {
		return 0, err
	}
	now, written := s.Now(), 0
	var filers map[string]bool // loaded once, when a round needs it
	for _, d := range defs {
		if d.LatestVersion == 0 || d.Archived || len(d.Assignments) == 0 {
			continue
		}
		done, err := s.Store.Materialized(ctx, d.ID)
		if err != nil {
			return written, err
		}
		for _, r := range rounds(d, now, done) {
			if filers == nil {
				if filers, err = s.filingUnits(ctx, units); err != nil {
					return written, err
				}
			}
			owed := responsible(d.ID, r, units, filers)
			if err := s.Store.Materialize(ctx, d.ID, r.period.Key, owed); err != nil {
				return written, err
			}
			written += len(owed)
		}
	}
	return written, nil
}

// rounds are the opened rounds of a form not yet materialized, with the
// assignments that have them (each unit's first assignment counts).
func rounds(d forms.Definition, now time.Time, done map[string]bool) []round {
	byKey := map[string]*round{}
	var keys []string
	for _, a := range d.Assignments {
		for _, p := range a.Periods(d.CreatedAt, now) {
			if done[p.Key] || p.Start.After(now) {
				continue
			}
			r := byKey[p.Key]
			if r == nil {
				r = &round{period: p}
				byKey[p.Key] = r
				keys = append(keys, p.Key)
			}
			r.units = append(r.units, a)
		}
	}
	out := make([]round, len(keys))
	for i, k := range keys {
		out[i] = *byKey[k]
	}
	return out
}

// filingUnits are the units with at least one active cadre.
func (s *Sweeper) filingUnits(ctx context.Context, units []org.Unit) (map[string]bool, error) {
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = u.ID
	}
	cadres, err := s.Users.WithRole(ctx, auth.SystemScope(units[0].Path[0]), auth.RoleCadre, ids)
	out := map[string]bool{}
	for _, c := range cadres {
		out[c.UnitID] = true
	}
	return out, err
}

// responsible lists the obligations of a round: every active unit an
// assignment covers that existed when the round opened and has a cadre.
func responsible(formID string, r round, units []org.Unit, filers map[string]bool) []Obligation {
	var out []Obligation
	for _, u := range units {
		// A round's start is kept to the second (an assignment's RFC 3339
		// start): a unit created earlier in that same second existed then.
		if !u.Active || !filers[u.ID] || u.CreatedAt.Truncate(time.Second).After(r.period.Start) {
			continue
		}
		if !slices.ContainsFunc(r.units, func(a forms.Assignment) bool { return covers(a, u) }) {
			continue
		}
		out = append(out, Obligation{FormID: formID, Period: r.period.Key, UnitID: u.ID, UnitPath: u.Path,
			DueAt: r.period.Due.UTC(), Owed: true})
	}
	return out
}

func covers(a forms.Assignment, u org.Unit) bool {
	return a.UnitID == u.ID || a.Descendants() && u.IsUnder(a.UnitID)
}
