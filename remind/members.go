package remind

import (
	"context"
	"sync"
)

// MemberChannel is a channel of a platform where people are members found by
// their mobile number (企业微信, 钉钉). Someone who is not a member is not
// reachable there: nothing is sent and nothing retried.
type MemberChannel struct {
	Label string // the channel's name in metrics and the outbox
	// Phone is a taizhang user's mobile number.
	Phone func(ctx context.Context, userID string) (string, error)
	// Find is the member with a mobile number, "" when there is none.
	Find func(ctx context.Context, mobile string) (string, error)
	// Deliver sends a message to a member.
	Deliver func(ctx context.Context, member string, m Message) error
	// Members, when set, are looked in first: who signed in through the
	// platform is known there by that account, whatever their number.
	Members Members

	mu      sync.Mutex
	members map[string]string // user id → member id ("": not a member), per instance
}

// Name implements Channel.
func (c *MemberChannel) Name() string { return c.Label }

// Send implements Channel.
func (c *MemberChannel) Send(ctx context.Context, userID string, m Message) error {
	member, err := c.member(ctx, userID)
	if err != nil || member == "" {
		return err
	}
	return c.Deliver(ctx, member, m)
}

func (c *MemberChannel) member(ctx context.Context, userID string) (string, error) {
	c.mu.Lock()
	member, known := c.members[userID]
	c.mu.Unlock()
	if known {
		return member, nil
	}
	if c.Members != nil {
		stored, err := c.Members.MemberIDs(ctx, c.Label, []string{userID})
		if err != nil {
			return "", err
		}
		if stored[userID] != "" {
			return stored[userID], nil // not kept here: a later sign-in may change it
		}
	}
	phone, err := c.Phone(ctx, userID)
	if err != nil {
		return "", err
	}
	if member, err = c.Find(ctx, phone); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.members == nil {
		c.members = map[string]string{}
	}
	c.members[userID] = member
	return member, nil
}
