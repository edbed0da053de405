package demo

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"taizhang/attachments"
	"taizhang/auth"
	"taizhang/entries"
	"taizhang/forms"
	"taizhang/ledger"
	"taizhang/org"
)

// DefaultWeeks is how far back the demo's history goes (TAIZHANG_DEMO_WEEKS).
const DefaultWeeks = 8

// Since is when the demo city was set up, about a week before a history of
// weeks begins: its units and people date from then. It is an hour before a
// midnight in Beijing, so that forms published just after that midnight are
// assigned from that day and every round of the history is owed.
func Since(now time.Time, weeks int) time.Time {
	day := now.In(forms.Beijing).AddDate(0, 0, -7*(weeks+1))
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, forms.Beijing).Add(-time.Hour).UTC()
}

// Clock is the time the demo's services see while it files the past.
type Clock struct {
	mu sync.Mutex
	at time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{at: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *Clock) set(t time.Time) {
	c.mu.Lock()
	c.at = t
	c.mu.Unlock()
}

// History files the campaign's past — weekly reports on time, late, missing
// and excused; 办实事 records with photos; problem items in every state, some
// overdue — through the domain services, on a clock it turns, so that a fresh
// `make run` opens onto a ledger with something to see. The same seed files
// the same history; only the dates follow today. It files nothing for the
// printed logins' units in the round open now, so a newcomer can.
type History struct {
	Clock *Clock
	Forms interface {
		ListForms(ctx context.Context, scope auth.Scope) ([]forms.Definition, error)
	}
	Entries     *entries.Service
	Ledger      *ledger.Service
	Sweeper     *ledger.Sweeper
	Attachments attachments.Store
	Tree        *org.TreeCache
	Users       org.UserStore
	Now         time.Time // the present, where the history stops
}

// world is what the history's steps act on.
type world struct {
	*History
	rng        *rand.Rand
	queue      steps
	seq        int
	forms      map[string]forms.Definition // by key
	units      map[string]org.Unit         // by id
	cadres     []person
	reviewers  map[string][]person // by unit id
	office     person
	printed    map[string]bool // units of the printed logins' cadres
	photoSeeds uint64
}

// person is a demo account acting in the history.
type person struct {
	user org.User
	unit org.Unit
}

// scope is what the person may touch. The demo is trusted code acting for its
// own people, as if they had signed in.
func (p person) scope() auth.Scope {
	return auth.Claims{UserID: p.user.ID, UnitID: p.user.UnitID, Roles: p.user.Roles}.Scope()
}

// Write files the history. It expects the demo city and forms just loaded.
func (h *History) Write(ctx context.Context) error {
	w := &world{History: h, rng: rand.New(rand.NewPCG(2026, 1201)), reviewers: map[string][]person{},
		printed: map[string]bool{}, units: map[string]org.Unit{}}
	if err := w.meet(ctx); err != nil {
		return err
	}
	weekly, ok := w.forms["weekly"]
	if !ok || len(weekly.Assignments) == 0 {
		return fmt.Errorf("demo history: the weekly report is not assigned")
	}
	// The history's texts come from a few dozen sentences: checked for
	// signals, nearly every record would be "copied". It is filed unchecked;
	// one deliberate copy at the end shows what a reviewer meets.
	detector := h.Entries.Signals
	h.Entries.Signals = nil
	defer func() { h.Entries.Signals = detector }()
	for _, p := range weekly.Assignments[0].Periods(weekly.CreatedAt, h.Now) {
		w.at(p.Start.Add(time.Minute), func(ctx context.Context) error { _, err := h.Sweeper.Sweep(ctx); return err })
		w.weeklyRound(p)
		w.shishiWeek(p.Start)
	}
	w.problems()
	for w.queue.Len() > 0 {
		s := heap.Pop(&w.queue).(step)
		h.Clock.set(s.at)
		if err := s.do(ctx); err != nil {
			return fmt.Errorf("demo history at %s: %w", s.at.Format(time.DateTime), err)
		}
	}
	h.Clock.set(h.Now)
	h.Entries.Signals = detector
	if err := w.copiedRecord(ctx); err != nil {
		return err
	}
	_, err := h.Sweeper.Sweep(ctx)
	return err
}

// copiedRecord files, with signals checked, one 办实事 record and a copy of
// it — the same photo, the same description — from a village next door: the
// copy carries 照片重复 and 文字雷同 for its reviewer.
func (w *world) copiedRecord(ctx context.Context) error {
	def := w.forms["shishi"]
	var first, second *person
	for i := range w.cadres {
		c := &w.cadres[i]
		if c.unit.Kind != "village" && c.unit.Kind != "community" {
			continue
		}
		switch {
		case first == nil:
			first = c
		case second == nil && c.unit.ParentID == first.unit.ParentID && c.unit.ID != first.unit.ID:
			second = c
		}
	}
	if first == nil || second == nil {
		return nil
	}
	thing := shishiThings[0]
	for i, c := range []*person{first, second} {
		photos, err := w.photos(ctx, *c, 999, 1)
		if err != nil {
			return err
		}
		day := w.Clock.Now().In(forms.Beijing).Format(time.DateOnly)
		data := map[string]any{"category": thing.category, "title": thing.title, "people_served": float64(thing.served),
			"place": c.unit.Name + thing.place, "done_on": day, "description": thing.description, "photos": photos}
		_, _, err = w.Entries.File(ctx, c.scope(), def.ID, entries.FileRequest{ClientID: fmt.Sprintf("demo-copied-%d", i), Data: data, Submit: true})
		if err != nil {
			return fmt.Errorf("%s files the copied record: %w", c.user.Name, err)
		}
	}
	return nil
}

// meet looks up the forms, units and people the history acts with.
func (w *world) meet(ctx context.Context) error {
	units, err := w.Tree.All(ctx)
	if err != nil || len(units) == 0 {
		return fmt.Errorf("demo history: the city: %w", err)
	}
	for _, u := range units {
		w.units[u.ID] = u
	}
	defs, err := w.Forms.ListForms(ctx, auth.SystemScope(units[0].Path[0]))
	if err != nil {
		return err
	}
	w.forms = map[string]forms.Definition{}
	for _, d := range defs {
		w.forms[d.Key] = d
	}
	for i, l := range People() {
		u, err := w.Users.UserByPhone(ctx, l.Phone)
		if err != nil {
			return fmt.Errorf("demo history: %s: %w", l.Phone, err)
		}
		p := person{user: u, unit: w.units[u.UnitID]}
		switch {
		case slices.Contains(u.Roles, auth.RoleCadre):
			w.cadres = append(w.cadres, p)
			w.printed[u.UnitID] = w.printed[u.UnitID] || i < len(logins)
		case slices.Contains(u.Roles, auth.RoleSupervisor):
			w.reviewers[u.UnitID] = append(w.reviewers[u.UnitID], p)
		case l.Phone == "13800000002":
			w.office = p
		}
	}
	return nil
}

// reviewer is the nearest supervisor on the entry's unit path, own unit first.
func (w *world) reviewer(unit org.Unit) (person, bool) {
	for i := len(unit.Path) - 1; i >= 0; i-- {
		if list := w.reviewers[unit.Path[i]]; len(list) > 0 {
			return list[0], true
		}
	}
	return person{}, false
}

// at plans a step; steps at or after the present are left undone.
func (w *world) at(t time.Time, do func(ctx context.Context) error) {
	if !t.Before(w.Now) {
		return
	}
	w.seq++
	heap.Push(&w.queue, step{at: t.UTC().Truncate(time.Millisecond), seq: w.seq, do: do})
}

// between is a random time in [from, to).
func (w *world) between(from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	return from.Add(time.Duration(w.rng.Int64N(int64(to.Sub(from)))))
}

func hours(n int) time.Duration { return time.Duration(n) * time.Hour }

// weeklyRound files one round of weekly reports: most on time, some late
// (补报), some never, a few excused by the office. The units of 西城区 do worse
// — a district the office will want to call.
func (w *world) weeklyRound(p forms.Period) {
	def := w.forms["weekly"]
	due := p.Due.Before(w.Now)
	for _, c := range w.cadres {
		onTime, late, missing := 0.74, 0.12, 0.09
		if w.underName(c.unit, "西城区") {
			onTime, late, missing = 0.55, 0.2, 0.18
		}
		if !due { // the round open now: some have filed, but not the printed logins' units
			if !w.printed[c.unit.ID] && w.rng.Float64() < 0.45 {
				w.fileWeekly(c, def, w.between(p.Start.Add(hours(1)), w.Now), "")
			}
			continue
		}
		switch r := w.rng.Float64(); {
		case r < onTime:
			w.fileWeekly(c, def, w.between(maxTime(p.Start.Add(hours(1)), p.Due.Add(-hours(60))), p.Due.Add(-hours(1))), "")
		case r < onTime+late:
			w.fileWeekly(c, def, w.between(p.Due.Add(hours(2)), p.Due.Add(hours(96))), p.Key)
		case r < onTime+late+missing:
		default:
			reason := exemptReasons[w.rng.IntN(len(exemptReasons))]
			w.at(w.between(p.Due.Add(hours(3)), p.Due.Add(hours(30))), func(ctx context.Context) error {
				_, err := w.Ledger.Exempt(ctx, w.office.scope(), def.ID, p.Key, c.unit.ID, reason)
				return err
			})
		}
	}
}

func (w *world) underName(u org.Unit, name string) bool {
	for _, id := range u.Path {
		if w.units[id].Name == name {
			return true
		}
	}
	return false
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fileWeekly files a cadre's weekly report at t — for period when late — and
// has it reviewed.
func (w *world) fileWeekly(c person, def forms.Definition, t time.Time, period string) {
	data := map[string]any{"progress": w.pick(weeklyProgress), "plan": w.pick(weeklyPlans)}
	if w.rng.IntN(3) == 0 {
		data["problems"] = w.pick(weeklyProblems)
	}
	w.file(c, def, t, period, data, 0.1)
}

// file files an entry at t and plans its review: approved, or returned with a
// comment (returnRate) and filed again, or — in the last days — still waiting.
func (w *world) file(c person, def forms.Definition, t time.Time, period string, data map[string]any, returnRate float64) {
	w.seq++
	clientID := fmt.Sprintf("demo-%s-%06d", def.Key, w.seq)
	returned := w.rng.Float64() < returnRate
	reviewAt := t.Add(hours(3 + w.rng.IntN(40)))
	w.at(t, func(ctx context.Context) error {
		e, _, err := w.Entries.File(ctx, c.scope(), def.ID, entries.FileRequest{ClientID: clientID, Data: data, Submit: true,
			ClientCreatedAt: t, Period: period})
		if err != nil {
			return fmt.Errorf("%s files %s: %w", c.user.Name, def.Key, err)
		}
		reviewer, ok := w.reviewer(c.unit)
		if !ok {
			return nil // nobody above reviews this unit: it waits, and the administrators know
		}
		if !returned {
			w.at(reviewAt, w.act(reviewer, e.ID, "approve", "", nil))
			return nil
		}
		w.at(reviewAt, w.act(reviewer, e.ID, "return", w.pick(returnComments), nil))
		w.at(reviewAt.Add(hours(20)), w.act(c, e.ID, "submit", "", nil))
		w.at(reviewAt.Add(hours(44)), w.act(reviewer, e.ID, "approve", "", nil))
		return nil
	})
}

// act is a step taking an action on an entry at its current revision.
func (w *world) act(p person, entryID, action, comment string, data map[string]any) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		e, _, err := w.Entries.Get(ctx, p.scope(), entryID)
		if err != nil {
			return err
		}
		_, err = w.Entries.Act(ctx, p.scope(), entryID, entries.ActionRequest{Action: action, Comment: comment, Rev: e.Rev, Data: data})
		if err != nil {
			return fmt.Errorf("%s: %s %s: %w", p.user.Name, action, e.Title, err)
		}
		return nil
	}
}

func (w *world) pick(list []string) string { return list[w.rng.IntN(len(list))] }

// shishiWeek files the week's 办实事 records: a handful, across the seven
// categories, each with photos taken on the spot.
func (w *world) shishiWeek(start time.Time) {
	def := w.forms["shishi"]
	for range 4 + w.rng.IntN(5) {
		c := w.cadres[w.rng.IntN(len(w.cadres))]
		t := w.between(start.Add(hours(2)), start.Add(hours(7*24-2)))
		thing := shishiThings[w.rng.IntN(len(shishiThings))]
		done := t.Add(-hours(24 * w.rng.IntN(3))).In(forms.Beijing).Format(time.DateOnly)
		w.photoSeeds++
		seed, n := w.photoSeeds, 1+w.rng.IntN(3)
		lat, lng := 30.55+w.rng.Float64()*0.1, 114.25+w.rng.Float64()*0.1
		served := float64(thing.served/2 + w.rng.IntN(thing.served))
		w.at(t.Add(-time.Minute), func(ctx context.Context) error {
			photos, err := w.photos(ctx, c, seed, n)
			if err != nil {
				return err
			}
			data := map[string]any{"category": thing.category, "title": thing.title, "people_served": served,
				"place": c.unit.Name + thing.place, "location": map[string]any{"lat": lat, "lng": lng, "accuracy": 15.0},
				"done_on": done, "description": thing.description, "photos": photos}
			w.file(c, def, t, "", data, 0.06)
			return nil
		})
	}
}

// photos uploads n photos of a record as the cadre would from the phone.
func (w *world) photos(ctx context.Context, c person, seed uint64, n int) ([]any, error) {
	var ids []any
	for i := range n {
		a, err := attachments.Receive(ctx, w.Attachments, c.scope(), c.unit.Path, bytes.NewReader(Photo(seed*10+uint64(i))),
			attachments.DefaultMaxBytes, w.Clock.Now())
		if err != nil {
			return nil, fmt.Errorf("demo photo: %w", err)
		}
		ids = append(ids, a.ID)
	}
	return ids, nil
}

// step is one thing done at one time in the history.
type step struct {
	at  time.Time
	seq int
	do  func(ctx context.Context) error
}

// steps run in time order (and in the order planned, at one time).
type steps []step

func (s steps) Len() int { return len(s) }
func (s steps) Less(i, j int) bool {
	return s[i].at.Before(s[j].at) || s[i].at.Equal(s[j].at) && s[i].seq < s[j].seq
}
func (s steps) Swap(i, j int) { s[i], s[j] = s[j], s[i] }
func (s *steps) Push(x any)   { *s = append(*s, x.(step)) }
func (s *steps) Pop() any {
	old := *s
	x := old[len(old)-1]
	*s = old[:len(old)-1]
	return x
}
