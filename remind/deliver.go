package remind

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"taizhang/forms"
	"taizhang/ids"
	"taizhang/notify"
)

// Message is what a channel carries: a title, a line of text and the page
// of the PWA it opens.
type Message struct {
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
}

// Channel takes a message to one user off the app: Web Push, 企业微信, 钉钉.
// A user the channel cannot reach (no subscription, no account there) is
// not an error: there is nothing to retry.
type Channel interface {
	Name() string
	Send(ctx context.Context, userID string, m Message) error
}

// Delivery is one message waiting for one channel: kept in the store, so a
// restart or a channel that is down for an hour loses nothing.
type Delivery struct {
	ID        string
	Channel   string
	UserID    string
	Message   Message
	NotBefore time.Time // quiet hours and retries push it later
	Attempts  int
}

// Outbox is the part of Store that keeps deliveries.
type Outbox interface {
	Enqueue(ctx context.Context, list []Delivery) error
	// Due returns up to limit deliveries not sent, not given up, whose time has come.
	Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// Sent marks a delivery done.
	Sent(ctx context.Context, id string, at time.Time) error
	// Retry records a failed attempt and when to try again; a zero next gives up.
	Retry(ctx context.Context, id string, attempts int, next time.Time, reason string) error
}

// Backoff is how long after each failed attempt a delivery is tried again;
// after the last it is given up (and counted in /metrics).
var Backoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}

// messageOf turns an in-app notification into what channels carry.
func messageOf(n notify.Notification) Message {
	m := Message{Kind: n.Kind, Body: n.Message}
	switch n.Kind {
	case KindReminder:
		m.Title, m.URL = "截止提醒", "/fill/"+n.FormID
	case KindEscalation:
		m.Title, m.URL = "未报通报", "/stats/obligations?formId="+n.FormID+"&period="+n.Period+"&status=missing"
	case KindDigest:
		m.Title, m.URL = "每日概况", "/stats"
	case KindDeadline:
		m.Title, m.URL = "整改期限", "/entries/"+n.EntryID
	case KindReviewOverdue:
		m.Title, m.URL = "审核超期", "/entries/"+n.EntryID
	default:
		m.Title, m.URL = "台账消息", "/messages"
	}
	return m
}

// unitChannel is a channel whose recipients are units (group robots).
type unitChannel interface{ forUnits() }

// enqueue hands people's notifications to every channel for people, and
// units' robot messages to every channel for units, after quiet hours.
func (s *Service) enqueue(ctx context.Context, people, units []notify.Notification, now time.Time) error {
	at := s.Quiet.After(now)
	var out []Delivery
	for _, ch := range s.Channels {
		list, recipient := people, func(n notify.Notification) string { return n.UserID }
		if _, ok := ch.(unitChannel); ok {
			list, recipient = units, func(n notify.Notification) string { return n.UnitID }
		}
		for _, n := range list {
			out = append(out, Delivery{ID: ids.New(now), Channel: ch.Name(), UserID: recipient(n), Message: messageOf(n), NotBefore: at})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return s.Store.Enqueue(ctx, out)
}

// Deliver sends what is due on each channel, each delivery on its own: a
// channel that fails is retried later and holds up nothing else. It returns
// how many were sent.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	if len(s.Channels) == 0 {
		return 0, nil
	}
	now := s.Now()
	due, err := s.Store.Due(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	channels := map[string]Channel{}
	for _, ch := range s.Channels {
		channels[ch.Name()] = ch
	}
	sent := 0
	for _, d := range due {
		ch, ok := channels[d.Channel]
		if !ok { // a channel configured before and not now: keep it for when it is back
			continue
		}
		sendCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := ch.Send(sendCtx, d.UserID, d.Message)
		cancel()
		if err == nil {
			sent++
			s.observe(d.Channel, "sent")
			if err := s.Store.Sent(ctx, d.ID, now); err != nil {
				return sent, err
			}
			continue
		}
		next := time.Time{}
		if d.Attempts < len(Backoff) {
			next = now.Add(Backoff[d.Attempts])
			s.observe(d.Channel, "retry")
		} else {
			s.observe(d.Channel, "failed")
		}
		if err := s.Store.Retry(ctx, d.ID, d.Attempts+1, next, err.Error()); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

func (s *Service) observe(channel, outcome string) {
	if s.Observe != nil {
		s.Observe(channel, outcome)
	}
}

// QuietHours is a daily span of Beijing time in which pushes wait: in-app
// notifications never do.
type QuietHours struct {
	from, to int // minutes after midnight; from == to: none
}

// ParseQuietHours reads "22:00-07:30"; "" is none.
func ParseQuietHours(s string) (QuietHours, error) {
	if s == "" {
		return QuietHours{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	from, err1 := minutes(a)
	to, err2 := minutes(b)
	if !ok || err1 != nil || err2 != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM, e.g. 22:00-07:30", s)
	}
	return QuietHours{from: from, to: to}, nil
}

func minutes(hhmm string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(hhmm), ":")
	hours, err1 := strconv.Atoi(h)
	mins, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hours < 0 || hours > 23 || mins < 0 || mins > 59 {
		return 0, fmt.Errorf("bad time %q", hhmm)
	}
	return hours*60 + mins, nil
}

// After is t, or the end of the quiet hours t falls in.
func (q QuietHours) After(t time.Time) time.Time {
	if q.from == q.to {
		return t
	}
	b := t.In(forms.Beijing)
	now := b.Hour()*60 + b.Minute()
	inside := q.from < q.to && now >= q.from && now < q.to || q.from > q.to && (now >= q.from || now < q.to)
	if !inside {
		return t
	}
	end := time.Date(b.Year(), b.Month(), b.Day(), q.to/60, q.to%60, 0, 0, forms.Beijing)
	if !end.After(b) {
		end = end.AddDate(0, 0, 1)
	}
	return end.UTC()
}

// EncodeMessage and DecodeMessage keep a message in a store's text column.
func EncodeMessage(m Message) string {
	raw, _ := json.Marshal(m)
	return string(raw)
}

// DecodeMessage reads what EncodeMessage wrote.
func DecodeMessage(raw string) Message {
	var m Message
	_ = json.Unmarshal([]byte(raw), &m)
	return m
}
