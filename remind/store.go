// Package remind tells people about deadlines before and when they pass:
// the filers of units that have not filed a round (24 h and 2 h before its
// due time), and at the due time the supervisors above each missing unit and
// the office. A sweep runs every minute on whichever instance holds the
// lease; what was sent is recorded per (kind, recipient, form, round), so a
// restart or a second instance never sends a reminder twice. docs/reminders.md.
package remind

import (
	"context"
	"time"
)

// Store keeps what makes reminders happen once.
type Store interface {
	// Claim takes the lease called name for holder until the given time, or
	// renews it: true when holder has it now; false while another holder's
	// lease has not expired at now.
	Claim(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	// Record records keys as sent at the given time and returns those that
	// were not recorded before, in the order given: only those may be sent.
	Record(ctx context.Context, keys []string, at time.Time) ([]string, error)
	Outbox
	Robots
	Members
}

// Members keeps who a user is on another platform (企业微信, 钉钉): learned
// when they sign in through it, so messages reach them there even if their
// number there is not the one in taizhang.
type Members interface {
	// MemberIDs returns the stored member ids of the users on platform.
	MemberIDs(ctx context.Context, platform string, userIDs []string) (map[string]string, error)
	// SetMemberID stores (or replaces) a user's member id on platform.
	SetMemberID(ctx context.Context, platform, userID, memberID string) error
	// UserOfMember is the user a member id was stored for ("" for none).
	UserOfMember(ctx context.Context, platform, memberID string) (string, error)
}

// Robot is a unit's group robot: a webhook of 企业微信 ("wecom") or 钉钉
// ("dingtalk", signed with Secret) that takes escalations for the units below.
type Robot struct {
	Platform string `json:"platform"`
	URL      string `json:"url"`
	Secret   string `json:"secret,omitempty"`
}

// Robots keeps units' group robots.
type Robots interface {
	// UnitRobots returns the robots of the given units, by unit.
	UnitRobots(ctx context.Context, unitIDs []string) (map[string][]Robot, error)
	// SetUnitRobots replaces a unit's robots (none: removes them).
	SetUnitRobots(ctx context.Context, unitID string, robots []Robot) error
}
