package wecom

import (
	"context"
	"sync"

	"taizhang/remind"
)

// Channel sends reminders as 企业微信 application messages (text cards that
// open the page in the PWA), to the member with the user's mobile number.
type Channel struct {
	Client *Client
	// Phone is a taizhang user's mobile number.
	Phone func(ctx context.Context, userID string) (string, error)
	// PublicURL is where the PWA is served, for the cards' links.
	PublicURL string

	mu      sync.Mutex
	members map[string]string // taizhang user id → member id ("": not a member)
}

// Name implements remind.Channel.
func (c *Channel) Name() string { return "wecom" }

// Send implements remind.Channel. Someone who is not a member of the
// organisation's 企业微信 is not reachable there: nothing to send, no error.
func (c *Channel) Send(ctx context.Context, userID string, m remind.Message) error {
	member, err := c.member(ctx, userID)
	if err != nil || member == "" {
		return err
	}
	return c.Client.SendTextCard(ctx, member, m.Title, m.Body, c.PublicURL+m.URL)
}

func (c *Channel) member(ctx context.Context, userID string) (string, error) {
	c.mu.Lock()
	member, known := c.members[userID]
	c.mu.Unlock()
	if known {
		return member, nil
	}
	phone, err := c.Phone(ctx, userID)
	if err != nil {
		return "", err
	}
	member, err = c.Client.UserIDByMobile(ctx, phone)
	if NotMember(err) {
		member, err = "", nil
	}
	if err != nil {
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
