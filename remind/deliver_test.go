package remind

import (
	"testing"
	"time"

	"taizhang/forms"
)

func TestQuietHours(t *testing.T) {
	q, err := ParseQuietHours("22:00-07:30")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, h, m int) time.Time { return time.Date(2026, 12, day, h, m, 0, 0, forms.Beijing) }
	for _, c := range []struct{ in, want time.Time }{
		{at(10, 21, 59), at(10, 21, 59)},
		{at(10, 22, 0), at(11, 7, 30)},
		{at(10, 23, 30), at(11, 7, 30)},
		{at(11, 3, 0), at(11, 7, 30)},
		{at(11, 7, 30), at(11, 7, 30)},
		{at(11, 12, 0), at(11, 12, 0)},
	} {
		if got := q.After(c.in); !got.Equal(c.want) {
			t.Errorf("After(%s) = %s, want %s", c.in, got.In(forms.Beijing), c.want)
		}
	}
	day, _ := ParseQuietHours("12:00-13:30")
	if got := day.After(at(10, 12, 15)); !got.Equal(at(10, 13, 30)) {
		t.Errorf("a span within a day: %s", got)
	}
	none, _ := ParseQuietHours("")
	if got := none.After(at(10, 23, 0)); !got.Equal(at(10, 23, 0)) {
		t.Errorf("no quiet hours held a push: %s", got)
	}
	for _, bad := range []string{"22:00", "25:00-07:00", "22-07", "aa:bb-cc:dd"} {
		if _, err := ParseQuietHours(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
