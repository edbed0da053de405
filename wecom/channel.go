package wecom

import (
	"context"

	"taizhang/remind"
)

// Channel sends reminders as 企业微信 application text cards that open their
// page in the PWA (at publicURL), to the member with the user's mobile number.
// Members, when not nil, hold the member ids learned at sign-in.
func Channel(c *Client, publicURL string, phone func(ctx context.Context, userID string) (string, error), members remind.Members) *remind.MemberChannel {
	return &remind.MemberChannel{Label: "wecom", Phone: phone, Members: members,
		Find: func(ctx context.Context, mobile string) (string, error) {
			member, err := c.UserIDByMobile(ctx, mobile)
			if NotMember(err) {
				return "", nil
			}
			return member, err
		},
		Deliver: func(ctx context.Context, member string, m remind.Message) error {
			return c.SendTextCard(ctx, member, m.Title, m.Body, publicURL+m.URL)
		}}
}
