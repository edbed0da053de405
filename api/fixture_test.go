package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/attachments"
	"taizhang/audit"
	"taizhang/auth"
	"taizhang/board"
	"taizhang/dingtalk"
	"taizhang/entries"
	"taizhang/export"
	"taizhang/formimport"
	"taizhang/forms"
	"taizhang/ids"
	"taizhang/ledger"
	"taizhang/notify"
	"taizhang/oauth"
	"taizhang/org"
	"taizhang/orgimport"
	"taizhang/push"
	"taizhang/remind"
	"taizhang/reports"
	"taizhang/session"
	"taizhang/signals"
	"taizhang/store/mongo/mongotest"
	"taizhang/store/s3"
	"taizhang/store/s3/s3test"
	"taizhang/store/sqlite"
	"taizhang/store/storetest"
	"taizhang/wecom"
)

var cheapPasswords = auth.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}

// stores are one adapter's stores, seen through the domain interfaces.
type stores struct {
	entries       entries.Store
	org           storetest.OrgStore
	sessions      session.Store
	forms         forms.Store
	audit         audit.Store
	notifications notify.Store
	attachments   attachments.Store
	uploads       attachments.UploadStore
	throttle      auth.ThrottleStore
	signals       signals.Index
	ledger        ledger.Store
	remind        remind.Store
	push          push.Store
	ping          func(context.Context) error
	auditKey      []byte
	sqlite        *sqlite.DB // the embedded store itself, for benchmarks that bulk-load it
}

func sqliteStores(t testing.TB) stores {
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return stores{entries: db.Entries(), org: db.Org(), sessions: db.Sessions(), forms: db.Forms(), audit: db.Audit(),
		notifications: db.Notifications(), attachments: db.Attachments(), uploads: db.Uploads(), throttle: db.Throttle(), signals: db.Signals(), ledger: db.Ledger(), remind: db.Remind(), push: db.Push(), ping: db.Ping, sqlite: db}
}

// s3Stores are the embedded store with its blobs in an S3 bucket (gofakes3).
func s3Stores(t testing.TB, fake *s3test.Server) stores {
	cfg, err := s3.ParseURL(fake.URL(ids.New(time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	cfg.AccessKey, cfg.SecretKey = s3test.AccessKey, s3test.SecretKey
	blobs, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: t.TempDir(), Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return stores{entries: db.Entries(), org: db.Org(), sessions: db.Sessions(), forms: db.Forms(), audit: db.Audit(),
		notifications: db.Notifications(), attachments: db.Attachments(), uploads: db.Uploads(), throttle: db.Throttle(), signals: db.Signals(), ledger: db.Ledger(), remind: db.Remind(), push: db.Push(), ping: db.Ping, sqlite: db}
}

// eachBlobStore runs an attachment scenario on every backend and once more
// with the blobs in an S3 bucket.
func eachBlobStore(t *testing.T, scenario func(t *testing.T, open func(t *testing.T) *world)) {
	eachBackend(t, scenario)
	fake := s3test.Start(t, "taizhang")
	t.Run("s3", func(t *testing.T) {
		scenario(t, func(t *testing.T) *world { return newWorldOn(t, s3Stores(t, fake)) })
	})
}

func mongoStores(t *testing.T, b mongotest.Backend) stores {
	db := b.Open(t)
	return stores{entries: db.Entries(), org: db.Org(), sessions: db.Sessions(), forms: db.Forms(), audit: db.Audit(),
		notifications: db.Notifications(), attachments: db.Attachments(), uploads: db.Uploads(), throttle: db.Throttle(), signals: db.Signals(), ledger: db.Ledger(), remind: db.Remind(), push: db.Push(), ping: db.Ping, auditKey: mongotest.AuditKey}
}

// eachBackend runs a scenario on the embedded SQLite store and on embedded
// FerretDB (and on MONGODB_TEST_URI when set).
func eachBackend(t *testing.T, scenario func(t *testing.T, open func(t *testing.T) *world)) {
	t.Run("sqlite", func(t *testing.T) { scenario(t, newWorld) })
	ferret := mongotest.StartFerretDB(t)
	t.Run("ferretdb", func(t *testing.T) {
		scenario(t, func(t *testing.T) *world { return newWorldOn(t, mongoStores(t, ferret)) })
	})
	if real, ok := mongotest.Real(); ok {
		t.Run("mongodb", func(t *testing.T) {
			scenario(t, func(t *testing.T) *world { return newWorldOn(t, mongoStores(t, real)) })
		})
	}
}

// world is a running app on fresh stores with the tree city → d1 → t1 → v1
// and city → d2, and a clock the test controls.
type world struct {
	t      testing.TB
	app    *fiber.App
	st     stores
	tokens *auth.Tokens
	now    time.Time
	units  map[string]org.Unit // by name
	seq    int                 // for unique keys across calls
	formID string              // the matrix's city-wide form
	// extraHeaders go on the next call only (If-Match).
	extraHeaders map[string]string
	audit        *audit.Log
	chunks       *attachments.Chunks
	tree         *org.TreeCache
	versions     *forms.VersionCache
	entries      *entries.Service
	exports      *export.Jobs
	exportDir    string
	wecom        *wecom.Client
	dingtalk     *dingtalk.Client
}

// openExports opens the export jobs in the world's directory and runs them
// until the test ends (a second call is a restart).
func (w *world) openExports(formService *forms.Service, reportService *reports.Service) *export.Jobs {
	svc := &export.Service{Entries: w.entries, Forms: formService, Versions: w.st.forms, Tree: w.tree, Users: w.st.org, Audit: w.audit,
		Now: func() time.Time { return w.now }}
	jobs, err := export.OpenJobs(w.exportDir, svc, reportService, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.t.Cleanup(cancel)
	go jobs.Run(ctx)
	return jobs
}

func newWorld(t *testing.T) *world { return newWorldOn(t, sqliteStores(t)) }

// sweep opens the ledger's rounds at the world's time, as the server does every minute.
func (w *world) sweep() {
	w.t.Helper()
	s := &ledger.Sweeper{Forms: w.st.forms, Units: w.tree.All, Users: w.st.org, Store: w.st.ledger, Now: func() time.Time { return w.now }}
	if _, err := s.Sweep(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

func newWorldOn(t testing.TB, st stores) *world {
	t.Helper()
	w := &world{t: t, st: st, now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), units: map[string]org.Unit{}}
	clock := func() time.Time { return w.now }
	w.tokens, _ = auth.NewTokens("test-secret-test-secret-test-secret!", nil, auth.DefaultTTL, clock)
	tree := &org.TreeCache{Units: st.org}
	w.tree = tree
	people := &org.PeopleCache{UserStore: st.org, Versions: st.org} // as serve.go wires it
	w.audit = &audit.Log{Store: st.audit, Now: clock}
	w.chunks = &attachments.Chunks{Store: w.st.uploads, MaxBytes: 1 << 20, Now: clock}
	versions := &forms.VersionCache{Source: st.forms}
	w.versions = versions
	formService := &forms.Service{Store: st.forms, Versions: versions, PathOf: tree.PathOf, Now: clock, Audit: w.audit,
		Definitions: &forms.DefinitionCache{Store: st.forms, Version: org.FormsVersion(st.org)}} // as serve.go wires it
	w.entries = &entries.Service{Store: st.entries, Forms: formService, Versions: versions, Units: tree.OwnPath,
		People: org.Directory{Users: people}, Now: clock, Attachments: st.attachments, Ledger: st.ledger}
	w.entries.UseSignals(st.signals, tree.NameOf)
	// 企业微信 is on, pointed at a fake by the tests that use it (wecomtest).
	w.wecom = &wecom.Client{HTTP: http.DefaultClient, Now: clock}
	w.dingtalk = &dingtalk.Client{HTTP: http.DefaultClient, Now: clock}
	reportService := &reports.Service{Ledger: st.ledger, Forms: formService, Tree: tree, Users: st.org, Entries: w.entries, Now: clock}
	w.exportDir = t.TempDir()
	w.exports = w.openExports(formService, reportService)
	w.app = build(Deps{
		Entries: w.entries,
		Exports: w.exports,
		Push:    st.push, PushKey: testPushKey,
		WeCom:    w.wecom,
		DingTalk: w.dingtalk,
		Robots:   st.remind,
		Members:  st.remind,
		OAuthStates: &oauth.States{Key: []byte("test-oauth-key"), Now: clock, Use: func(ctx context.Context, nonce string, at time.Time) (bool, error) {
			fresh, err := st.remind.Record(ctx, []string{nonce}, at)
			return len(fresh) == 1, err
		}},
		Reports:    reportService,
		Ledger:     &ledger.Service{Store: st.ledger, Audit: w.audit, Now: clock},
		OpenRounds: (&ledger.Sweeper{Forms: st.forms, Units: tree.All, Users: st.org, Store: st.ledger, Now: clock}).Sweep,
		AuditStore: st.audit, Notifications: st.notifications, Now: clock,
		Attachments: st.attachments, MaxUpload: 1 << 20,
		Chunks: w.chunks,
		Board:  &board.Board{Entries: st.entries, Forms: st.forms, Versions: versions, Units: tree.All, Now: clock},
		Units:  st.org, Users: people, Tokens: w.tokens, Tree: tree, Forms: formService,
		Importer:      &orgimport.Importer{Units: st.org, Users: st.org, Password: cheapPasswords, Now: clock},
		EntryImporter: &formimport.Importer{Entries: w.entries, Forms: formService, Tree: tree, Users: st.org, Audit: w.audit, Now: clock},
		Org:           &org.Service{Units: st.org, Users: st.org, Password: cheapPasswords, Now: clock, Audit: w.audit},
		Sessions: &session.Service{Users: st.org, Sessions: st.sessions, Tokens: w.tokens, Password: cheapPasswords, Audit: w.audit,
			Now: clock, PhoneThrottle: auth.NewThrottle(5, 15*time.Minute, "phone:", w.st.throttle, clock),
			IPThrottle: auth.NewThrottle(50, 15*time.Minute, "ip:", w.st.throttle, clock)},
		Ready: st.ping, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: NewMetrics("test"),
		UI: fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}}, BodyLimit: 4 << 20,
	}, func(*fiber.App) {})
	for _, path := range [][]string{{"city"}, {"city", "d1"}, {"city", "d1", "t1"}, {"city", "d1", "t1", "v1"}, {"city", "d2"}} {
		w.addUnit(path...)
	}
	return w
}

func (w *world) addUnit(names ...string) {
	var path []string
	for _, n := range names[:len(names)-1] {
		if u, ok := w.units[n]; ok {
			path = u.Path
		}
	}
	name := names[len(names)-1]
	id := "unit-" + name
	if _, taken := w.units[name]; taken {
		id += "-" + path[len(path)-1] // a second unit of the same name elsewhere
	}
	parent := ""
	if len(path) > 0 {
		parent = path[len(path)-1]
	}
	u := org.Unit{ID: id, ParentID: parent, Name: "单位" + name, Kind: org.KindTownship, Active: true,
		Path: append(slices.Clone(path), id), CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.st.org.InsertUnit(context.Background(), auth.SystemScope("unit-city"), u); err != nil {
		w.t.Fatal(err)
	}
	w.units[name] = u
}

// addUser stores a user with a password and returns it.
func (w *world) addUser(phone, unit string, mustChange bool, roles ...auth.Role) org.User {
	w.t.Helper()
	hash, _ := auth.HashPassword("secret-pass-1", cheapPasswords)
	u := org.User{ID: "user-" + phone, Name: "用户" + phone[7:], Phone: phone, UnitID: w.units[unit].ID,
		UnitPath: w.units[unit].Path, Roles: roles, Active: true, PasswordHash: hash, MustChangePassword: mustChange,
		AuthVersion: 1, Rev: 1, CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.st.org.InsertUser(context.Background(), auth.SystemScope("unit-city"), u); err != nil {
		w.t.Fatal(err)
	}
	return u
}

// tokenFor signs an access token as login would.
func (w *world) tokenFor(u org.User) string {
	tok, err := w.tokens.Issue(u.ID, u.UnitID, u.Roles, u.MustChangePassword, u.AuthVersion)
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not a JSON object: %s", r.body)
	}
	return m
}

// withHeaders sends body with extra request headers (If-Match).
type withHeaders struct {
	body    any
	headers map[string]string
}

// rawBody is sent as is, with the Content-Type given in withHeaders.
type rawBody []byte

// upload is a request body sent as multipart/form-data with one file field.
type upload struct {
	file   []byte
	fields map[string]string // other form fields
}

// call sends a request with an optional bearer token and a JSON (or upload) body.
func (w *world) call(method, url, token string, body any) reply {
	w.t.Helper()
	var reader io.Reader
	contentType := "application/json"
	if h, ok := body.(withHeaders); ok {
		w.extraHeaders, body = h.headers, h.body
		defer func() { w.extraHeaders = nil }()
	}
	switch b := body.(type) {
	case nil:
	case rawBody:
		reader, contentType = bytes.NewReader(b), "application/octet-stream"
	case upload:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		part, _ := mw.CreateFormFile("file", "import.xlsx")
		_, _ = part.Write(b.file)
		for k, v := range b.fields {
			_ = mw.WriteField(k, v)
		}
		_ = mw.Close()
		reader, contentType = &buf, mw.FormDataContentType()
	default:
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, url, reader)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range w.extraHeaders {
		req.Header.Set(k, v)
	}
	resp, err := w.app.Test(req, 60000) // generous: the race detector slows heavy requests
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
