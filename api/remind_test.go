package api

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/forms"
	"taizhang/org"
	"taizhang/remind"
)

func (lw ledgerWorld) reminders() *remind.Service {
	return &remind.Service{Store: lw.st.remind, Ledger: lw.st.ledger, Forms: lw.st.forms, Versions: lw.versions, Units: lw.tree.All,
		Users: lw.st.org, Notify: lw.st.notifications, Now: func() time.Time { return lw.now }}
}

func (lw ledgerWorld) sweepAt(t *testing.T, at time.Time, svc *remind.Service) int {
	t.Helper()
	lw.world.now = at
	lw.sweep() // the ledger opens rounds first, as the server does every minute
	n, err := svc.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// inbox is what one person's 消息 holds of a kind.
func (lw ledgerWorld) inbox(t *testing.T, who, kind string) []map[string]any {
	t.Helper()
	r := lw.call("GET", "/api/v1/notifications", lw.token(who), nil)
	var out []map[string]any
	for _, x := range r.json(t)["items"].([]any) {
		if n := x.(map[string]any); n["kind"] == kind {
			out = append(out, n)
		}
	}
	return out
}

// TestRemindersBeforeAndAtTheDueTime: a weekly round due Friday 12:00. The
// filers of units that have not filed hear 24 h and 2 h before, once each,
// whoever sweeps; at the due time the supervisors above and the office hear
// which units are missing, once.
func TestRemindersBeforeAndAtTheDueTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		lw := newLedgerWorld(t, open(t))
		svc := lw.reminders()
		if n := lw.sweepAt(t, beijing(12, 10, 11), svc); n != 0 { // 25 h before
			t.Fatalf("%d reminders a day and an hour before", n)
		}
		lw.now = beijing(12, 10, 12)
		lw.fileWeekly("v1", "")
		if n := lw.sweepAt(t, beijing(12, 10, 13), svc); n != 4 { // 23 h before
			t.Fatalf("%d reminders 23 h before, want one for each of t1, v2, v3, d2", n)
		}
		got := lw.inbox(t, "v2", remind.KindReminder)
		if len(got) != 1 || got[0]["formId"] != lw.formID || got[0]["period"] != "2026-W50" || !strings.Contains(str(got[0], "message"), "12月11日 12:00 截止") {
			t.Fatalf("v2's reminder: %v", got)
		}
		if got := lw.inbox(t, "v1", remind.KindReminder); len(got) != 0 {
			t.Fatalf("v1 filed and was reminded: %v", got)
		}
		if n := lw.sweepAt(t, beijing(12, 10, 14), svc); n != 0 {
			t.Fatalf("%d reminders sent again", n)
		}
		if n := lw.sweepAt(t, beijing(12, 10, 14), lw.reminders()); n != 0 { // a restart, or a second instance
			t.Fatalf("%d reminders sent again by another instance", n)
		}
		lw.now = beijing(12, 11, 10)
		lw.fileWeekly("v2", "")
		if n := lw.sweepAt(t, beijing(12, 11, 11), svc); n != 3 { // 1 h before: the 2-hour reminder
			t.Fatalf("%d reminders 1 h before, want one for each of t1, v3, d2", n)
		}
		if n := lw.sweepAt(t, beijing(12, 11, 13), svc); n != 2 { // after the due time
			t.Fatalf("%d escalations, want one for the town's supervisor and one for the office", n)
		}
		sup := lw.inbox(t, "townSup", remind.KindEscalation)
		office := lw.inbox(t, "office", remind.KindEscalation)
		if len(sup) != 1 || !strings.Contains(str(sup[0], "message"), "2 个单位未报送") || len(office) != 1 ||
			!strings.Contains(str(office[0], "message"), "3 个单位未报送") {
			t.Fatalf("escalations: supervisor %v, office %v", sup, office)
		}
		if n := lw.sweepAt(t, beijing(12, 11, 14), lw.reminders()); n != 0 {
			t.Fatalf("%d escalations sent again", n)
		}
		// A server that starts an hour before the next round's due time sends
		// the 2-hour reminder only: the 24-hour one has passed.
		if n := lw.sweepAt(t, beijing(12, 18, 11), lw.reminders()); n != 5 {
			t.Fatalf("%d reminders for W51 an hour before, want one per unit", n)
		}
		if got := lw.inbox(t, "v1", remind.KindReminder); len(got) != 1 || got[0]["period"] != "2026-W51" {
			t.Fatalf("v1's W51 reminders: %v", got)
		}
	})
}

// TestOneInstanceSweepsAtATime: two schedulers on one store; the second
// sends nothing while the first holds the lease, and takes over when the
// first stops renewing it.
func TestOneInstanceSweepsAtATime(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &remind.Scheduler{Service: lw.reminders(), Holder: "a", Every: time.Minute, Log: quiet}
	b := &remind.Scheduler{Service: lw.reminders(), Holder: "b", Every: time.Minute, Log: quiet}
	lw.now = beijing(12, 10, 13)
	lw.sweep()
	if n, err := a.Tick(context.Background()); err != nil || n != 5 {
		t.Fatalf("a: %d %v", n, err)
	}
	lw.now = lw.now.Add(time.Minute)
	if n, err := b.Tick(context.Background()); err != nil || n != 0 {
		t.Fatalf("b while a holds the lease: %d %v", n, err)
	}
	lw.now = beijing(12, 11, 11) // a has been gone for hours: b sweeps, the 2-hour reminders
	if n, err := b.Tick(context.Background()); err != nil || n != 5 {
		t.Fatalf("b after a's lease expired: %d %v", n, err)
	}
	if n, _ := a.Tick(context.Background()); n != 0 {
		t.Fatalf("a came back and swept beside b: %d", n)
	}
}

// TestRemindersAboutEntries: a problem item's author hears 3 days before its
// rectification deadline and when it has passed; a day later the supervisor
// above hears too; an item waiting for 立项 past the review's deadline is the
// supervisor's to hear about. Each once.
func TestRemindersAboutEntries(t *testing.T) {
	w := newWorld(t)
	problemID := w.publishForm(t, forms.Templates(forms.DefaultCampaignEnd)[1])
	cadreUser := w.addUser("13900000501", "v1", false, auth.RoleCadre)
	supUser := w.addUser("13900000502", "t1", false, auth.RoleSupervisor)
	cadre := w.tokenFor(cadreUser)
	problem := forms.TemplateSamples()["problem"]
	problem["measures"] = []any{map[string]any{"measure": "由村会计王某每月5日前在公开栏张贴上月补助发放明细并拍照上传", "deadline": "2026-11-29"}}
	if r := w.call("POST", "/api/v1/forms/"+problemID+"/entries", cadre, map[string]any{"clientId": "problem-0001", "data": problem, "submit": true}); r.status != 201 {
		t.Fatalf("file a problem: %d %s", r.status, r.body)
	}
	svc := &remind.Service{Store: w.st.remind, Ledger: w.st.ledger, Forms: w.st.forms, Versions: w.versions, Units: w.tree.All,
		Users: w.st.org, Notify: w.st.notifications, Now: func() time.Time { return w.now }, Entries: w.entries, People: org.Directory{Users: w.st.org}}
	sweep := func(at time.Time) int {
		t.Helper()
		w.now = at
		n, err := svc.Sweep(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	kinds := func(who org.User) map[string]int {
		out := map[string]int{}
		for _, x := range w.call("GET", "/api/v1/notifications", w.tokenFor(who), nil).json(t)["items"].([]any) {
			n := x.(map[string]any)
			if n["kind"] == remind.KindDeadline || n["kind"] == remind.KindReviewOverdue {
				out[str(n, "kind")]++
				if n["entryId"] == "" {
					t.Errorf("a message about an entry names none: %v", n)
				}
			}
		}
		return out
	}
	if n := sweep(beijing(11, 27, 17)); n != 1 || kinds(cadreUser)[remind.KindDeadline] != 1 {
		t.Fatalf("%d messages two days before the deadline; the author's: %v", n, kinds(cadreUser))
	}
	if n := sweep(beijing(11, 28, 9)); n != 0 {
		t.Fatalf("%d messages sent again", n)
	}
	if n := sweep(beijing(12, 3, 9)); n != 3 {
		t.Fatalf("%d messages after the deadline and the review's, want the author's and two of the supervisor's", n)
	}
	if got := kinds(cadreUser); got[remind.KindDeadline] != 2 {
		t.Fatalf("the author's: %v", got)
	}
	if got := kinds(supUser); got[remind.KindDeadline] != 1 || got[remind.KindReviewOverdue] != 1 {
		t.Fatalf("the supervisor's: %v", got)
	}
	if n := sweep(beijing(12, 3, 10)); n != 0 {
		t.Fatalf("%d messages sent again", n)
	}
}

// TestReminderRulesPerAssignment: an administrator sets an assignment to
// remind two days ahead only and not to escalate; the sweep follows it.
func TestReminderRulesPerAssignment(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	admin := lw.tokenFor(lw.addUser("13900000601", "city", false, auth.RoleAdmin))
	def, err := lw.st.forms.GetForm(context.Background(), auth.SystemScope("unit-city"), lw.formID)
	if err != nil {
		t.Fatal(err)
	}
	a := def.Assignments[0]
	set := func(reminders any) reply {
		return lw.call("PUT", "/api/v1/forms/"+lw.formID+"/assignments", admin, map[string]any{"assignments": []any{map[string]any{
			"unitId": a.UnitID, "start": a.Start, "schedule": a.Schedule, "reminders": reminders}}})
	}
	if r := set(map[string]any{"before": []int{0}, "escalate": true}); r.status != 400 || !strings.Contains(string(r.body), "reminders.before") {
		t.Fatalf("a reminder at the due time itself: %d %s", r.status, r.body)
	}
	if r := set(map[string]any{"before": []int{48}, "escalate": false}); r.status != 200 {
		t.Fatalf("set the rules: %d %s", r.status, r.body)
	}
	svc := lw.reminders()
	if n := lw.sweepAt(t, beijing(12, 9, 13), svc); n != 5 { // 47 h before
		t.Fatalf("%d reminders two days before, want 5", n)
	}
	if n := lw.sweepAt(t, beijing(12, 11, 11), svc); n != 0 { // no 2-hour reminder
		t.Fatalf("%d reminders an hour before", n)
	}
	if n := lw.sweepAt(t, beijing(12, 11, 13), svc); n != 0 { // no escalation
		t.Fatalf("%d escalations", n)
	}
}

// TestOfficeDigest: the morning after a due time the office gets one
// overview of its subtree, once a day.
func TestOfficeDigest(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	lw.now = beijing(12, 10, 12)
	lw.fileWeekly("v1", "")
	svc := lw.reminders()
	if n := lw.sweepAt(t, beijing(12, 12, 9), svc); n != 3 { // the escalations to the town's supervisor and the office, and the digest
		t.Fatalf("%d messages the next morning, want 3", n)
	}
	got := lw.inbox(t, "office", remind.KindDigest)
	if len(got) != 1 || !strings.Contains(str(got[0], "message"), "每日概况（12月12日）") || !strings.Contains(str(got[0], "message"), "4 个单位未报送") {
		t.Fatalf("the office's digest: %v", got)
	}
	if n := lw.sweepAt(t, beijing(12, 12, 10), svc); n != 0 {
		t.Fatalf("%d messages sent again", n)
	}
	if got := lw.inbox(t, "townSup", remind.KindDigest); len(got) != 0 {
		t.Fatalf("a supervisor got the office's digest: %v", got)
	}
}
