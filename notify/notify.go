// Package notify keeps in-app notifications: a returned or rejected entry tells
// its author, a submitted one its reviewers.
package notify

import (
	"context"
	"time"

	"taizhang/auth"
)

// Notification is one message to one user about one entry.
type Notification struct {
	ID        string    `json:"id"`
	UserID    string    `json:"-"`
	EntryID   string    `json:"entryId"`
	Kind      string    `json:"kind"` // the workflow action: submit, return, reject, …
	Message   string    `json:"message"`
	CreatedAt time.Time `json:"createdAt"`
	ReadAt    time.Time `json:"readAt"`
}

// Store keeps notifications; a user only ever reaches their own, through the
// scope's user id.
type Store interface {
	InsertNotifications(ctx context.Context, list []Notification) error
	ListNotifications(ctx context.Context, scope auth.Scope, unreadOnly bool, limit int) ([]Notification, error)
	// MarkRead marks the given notifications (all when ids is empty) read at.
	MarkRead(ctx context.Context, scope auth.Scope, ids []string, at time.Time) error
}
