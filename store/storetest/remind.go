package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"taizhang/push"
	"taizhang/remind"
)

func runRemind(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("OneHolderAtATimeUntilTheLeaseExpires", func(t *testing.T) {
		s := open(t).Remind
		ctx, now := context.Background(), time.Date(2026, 12, 4, 4, 0, 0, 0, time.UTC)
		if ok, err := s.Claim(ctx, "reminders", "a", now, now.Add(2*time.Minute)); err != nil || !ok {
			t.Fatalf("first claim: %v %v", ok, err)
		}
		if ok, err := s.Claim(ctx, "reminders", "b", now.Add(time.Minute), now.Add(3*time.Minute)); err != nil || ok {
			t.Fatalf("b claimed a's live lease: %v %v", ok, err)
		}
		if ok, err := s.Claim(ctx, "reminders", "a", now.Add(time.Minute), now.Add(3*time.Minute)); err != nil || !ok {
			t.Fatalf("a renews: %v %v", ok, err)
		}
		if ok, err := s.Claim(ctx, "other", "b", now, now.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("another lease: %v %v", ok, err)
		}
		if ok, err := s.Claim(ctx, "reminders", "b", now.Add(4*time.Minute), now.Add(6*time.Minute)); err != nil || !ok {
			t.Fatalf("b takes over an expired lease: %v %v", ok, err)
		}
		if ok, _ := s.Claim(ctx, "reminders", "a", now.Add(5*time.Minute), now.Add(7*time.Minute)); ok {
			t.Fatal("a took back b's lease")
		}
	})
	t.Run("ParallelClaimsHaveOneWinner", func(t *testing.T) {
		s := open(t).Remind
		now := time.Date(2026, 12, 4, 4, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.Claim(context.Background(), "race", string(rune('a'+i)), now, now.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d holders won the lease", won)
		}
	})
	t.Run("SentOnce", func(t *testing.T) {
		s := open(t).Remind
		ctx, at := context.Background(), time.Date(2026, 12, 4, 4, 0, 0, 0, time.UTC)
		fresh, err := s.Record(ctx, []string{"r|u1|f|W49|24h", "r|u2|f|W49|24h"}, at)
		if err != nil || !slices.Equal(fresh, []string{"r|u1|f|W49|24h", "r|u2|f|W49|24h"}) {
			t.Fatalf("first record: %v %v", fresh, err)
		}
		fresh, err = s.Record(ctx, []string{"r|u3|f|W49|24h", "r|u1|f|W49|24h"}, at)
		if err != nil || !slices.Equal(fresh, []string{"r|u3|f|W49|24h"}) {
			t.Fatalf("second record: %v %v", fresh, err)
		}
		if fresh, err = s.Record(ctx, nil, at); err != nil || len(fresh) != 0 {
			t.Fatalf("nothing: %v %v", fresh, err)
		}
	})
}

func runOutbox(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("DueSentRetriedGivenUp", func(t *testing.T) {
		s := open(t).Remind
		ctx, now := context.Background(), time.Date(2026, 12, 4, 4, 0, 0, 0, time.UTC)
		m := remind.Message{Kind: "reminder", Title: "截止提醒", Body: "周报将截止", URL: "/fill/f1"}
		list := []remind.Delivery{{ID: "d1", Channel: "webpush", UserID: "u1", Message: m, NotBefore: now},
			{ID: "d2", Channel: "webpush", UserID: "u2", Message: m, NotBefore: now.Add(time.Hour)}}
		if err := s.Enqueue(ctx, list); err != nil {
			t.Fatal(err)
		}
		due, err := s.Due(ctx, now, 10)
		if err != nil || len(due) != 1 || due[0].ID != "d1" || due[0].Message != m || due[0].UserID != "u1" {
			t.Fatalf("due now: %+v %v", due, err)
		}
		if err := s.Retry(ctx, "d1", 1, now.Add(2*time.Hour), "503"); err != nil {
			t.Fatal(err)
		}
		if err := s.Sent(ctx, "d2", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		due, _ = s.Due(ctx, now.Add(90*time.Minute), 10)
		if len(due) != 0 {
			t.Fatalf("before the retry, after d2 was sent: %+v", due)
		}
		due, _ = s.Due(ctx, now.Add(3*time.Hour), 10)
		if len(due) != 1 || due[0].Attempts != 1 {
			t.Fatalf("the retry: %+v", due)
		}
		if err := s.Retry(ctx, "d1", 5, time.Time{}, "gave up"); err != nil {
			t.Fatal(err)
		}
		if due, _ = s.Due(ctx, now.Add(48*time.Hour), 10); len(due) != 0 {
			t.Fatalf("a delivery given up came back: %+v", due)
		}
	})
}

func runPush(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("SubscriptionsAreTheUsersOwn", func(t *testing.T) {
		s := open(t).Push
		ctx, at := context.Background(), time.Date(2026, 12, 4, 4, 0, 0, 0, time.UTC)
		for i, sub := range []push.Subscription{{Endpoint: "https://push.example/a", UserID: "u1", P256dh: "k1", Auth: "s1", CreatedAt: at},
			{Endpoint: "https://push.example/b", UserID: "u1", P256dh: "k2", Auth: "s2", CreatedAt: at.Add(time.Minute)},
			{Endpoint: "https://push.example/c", UserID: "u2", P256dh: "k3", Auth: "s3", CreatedAt: at}} {
			if err := s.SaveSubscription(ctx, sub); err != nil {
				t.Fatalf("save %d: %v", i, err)
			}
		}
		// The browser subscribes again (a new key); another user cannot remove it.
		if err := s.SaveSubscription(ctx, push.Subscription{Endpoint: "https://push.example/a", UserID: "u1", P256dh: "k9", Auth: "s9", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSubscription(ctx, "u2", "https://push.example/b"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Subscriptions(ctx, "u1")
		if err != nil || len(got) != 2 || got[0].P256dh != "k9" || got[1].Endpoint != "https://push.example/b" {
			t.Fatalf("u1's subscriptions: %+v %v", got, err)
		}
		if err := s.DeleteSubscription(ctx, "u1", "https://push.example/b"); err != nil {
			t.Fatal(err)
		}
		if err := s.DropEndpoint(ctx, "https://push.example/a"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Subscriptions(ctx, "u1"); len(got) != 0 {
			t.Fatalf("after unsubscribing and a gone endpoint: %+v", got)
		}
		if got, _ := s.Subscriptions(ctx, "u2"); len(got) != 1 {
			t.Fatalf("u2's: %+v", got)
		}
	})
}

func runRobots(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("UnitRobotsSetReadRemoved", func(t *testing.T) {
		s := open(t).Remind
		ctx := context.Background()
		wecom := remind.Robot{Platform: "wecom", URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"}
		ding := remind.Robot{Platform: "dingtalk", URL: "https://oapi.dingtalk.com/robot/send?access_token=t", Secret: "SEC1"}
		if err := s.SetUnitRobots(ctx, "t1", []remind.Robot{wecom, ding}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUnitRobots(ctx, "d1", []remind.Robot{wecom}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUnitRobots(ctx, "d1", []remind.Robot{ding}); err != nil { // replaced
			t.Fatal(err)
		}
		got, err := s.UnitRobots(ctx, []string{"t1", "d1", "v1"})
		if err != nil || len(got) != 2 || len(got["t1"]) != 2 || got["t1"][1] != ding || len(got["d1"]) != 1 || got["d1"][0] != ding {
			t.Fatalf("robots: %+v %v", got, err)
		}
		if err := s.SetUnitRobots(ctx, "t1", nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.UnitRobots(ctx, []string{"t1"}); len(got) != 0 {
			t.Fatalf("removed robots remain: %+v", got)
		}
	})
}

func runMembers(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("MemberIDsPerPlatform", func(t *testing.T) {
		s := open(t).Remind
		ctx := context.Background()
		for _, c := range [][3]string{{"wecom", "u1", "SunGanBu"}, {"dingtalk", "u1", "ding-sun"}, {"wecom", "u2", "Zhou"}, {"wecom", "u1", "SunGanBu2"}} {
			if err := s.SetMemberID(ctx, c[0], c[1], c[2]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.MemberIDs(ctx, "wecom", []string{"u1", "u2", "u3"})
		if err != nil || len(got) != 2 || got["u1"] != "SunGanBu2" || got["u2"] != "Zhou" {
			t.Fatalf("wecom members: %v %v", got, err)
		}
		if got, _ := s.MemberIDs(ctx, "dingtalk", []string{"u1", "u2"}); len(got) != 1 || got["u1"] != "ding-sun" {
			t.Fatalf("dingtalk members: %v", got)
		}
		if u, err := s.UserOfMember(ctx, "wecom", "Zhou"); err != nil || u != "u2" {
			t.Fatalf("the user of a member: %q %v", u, err)
		}
		if u, err := s.UserOfMember(ctx, "wecom", "ding-sun"); err != nil || u != "" {
			t.Fatalf("a member of another platform: %q %v", u, err)
		}
	})
}
