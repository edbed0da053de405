// Package storetest is the contract every storage adapter must pass. Adapters run it
// from their own tests against a fresh, real database per test: SQLite always,
// FerretDB embedded in the test binary always, and a real MongoDB when
// MONGODB_TEST_URI is set.
package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"taizhang/attachments"
	"taizhang/audit"
	"taizhang/auth"
	"taizhang/entries"
	"taizhang/forms"
	"taizhang/notify"
	"taizhang/org"
	"taizhang/push"
	"taizhang/remind"
	"taizhang/session"
)

// Harness is one fresh store under test.
type Harness struct {
	Entries       entries.Store
	Org           OrgStore
	Sessions      session.Store
	Forms         forms.Store
	Audit         audit.Store
	Attachments   attachments.Store
	Uploads       attachments.UploadStore
	Throttle      auth.ThrottleStore
	Ledger        LedgerStore
	Notifications notify.Store
	Remind        remind.Store
	Push          push.Store
	// AuditKey is the key the audit store was opened with.
	AuditKey []byte
	// Missing names the features this backend lacks, each with the reason; tests that
	// need one skip and say why, so the skip list is printed by `go test -v`.
	Missing map[Feature]string
}

// OrgStore is the unit and user storage of one adapter.
type OrgStore interface {
	org.UnitStore
	org.UserStore
}

// Feature is a database capability a contract test may depend on.
type Feature string

// Features some MongoDB-compatible servers lack.
const (
	Transactions Feature = "transactions"
)

// Need skips t when the backend lacks f, naming the reason.
func (h Harness) Need(t *testing.T, f Feature) {
	t.Helper()
	if reason, missing := h.Missing[f]; missing {
		t.Skipf("backend lacks %s: %s", f, reason)
	}
}

// Run runs the whole contract. open must return a fresh, empty store for each call
// and register its cleanup with t.
func Run(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("entries", func(t *testing.T) { runEntries(t, open) })
	t.Run("units", func(t *testing.T) { runUnits(t, open) })
	t.Run("users", func(t *testing.T) { runUsers(t, open) })
	t.Run("sessions", func(t *testing.T) { runSessions(t, open) })
	t.Run("forms", func(t *testing.T) { runForms(t, open) })
	t.Run("audit", func(t *testing.T) { runAudit(t, open) })
	t.Run("attachments", func(t *testing.T) { runAttachments(t, open) })
	t.Run("throttle", func(t *testing.T) { testThrottle(t, open(t)) })
	t.Run("ledger", func(t *testing.T) { runLedger(t, open) })
	t.Run("remind", func(t *testing.T) { runRemind(t, open) })
	t.Run("outbox", func(t *testing.T) { runOutbox(t, open) })
	t.Run("push", func(t *testing.T) { runPush(t, open) })
	t.Run("robots", func(t *testing.T) { runRobots(t, open) })
	t.Run("members", func(t *testing.T) { runMembers(t, open) })
}

// epoch is a fixed instant; tests never read the wall clock.
var epoch = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

// sameJSONValue compares two values by their JSON encoding.
func sameJSONValue(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
