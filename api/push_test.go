package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"taizhang/forms"
	"taizhang/push"
	"taizhang/push/pushtest"
	"taizhang/remind"
)

var testPushKeys = func() push.Keys {
	k, err := push.NewKeys()
	if err != nil {
		panic(err)
	}
	return k
}()

var testPushKey = testPushKeys.Public

// pushing is the reminder service of a ledger world with Web Push on and
// Beijing's default quiet hours.
func (lw ledgerWorld) pushing(t *testing.T) *remind.Service {
	svc := lw.reminders()
	quiet, _ := remind.ParseQuietHours("22:00-07:30")
	svc.Channels = []remind.Channel{&push.Channel{Store: lw.st.push, Keys: testPushKeys, Subject: "mailto:ops@example.org", Client: http.DefaultClient}}
	svc.Quiet = quiet
	return svc
}

func (lw ledgerWorld) subscribe(t *testing.T, who string, browser *pushtest.Service) {
	t.Helper()
	r := lw.call("POST", "/api/v1/push/subscriptions", lw.token(who), map[string]any{"endpoint": browser.URL,
		"keys": map[string]any{"p256dh": browser.P256dh, "auth": browser.Auth}, "expirationTime": nil})
	if r.status != 201 {
		t.Fatalf("subscribe: %d %s", r.status, r.body)
	}
}

func deliver(t *testing.T, svc *remind.Service) int {
	t.Helper()
	n, err := svc.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRemindersArePushedToBrowsers: a cadre turns push on; the reminder that
// lands in 消息 reaches their browser's push service encrypted for it (the
// fake decrypts it), after the quiet hours; a push service that is down is
// retried; a gone subscription is dropped.
func TestRemindersArePushedToBrowsers(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		lw := newLedgerWorld(t, open(t))
		if r := lw.call("GET", "/api/v1/push/key", lw.token("v2"), nil); r.json(t)["publicKey"] != testPushKey {
			t.Fatalf("push key: %s", r.body)
		}
		browser := pushtest.Start(t)
		lw.subscribe(t, "v2", browser)
		svc := lw.pushing(t)
		outcomes := map[string]int{} // what /metrics counts
		svc.Observe = func(channel, outcome string) { outcomes[channel+" "+outcome]++ }

		// Thursday 23:30 in Beijing: the 24-hour reminder is due, in the quiet hours.
		if n := lw.sweepAt(t, time.Date(2026, 12, 10, 23, 30, 0, 0, forms.Beijing), svc); n != 5 {
			t.Fatalf("%d reminders", n)
		}
		if len(lw.inbox(t, "v2", remind.KindReminder)) != 1 {
			t.Fatal("the in-app reminder waited for the quiet hours")
		}
		if deliver(t, svc); len(browser.Pushes()) != 0 {
			t.Fatal("a push in the quiet hours")
		}
		browser.SetStatus(http.StatusServiceUnavailable) // down at 07:30
		lw.now = time.Date(2026, 12, 11, 7, 31, 0, 0, forms.Beijing)
		deliver(t, svc) // the four cadres without a browser subscribed are done; v2's waits
		browser.SetStatus(0)
		if deliver(t, svc); len(browser.Pushes()) != 0 {
			t.Fatal("a failed push was retried before its backoff")
		}
		lw.now = lw.now.Add(2 * time.Minute) // after the first backoff
		if n := deliver(t, svc); n != 1 || len(browser.Pushes()) != 1 {
			t.Fatalf("%d deliveries, %d pushes after the push service came back, want 1", n, len(browser.Pushes()))
		}
		got := browser.Pushes()
		var m remind.Message
		if len(got) != 1 || json.Unmarshal(got[0].Payload, &m) != nil || m.Kind != remind.KindReminder ||
			m.URL != "/fill/"+lw.formID || !strings.Contains(m.Body, "截止") || !strings.Contains(got[0].Authorization, "k="+testPushKey) {
			t.Fatalf("pushes: %+v (%s)", got, got[0].Payload)
		}
		if deliver(t, svc); len(browser.Pushes()) != 1 {
			t.Fatal("a push was sent twice")
		}
		if outcomes["webpush retry"] != 1 || outcomes["webpush sent"] != 5 {
			t.Fatalf("deliveries counted: %v", outcomes)
		}
		// The browser's subscription expires: the push service says 410 and it is dropped.
		browser.SetStatus(http.StatusGone)
		if n := lw.sweepAt(t, time.Date(2026, 12, 11, 10, 30, 0, 0, forms.Beijing), svc); n != 5 { // the 2-hour reminders
			t.Fatalf("%d reminders 90 minutes before", n)
		}
		deliver(t, svc)
		if subs, _ := lw.st.push.Subscriptions(context.Background(), lw.people["v2"].ID); len(subs) != 0 {
			t.Fatalf("a gone subscription is kept: %+v", subs)
		}
	})
}

func TestPushSubscriptionBadInput(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	browser := pushtest.Start(t)
	for _, c := range []struct {
		name           string
		endpoint, p256 string
		auth           string
	}{
		{"a foreign scheme", "ftp://push.example/x", browser.P256dh, browser.Auth},
		{"plain http off this host", "http://push.example/x", browser.P256dh, browser.Auth},
		{"an oversized key", "https://push.example/x", strings.Repeat("A", 400), browser.Auth},
		{"a short secret", "https://push.example/x", browser.P256dh, "AAAA"},
	} {
		r := lw.call("POST", "/api/v1/push/subscriptions", lw.token("v2"), map[string]any{"endpoint": c.endpoint,
			"keys": map[string]any{"p256dh": c.p256, "auth": c.auth}})
		if r.status != 422 {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	lw.subscribe(t, "v2", browser)
	if items := lw.call("GET", "/api/v1/push/subscriptions", lw.token("v2"), nil).json(t)["items"].([]any); len(items) != 1 {
		t.Fatalf("v2's subscriptions: %v", items)
	}
	if items := lw.call("GET", "/api/v1/push/subscriptions", lw.token("v3"), nil).json(t)["items"].([]any); len(items) != 0 {
		t.Fatalf("v3 sees v2's subscriptions: %v", items)
	}
	if r := lw.call("DELETE", "/api/v1/push/subscriptions", lw.token("v3"), map[string]any{"endpoint": browser.URL}); r.status != 204 {
		t.Fatalf("someone else unsubscribes: %d", r.status)
	}
	if subs, _ := lw.st.push.Subscriptions(context.Background(), lw.people["v2"].ID); len(subs) != 1 {
		t.Fatal("someone else removed v2's subscription")
	}
	if r := lw.call("DELETE", "/api/v1/push/subscriptions", lw.token("v2"), map[string]any{"endpoint": browser.URL}); r.status != 204 {
		t.Fatalf("unsubscribe: %d", r.status)
	}
	if subs, _ := lw.st.push.Subscriptions(context.Background(), lw.people["v2"].ID); len(subs) != 0 {
		t.Fatal("still subscribed")
	}
}
