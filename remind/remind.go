package remind

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/forms"
	"taizhang/ids"
	"taizhang/ledger"
	"taizhang/notify"
	"taizhang/org"
	"taizhang/reports"
)

// Kinds of notification a sweep sends.
const (
	KindReminder   = "reminder"   // to the filers of a unit that has not filed, before the due time
	KindEscalation = "escalation" // to the supervisors above and the office, at the due time
)

// EscalateWithin is how long after a due time a missed round is still
// escalated: a server down for longer does not wake people about old rounds
// when it starts. When filers are reminded is the assignment's
// (forms.Reminders; by default 24 h and 2 h before).
var EscalateWithin = 24 * time.Hour

// Service decides and sends reminders from the obligation ledger.
type Service struct {
	Store  Store
	Ledger ledger.Store
	Forms  interface {
		ListForms(ctx context.Context, scope auth.Scope) ([]forms.Definition, error)
	}
	Versions interface {
		GetVersion(ctx context.Context, formID string, version int) (forms.Version, error)
	}
	Units  func(ctx context.Context) ([]org.Unit, error) // the whole tree, root first
	Users  org.UserStore
	Notify notify.Store
	Now    func() time.Time
	// Entries and People, when set, add the rules about single entries
	// (rectification deadlines, reviews overdue).
	Entries *entries.Service
	People  People
	// Before, when set, replaces the default reminder times (longest
	// first) of assignments that set none.
	Before []time.Duration
	// Channels carry every reminder off the app too, after Quiet hours.
	Channels []Channel
	Quiet    QuietHours
	// Observe counts deliveries by channel and outcome (sent, retry, failed).
	Observe func(channel, outcome string)
}

// message is one notification to be sent, under the key that makes it once;
// or, with robot set, a message for that unit's group robots.
type message struct {
	key   string
	n     notify.Notification
	robot string
}

// Sweep sends what is due now: for each published form's rounds due within
// the longest reminder time, a reminder to the filers of every unit that has
// not filed (the nearest reminder time passed only: a server that starts an
// hour before the due time sends the 2-hour reminder, not both); for rounds
// whose due time passed within EscalateWithin, one escalation per recipient
// listing the missing units. It returns how many notifications it sent.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	units, err := s.Units(ctx)
	if err != nil || len(units) == 0 {
		return 0, err
	}
	tree := newTree(units)
	scope := auth.SystemScope(units[0].ID)
	defs, err := s.Forms.ListForms(ctx, scope)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	var out []message
	for _, d := range defs {
		msgs, err := s.form(ctx, scope, tree, d, now)
		if err != nil {
			return 0, err
		}
		out = append(out, msgs...)
	}
	msgs, err := s.entryRules(ctx, scope, tree, now)
	if err != nil {
		return 0, err
	}
	out = append(out, msgs...)
	if msgs, err = s.digest(ctx, scope, tree, defs, now); err != nil {
		return 0, err
	}
	return s.send(ctx, append(out, msgs...), now)
}

// form decides the messages of one form's rounds near their due time,
// assignment by assignment: each has its own reminder rules.
func (s *Service) form(ctx context.Context, scope auth.Scope, tree tree, d forms.Definition, now time.Time) ([]message, error) {
	if d.LatestVersion == 0 || d.Archived || len(d.Assignments) == 0 {
		return nil, nil
	}
	var out []message
	var title string
	for _, a := range d.Assignments {
		before, escalate := s.rules(a)
		ahead := time.Duration(0)
		if len(before) > 0 {
			ahead = before[0]
		}
		keys := dueIn(nil, a, d.CreatedAt, now.Add(-EscalateWithin), now.Add(ahead))
		if len(keys) == 0 {
			continue
		}
		if title == "" {
			v, err := s.Versions.GetVersion(ctx, d.ID, d.LatestVersion)
			if err != nil {
				return nil, err
			}
			title = v.Schema.Title
		}
		list, err := s.Ledger.Obligations(ctx, scope, ledger.ObligationQuery{FormID: d.ID, Periods: keys, UnitID: a.UnitID, OwnOnly: !a.Descendants()})
		if err != nil {
			return nil, err
		}
		byRound := map[string][]ledger.Obligation{}
		for _, o := range list {
			if o.Owed {
				byRound[o.Period] = append(byRound[o.Period], o)
			}
		}
		for _, key := range keys {
			round := byRound[key]
			if len(round) == 0 {
				continue
			}
			r := roundInfo{form: d.ID, title: title, period: key, due: round[0].DueAt}
			var msgs []message
			switch {
			case now.Before(r.due):
				msgs, err = s.remind(ctx, scope, tree, r, round, now, before)
			case escalate:
				msgs, err = s.escalate(ctx, scope, tree, r, round, now)
			}
			if err != nil {
				return nil, err
			}
			out = append(out, msgs...)
		}
	}
	return out, nil
}

// dueIn adds to keys the assignment's rounds due after from and by to.
func dueIn(keys []string, a forms.Assignment, created, from, to time.Time) []string {
	for _, p := range a.Periods(created, to) {
		if p.Due.After(from) && !p.Due.After(to) && !slices.Contains(keys, p.Key) {
			keys = append(keys, p.Key)
		}
	}
	return keys
}

// rules are an assignment's reminder times (longest first) and whether it
// escalates; Service.Before, when set, replaces the default times.
func (s *Service) rules(a forms.Assignment) ([]time.Duration, bool) {
	r := a.ReminderRules()
	if a.Reminders == nil && len(s.Before) > 0 {
		return s.Before, r.Escalate
	}
	before := make([]time.Duration, 0, len(r.Before))
	for _, h := range r.Before {
		before = append(before, time.Duration(h)*time.Hour)
	}
	slices.SortFunc(before, func(x, y time.Duration) int { return int(y - x) })
	return before, r.Escalate
}

// roundInfo names a round in messages.
type roundInfo struct {
	form, title, period string
	due                 time.Time
}

func (r roundInfo) name() string {
	return fmt.Sprintf("%s（%s）", r.title, reports.PeriodLabel(r.period))
}

func (r roundInfo) dueText() string { return r.due.In(forms.Beijing).Format("1月2日 15:04") }

// remind tells the filers of each unit that has not filed, once per reminder
// time: the nearest one that has passed.
func (s *Service) remind(ctx context.Context, scope auth.Scope, tree tree, r roundInfo, round []ledger.Obligation, now time.Time, before []time.Duration) ([]message, error) {
	step := time.Duration(0)
	for _, b := range before {
		if !r.due.After(now.Add(b)) {
			step = b // the smallest that has passed: before is longest first
		}
	}
	if step == 0 || len(before) == 0 {
		return nil, nil
	}
	var owing []string
	for _, o := range round {
		if o.Status(now) == ledger.Pending {
			owing = append(owing, o.UnitID)
		}
	}
	if len(owing) == 0 {
		return nil, nil
	}
	filers, err := s.Users.WithRole(ctx, scope, auth.RoleCadre, owing)
	if err != nil {
		return nil, err
	}
	out := make([]message, 0, len(filers))
	for _, u := range filers {
		text := fmt.Sprintf("%s将于 %s 截止，%s尚未报送，请及时填报。", r.name(), r.dueText(), tree.names[u.UnitID])
		out = append(out, message{key: strings.Join([]string{KindReminder, u.ID, r.form, r.period, step.String()}, "|"),
			n: notify.Notification{UserID: u.ID, Kind: KindReminder, Message: text, FormID: r.form, UnitID: u.UnitID, Period: r.period}})
	}
	return out, nil
}

// escalate tells, once per round, the supervisors of the nearest unit above
// each missing unit, and the office users above it, which units have not filed.
func (s *Service) escalate(ctx context.Context, scope auth.Scope, tree tree, r roundInfo, round []ledger.Obligation, now time.Time) ([]message, error) {
	var missing []ledger.Obligation
	for _, o := range round {
		if o.Status(now) == ledger.Missing {
			missing = append(missing, o)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	above := map[string]bool{}
	for _, o := range missing {
		for _, id := range o.UnitPath[:len(o.UnitPath)-1] {
			above[id] = true
		}
	}
	var aboveIDs []string
	for id := range above {
		aboveIDs = append(aboveIDs, id)
	}
	supervisors, err := s.Users.WithRole(ctx, scope, auth.RoleSupervisor, aboveIDs)
	if err != nil {
		return nil, err
	}
	office, err := s.Users.WithRole(ctx, scope, auth.RoleOffice, aboveIDs)
	if err != nil {
		return nil, err
	}
	told := map[string][]string{} // recipient → the missing units they hear of
	recipients := map[string]org.User{}
	for _, o := range missing {
		for _, u := range nearestAbove(o.UnitPath, supervisors) {
			told[u.ID], recipients[u.ID] = append(told[u.ID], o.UnitID), u
		}
		for _, u := range office {
			if slices.Contains(o.UnitPath[:len(o.UnitPath)-1], u.UnitID) {
				told[u.ID], recipients[u.ID] = append(told[u.ID], o.UnitID), u
			}
		}
	}
	out, err := s.robotMessages(ctx, r, missing, aboveIDs, tree)
	if err != nil {
		return nil, err
	}
	for id, unitIDs := range told {
		u := recipients[id]
		text := fmt.Sprintf("%s已于 %s 截止，%d 个单位未报送：%s。", r.name(), r.dueText(), len(unitIDs), tree.list(unitIDs, 10))
		out = append(out, message{key: strings.Join([]string{KindEscalation, id, r.form, r.period}, "|"),
			n: notify.Notification{UserID: id, Kind: KindEscalation, Message: text, FormID: r.form, UnitID: u.UnitID, Period: r.period}})
	}
	slices.SortFunc(out, func(a, b message) int { return strings.Compare(a.key, b.key) })
	return out, nil
}

// robotMessages tell the group robot of the nearest unit above each missing
// unit that has one which of its units have not filed.
func (s *Service) robotMessages(ctx context.Context, r roundInfo, missing []ledger.Obligation, aboveIDs []string, tree tree) ([]message, error) {
	robots, err := s.Store.UnitRobots(ctx, aboveIDs)
	if err != nil || len(robots) == 0 {
		return nil, err
	}
	byUnit := map[string][]string{}
	for _, o := range missing {
		for i := len(o.UnitPath) - 2; i >= 0; i-- {
			if len(robots[o.UnitPath[i]]) > 0 {
				byUnit[o.UnitPath[i]] = append(byUnit[o.UnitPath[i]], o.UnitID)
				break
			}
		}
	}
	var out []message
	for unit, unitIDs := range byUnit {
		text := fmt.Sprintf("%s已于 %s 截止，%d 个单位未报送：%s。", r.name(), r.dueText(), len(unitIDs), tree.list(unitIDs, 20))
		out = append(out, message{key: strings.Join([]string{"robot", unit, r.form, r.period}, "|"), robot: unit,
			n: notify.Notification{Kind: KindEscalation, Message: text, FormID: r.form, UnitID: unit, Period: r.period}})
	}
	return out, nil
}

// nearestAbove returns the supervisors of the nearest unit above the last
// one on path that has any.
func nearestAbove(path []string, supervisors []org.User) []org.User {
	for i := len(path) - 2; i >= 0; i-- {
		var found []org.User
		for _, u := range supervisors {
			if u.UnitID == path[i] {
				found = append(found, u)
			}
		}
		if len(found) > 0 {
			return found
		}
	}
	return nil
}

// send records the messages' keys and sends only those recorded now: a key
// recorded before (by this instance before a restart, or by another) was
// sent then. Recording first means a crash between the two loses a
// reminder rather than sending one twice.
func (s *Service) send(ctx context.Context, msgs []message, now time.Time) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	keys := make([]string, len(msgs))
	for i, m := range msgs {
		keys[i] = m.key
	}
	fresh, err := s.Store.Record(ctx, keys, now)
	if err != nil {
		return 0, err
	}
	isFresh := make(map[string]bool, len(fresh))
	for _, k := range fresh {
		isFresh[k] = true
	}
	var list, robots []notify.Notification
	for _, m := range msgs {
		if !isFresh[m.key] {
			continue
		}
		m.n.ID, m.n.CreatedAt = ids.New(now), now.UTC().Truncate(time.Millisecond)
		if m.robot != "" {
			robots = append(robots, m.n)
		} else {
			list = append(list, m.n)
		}
	}
	if len(list) > 0 {
		if err := s.Notify.InsertNotifications(ctx, list); err != nil {
			return 0, err
		}
	}
	if err := s.enqueue(ctx, list, robots, now); err != nil {
		return 0, err
	}
	return len(list) + len(robots), nil
}

// tree names units.
type tree struct {
	root  string
	names map[string]string
}

func newTree(units []org.Unit) tree {
	t := tree{root: units[0].ID, names: map[string]string{}}
	for _, u := range units {
		t.names[u.ID] = u.Name
	}
	return t
}

// list names up to n units, then how many more.
func (t tree) list(ids []string, n int) string {
	names := make([]string, 0, min(len(ids), n))
	for _, id := range ids[:min(len(ids), n)] {
		names = append(names, t.names[id])
	}
	text := strings.Join(names, "、")
	if len(ids) > n {
		text += fmt.Sprintf("等 %d 个单位", len(ids))
	}
	return text
}
