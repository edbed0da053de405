package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
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
