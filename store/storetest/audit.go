package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/notify"
)

func runAudit(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("ChainUnderConcurrency", func(t *testing.T) {
		t.Parallel()
		testAuditChain(t, open(t))
	})
	t.Run("ListIsScoped", func(t *testing.T) {
		t.Parallel()
		testAuditList(t, open(t))
	})
	t.Run("EntryStepsWriteTheirEffects", func(t *testing.T) {
		t.Parallel()
		testEntryEffects(t, open(t))
	})
	t.Run("EntryStepsAndEffectsAreAtomic", func(t *testing.T) {
		t.Parallel()
		testEffectsAtomic(t, open(t))
	})
	t.Run("NotificationsAreOwn", func(t *testing.T) {
		t.Parallel()
		testNotifications(t, open(t))
	})
}

func testAuditChain(t *testing.T, h Harness) {
	ctx := context.Background()
	log := &audit.Log{Store: h.Audit, Now: func() time.Time { return epoch }}
	if err := log.Record(ctx, "u1", "login", pathV1, "u1", map[string]any{"ip": "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := log.Record(ctx, fmt.Sprintf("u%d", i), "entry.submit", pathT1, "e1", nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	rep, err := audit.Verify(ctx, h.Audit, h.AuditKey)
	if err != nil || rep.Records != 11 || rep.Unkeyed != 0 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	head, err := h.Audit.Head(ctx)
	if err != nil || head.Seq != 11 || !head.Keyed() {
		t.Fatalf("head: %+v %v", head, err)
	}
	cp := audit.NewCheckpoint(h.AuditKey, head, epoch)
	if _, err := audit.Verify(ctx, h.Audit, h.AuditKey, cp); err != nil {
		t.Fatalf("verify against its own checkpoint: %v", err)
	}
	if _, err := audit.Verify(ctx, h.Audit, []byte("another-key-another-key-another-key")); err == nil {
		t.Fatal("a chain verified under another key")
	}
}

func testAuditList(t *testing.T, h Harness) {
	ctx := context.Background()
	for i, path := range [][]string{pathV1, pathD2, pathT1, pathCity} {
		r := audit.Record{At: epoch.Add(time.Duration(i) * time.Minute), ActorID: "u", Action: []string{"login", "login", "user.update", "form.publish"}[i],
			UnitPath: path, Target: fmt.Sprint(i)}
		if _, err := h.Audit.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	targets := func(scope auth.Scope, q audit.Query) []string {
		q.Limit = 10
		list, err := h.Audit.List(ctx, scope, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, r := range list {
			out = append(out, r.Target)
		}
		return out
	}
	assertIDs(t, targets(scopeOf(t, "d1"), audit.Query{}), "2", "0")
	assertIDs(t, targets(scopeOf(t, "city"), audit.Query{Action: "login"}), "1", "0")
	assertIDs(t, targets(scopeOf(t, "city"), audit.Query{From: epoch.Add(time.Minute), To: epoch.Add(3 * time.Minute)}), "2", "1")
	assertIDs(t, targets(scopeOf(t, "city"), audit.Query{BeforeSeq: 3}), "1", "0")
	assertIDs(t, targets(auth.Scope{}, audit.Query{}))
}

func testNotifications(t *testing.T, h Harness) {
	ctx := context.Background()
	me := auth.ScopeForTest(t, "v1", "me", auth.RoleCadre)
	list := []notify.Notification{
		{ID: "n1", UserID: "me", EntryID: "e1", Kind: "return", Message: "退回", CreatedAt: epoch},
		{ID: "n2", UserID: "me", Kind: "reminder", Message: "周报将截止", CreatedAt: epoch.Add(time.Minute), FormID: "f1", UnitID: "v1", Period: "2026-W49"},
		{ID: "n3", UserID: "other", EntryID: "e3", Kind: "submit", Message: "待审", CreatedAt: epoch},
	}
	if err := h.Notifications.InsertNotifications(ctx, list); err != nil {
		t.Fatal(err)
	}
	got, _ := h.Notifications.ListNotifications(ctx, me, false, 10)
	if len(got) != 2 || got[0].ID != "n2" || !got[0].ReadAt.IsZero() || got[0].FormID != "f1" || got[0].UnitID != "v1" || got[0].Period != "2026-W49" {
		t.Fatalf("own notifications: %+v", got)
	}
	if err := h.Notifications.MarkRead(ctx, me, []string{"n1", "n3"}, epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	unread, _ := h.Notifications.ListNotifications(ctx, me, true, 10)
	if len(unread) != 1 || unread[0].ID != "n2" {
		t.Fatalf("unread after marking n1: %+v", unread)
	}
	other, _ := h.Notifications.ListNotifications(ctx, auth.ScopeForTest(t, "v1", "other", auth.RoleCadre), true, 10)
	if len(other) != 1 {
		t.Fatal("marking mine read must not touch another user's")
	}
	if none, _ := h.Notifications.ListNotifications(ctx, auth.Scope{}, false, 10); len(none) != 0 {
		t.Fatal("the zero scope sees notifications")
	}
}

// testEntryEffects: a step's audit record and notifications are written with it.
func testEntryEffects(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "city")
	e := newEntry(pathV1, 1)
	fx := entries.Effects{Audit: &audit.Record{At: epoch, ActorID: "author-v1", Action: "entry.submit", UnitPath: pathV1, Target: e.ID},
		Notifications: []notify.Notification{{ID: "n-1", UserID: "boss", EntryID: e.ID, Kind: "submit", Message: "待审", CreatedAt: epoch}}}
	if err := h.Entries.Insert(ctx, scope, e, fx); err != nil {
		t.Fatal(err)
	}
	fx.Audit.Action, fx.Notifications = "entry.approve", nil
	if _, err := h.Entries.Update(ctx, scope, e, 1, fx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Entries.Update(ctx, scope, e, 1, fx); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a stale update: %v", err)
	}
	if rep, err := audit.Verify(ctx, h.Audit, h.AuditKey); err != nil || rep.Records != 2 {
		t.Fatalf("the audit chain holds %d records (%v), want 2: a refused update must write none", rep.Records, err)
	}
	boss := auth.ScopeForTest(t, "t1", "boss", auth.RoleSupervisor)
	if list, _ := h.Notifications.ListNotifications(ctx, boss, true, 10); len(list) != 1 {
		t.Fatalf("notifications: %v", list)
	}
}

// testEffectsAtomic: when a step's effects cannot be written (here a notification
// id already taken), the step itself is not written either — no entry, no new
// revision, no audit record.
func testEffectsAtomic(t *testing.T, h Harness) {
	h.Need(t, Transactions)
	ctx, scope := context.Background(), scopeOf(t, "city")
	taken := notify.Notification{ID: "n-taken", UserID: "boss", EntryID: "x", Kind: "submit", Message: "占位", CreatedAt: epoch}
	if err := h.Notifications.InsertNotifications(ctx, []notify.Notification{taken}); err != nil {
		t.Fatal(err)
	}
	e := newEntry(pathV1, 1)
	failing := entries.Effects{Audit: &audit.Record{At: epoch, ActorID: "author-v1", Action: "entry.submit", UnitPath: pathV1, Target: e.ID},
		Notifications: []notify.Notification{taken}}
	if err := h.Entries.Insert(ctx, scope, e, failing); err == nil {
		t.Fatal("an insert whose notification cannot be written succeeded")
	}
	if _, err := h.Entries.Get(ctx, scope, e.ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the entry of a failed insert: %v", err)
	}
	mustInsert(t, h.Entries, scope, e)
	if _, err := h.Entries.Update(ctx, scope, e, 1, failing); err == nil {
		t.Fatal("an update whose notification cannot be written succeeded")
	}
	if got, _ := h.Entries.Get(ctx, scope, e.ID); got.Rev != 1 {
		t.Fatalf("a failed update left revision %d, want 1", got.Rev)
	}
	if rep, err := audit.Verify(ctx, h.Audit, h.AuditKey); err != nil || rep.Records != 0 {
		t.Fatalf("the audit chain holds %d records (%v) after two failed steps, want 0", rep.Records, err)
	}
}
