// Package notify keeps in-app notifications: a returned or rejected entry tells
// its author, a submitted one its reviewers.
package notify

import (
	"context"
	"fmt"
	"time"

	"taizhang/auth"
	"taizhang/errs"
)

// Notification is one message to one user about one entry, or about a
// form's round in a unit (a reminder).
type Notification struct {
	ID      string `json:"id"`
	UserID  string `json:"-"`
	EntryID string `json:"entryId"`
	Kind    string `json:"kind"` // the workflow action (submit, return, …), or reminder, escalation
	Message string `json:"message"`
	// FormID, UnitID and Period say which round a reminder is about (EntryID
	// is empty then).
	FormID    string    `json:"formId,omitempty"`
	UnitID    string    `json:"unitId,omitempty"`
	Period    string    `json:"period,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	ReadAt    time.Time `json:"readAt"`
}

// MaxMarkedAtOnce is how many ids one request may mark read; a client with more
// marks all (no ids) instead.
const MaxMarkedAtOnce = 1000

// MarkRead marks the caller's notifications read: the given ones, or all when
// ids is empty. More than MaxMarkedAtOnce ids is 422.
func MarkRead(ctx context.Context, s Store, scope auth.Scope, ids []string, at time.Time) error {
	if len(ids) > MaxMarkedAtOnce {
		return &errs.Error{Code: errs.Unprocessable, Message: fmt.Sprintf("一次最多标记 %d 条消息为已读", MaxMarkedAtOnce),
			Fields: []errs.FieldError{{Field: "ids", Code: "too_many", Message: fmt.Sprintf("最多 %d 条；全部标记为已读请不传 ids", MaxMarkedAtOnce),
				Params: map[string]any{"max": MaxMarkedAtOnce}}}}
	}
	return s.MarkRead(ctx, scope, ids, at)
}

// Store keeps notifications; a user only ever reaches their own, through the
// scope's user id.
type Store interface {
	InsertNotifications(ctx context.Context, list []Notification) error
	ListNotifications(ctx context.Context, scope auth.Scope, unreadOnly bool, limit int) ([]Notification, error)
	// MarkRead marks the given notifications (all when ids is empty) read at.
	MarkRead(ctx context.Context, scope auth.Scope, ids []string, at time.Time) error
}
