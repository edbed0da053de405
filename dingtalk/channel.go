package dingtalk

import (
	"context"

	"taizhang/remind"
)

// Channel sends reminders as 钉钉 work notifications (links that open their
// page in the PWA at publicURL), to the member with the user's mobile number.
func Channel(c *Client, publicURL string, phone func(ctx context.Context, userID string) (string, error)) *remind.MemberChannel {
	return &remind.MemberChannel{Label: "dingtalk", Phone: phone,
		Find: func(ctx context.Context, mobile string) (string, error) {
			member, err := c.UserIDByMobile(ctx, mobile)
			if NotMember(err) {
				return "", nil
			}
			return member, err
		},
		Deliver: func(ctx context.Context, member string, m remind.Message) error {
			return c.SendLink(ctx, member, m.Title, m.Body, publicURL+m.URL)
		}}
}
