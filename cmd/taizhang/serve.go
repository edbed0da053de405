package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/api"
	"taizhang/attachments"
	"taizhang/audit"
	"taizhang/auth"
	"taizhang/board"
	"taizhang/config"
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
	"taizhang/store/mongo"
	"taizhang/store/s3"
	"taizhang/store/sqlite"
	"taizhang/webui"
	"taizhang/wecom"
)

// program is a started taizhang: a store and an HTTP app, not yet listening. Tests
// build one and serve it on port 0.
type program struct {
	cfg   config.Config
	log   *slog.Logger
	store openStore
	app   *fiber.App
	// chunks holds partial uploads, swept of abandoned ones while serving.
	chunks *attachments.Chunks
	// throttle is the login throttle, swept of idle records.
	throttle *auth.Throttle
	// entries checks submissions for signals in the background, over tree.
	entries *entries.Service
	tree    *org.TreeCache
	// sweeper opens the ledger's rounds, at start and every minute.
	sweeper *ledger.Sweeper
	// exports runs export jobs while serving.
	exports *export.Jobs
	// reminders sweeps for deadlines every minute, on one instance at a time.
	reminders *remind.Scheduler
}

// openStore is the chosen adapter, seen through what the program needs of it.
type openStore struct {
	warning       string // what the operator should know about this database
	entries       entries.Store
	attachments   attachments.Store
	uploads       attachments.UploadStore
	parts         attachments.MultipartBlobs // the bucket's multipart uploads; nil without one
	throttle      auth.ThrottleStore
	signals       signals.Index
	forms         forms.Store
	audit         audit.Store
	notifications notify.Store
	units         org.UnitStore
	users         org.UserStore
	sessions      session.Store
	ledger        ledger.Store
	remind        remind.Store
	push          push.Store
	ping          func(context.Context) error
	close         func() error
}

func serve(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	p, err := start(ctx, cfg, stdout, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		p.store.close()
		return fmt.Errorf("listen on %s (TAIZHANG_ADDR): %w", cfg.Addr, err)
	}
	return p.serve(ctx, ln)
}

// start opens the store and builds the app. On error nothing stays open.
func start(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) (*program, error) {
	log := newLogger(cfg, stderr)
	if err := cfg.EnsureJWTSecret(); err != nil {
		return nil, fmt.Errorf("JWT secret (TAIZHANG_JWT_SECRET): %w", err)
	}
	if err := cfg.EnsureAuditKey(); err != nil {
		return nil, fmt.Errorf("audit key (TAIZHANG_AUDIT_KEY): %w", err)
	}
	log.Info("starting taizhang", "version", version, "config", cfg, "ui_built", webui.Built)
	metrics := api.NewMetrics(version)
	store, err := open(ctx, cfg, metrics.ObserveStore)
	if err != nil {
		return nil, err
	}
	if store.warning != "" {
		log.Warn(store.warning)
	}
	p := &program{cfg: cfg, log: log, store: store}
	if err := p.setUp(ctx, stdout); err != nil {
		store.close()
		return nil, err
	}
	tokens, err := auth.NewTokens(cfg.JWTSecret, cfg.JWTPreviousSecrets, auth.DefaultTTL, time.Now)
	if err != nil {
		store.close()
		return nil, fmt.Errorf("TAIZHANG_JWT_SECRET: %w", err)
	}
	d := newDomain(store, time.Now)
	deps := services(cfg, store, d, tokens, log, metrics)
	exportSvc := &export.Service{Entries: d.entries, Forms: d.forms, Versions: store.forms, Tree: d.tree, Users: store.users, Audit: d.audit, Now: time.Now}
	if deps.Exports, err = export.OpenJobs(filepath.Join(cfg.DataDir, "exports"), exportSvc, deps.Reports, log); err != nil {
		store.close()
		return nil, err
	}
	keys, err := push.LoadOrCreateKeys(cfg.DataDir)
	if err != nil {
		store.close()
		return nil, fmt.Errorf("web push keys: %w", err)
	}
	deps.Push, deps.PushKey = store.push, keys.Public
	deps.WeCom, deps.DingTalk, deps.Robots, deps.Members = weComClient(cfg, log), dingTalkClient(cfg, log), store.remind, store.remind
	deps.OAuthStates = &oauth.States{Key: oauthKey(cfg.JWTSecret), Now: time.Now, Use: func(ctx context.Context, nonce string, at time.Time) (bool, error) {
		fresh, err := store.remind.Record(ctx, []string{nonce}, at)
		return len(fresh) == 1, err
	}}
	if p.reminders, err = reminders(cfg, store, d, keys, deps, metrics, log); err != nil {
		store.close()
		return nil, err
	}
	p.app, p.chunks, p.sweeper, p.exports = api.New(deps), deps.Chunks, d.sweeper, deps.Exports
	p.entries, p.tree = d.entries, d.tree
	p.throttle = deps.Sessions.PhoneThrottle // one store holds both throttles' records
	if err := p.settleLedger(ctx, deps.Entries); err != nil {
		store.close()
		return nil, err
	}
	return p, nil
}

// settleLedger brings the ledger up to date before the first request: the
// counts of entries filed before it existed, and the rounds that opened (and
// the due times that passed) while the server was down.
func (p *program) settleLedger(ctx context.Context, svc *entries.Service) error {
	built, err := p.store.ledger.CountsBuilt(ctx)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if !built {
		if err := rebuildCounts(ctx, p.store, svc.Versions); err != nil {
			return fmt.Errorf("ledger: count the entries: %w", err)
		}
		p.log.Info("counted the entries filed before the ledger")
	}
	n, err := p.sweeper.Sweep(ctx)
	if err != nil {
		return fmt.Errorf("ledger: open rounds: %w", err)
	}
	if n > 0 {
		p.log.Info("opened ledger rounds", "obligations", n)
	}
	return nil
}

// sweepLedger opens rounds every minute while serving.
func (p *program) sweepLedger(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Minute):
		}
		if _, err := p.sweeper.Sweep(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("opening ledger rounds", "err", err)
		}
	}
}

// domain is the domain services on one clock: the server's run on the wall
// clock, the demo's history on a clock it turns.
type domain struct {
	tree     *org.TreeCache
	people   *org.PeopleCache
	audit    *audit.Log
	versions *forms.VersionCache
	forms    *forms.Service
	entries  *entries.Service
	ledger   *ledger.Service
	sweeper  *ledger.Sweeper
}

func newDomain(store openStore, now func() time.Time) domain {
	d := domain{tree: &org.TreeCache{Units: store.units}, people: &org.PeopleCache{UserStore: store.users, Versions: store.units},
		audit:    &audit.Log{Store: store.audit, Now: now},
		versions: &forms.VersionCache{Source: store.forms}}
	d.forms = &forms.Service{Store: store.forms, Versions: d.versions, PathOf: d.tree.PathOf, Now: now, Audit: d.audit,
		Definitions: &forms.DefinitionCache{Store: store.forms, Version: org.FormsVersion(store.units)}}
	d.entries = &entries.Service{Store: store.entries, Forms: d.forms, Versions: d.versions, Units: d.tree.OwnPath,
		People: org.Directory{Users: d.people}, Now: now, Attachments: store.attachments, Ledger: store.ledger}
	d.entries.UseSignals(store.signals, d.tree.NameOf)
	d.ledger = &ledger.Service{Store: store.ledger, Audit: d.audit, Now: now}
	d.sweeper = &ledger.Sweeper{Forms: store.forms, Units: d.tree.All, Users: store.users, Store: store.ledger, Now: now}
	return d
}

// services wires the domain services to the store: the one place that decides
// which implementation each dependency gets.
func services(cfg config.Config, store openStore, d domain, tokens *auth.Tokens, log *slog.Logger, metrics *api.Metrics) api.Deps {
	now, params := time.Now, auth.DefaultPasswordParams
	return api.Deps{
		Entries: d.entries,
		Reports: &reports.Service{Ledger: store.ledger, Forms: d.forms, Tree: d.tree, Users: store.users, Entries: d.entries, Now: now},
		Ledger:  d.ledger, OpenRounds: d.sweeper.Sweep,
		AuditStore: store.audit, Notifications: store.notifications, Now: now,
		Attachments: store.attachments, MaxUpload: cfg.MaxUpload,
		Chunks: &attachments.Chunks{Store: store.uploads, Parts: store.parts, MaxBytes: cfg.MaxUpload, Now: now},
		Units:  store.units, Users: d.people, Tokens: tokens, Tree: d.tree, Forms: d.forms,
		Importer:      &orgimport.Importer{Units: store.units, Users: store.users, Password: params, Now: now},
		EntryImporter: &formimport.Importer{Entries: d.entries, Forms: d.forms, Tree: d.tree, Users: store.users, Audit: d.audit, Now: now},
		Org:           &org.Service{Units: store.units, Users: store.users, Password: params, Now: now, Audit: d.audit},
		Sessions: &session.Service{Users: store.users, Sessions: store.sessions, Tokens: tokens, Password: params, Now: now, Audit: d.audit,
			PhoneThrottle: auth.NewThrottle(5, 15*time.Minute, "phone:", store.throttle, now),
			IPThrottle:    auth.NewThrottle(50, 15*time.Minute, "ip:", store.throttle, now),
			Slots:         auth.NewPasswordSlots(cfg.LoginConcurrency, 32*cfg.LoginConcurrency)},
		Ready: store.ping, Log: log, Metrics: metrics, UI: webui.FS(),
		BodyLimit: cfg.BodyLimit, CORSOrigins: cfg.CORSOrigins, TrustedProxies: cfg.TrustedProxies,
		MetricsToken: cfg.MetricsToken,
		Board:        &board.Board{Entries: store.entries, Forms: store.forms, Versions: d.versions, Units: d.tree.All, Now: now},
		PublicURL:    cfg.PublicURL,
	}
}

// reminders builds the reminder sweep and its channels: Web Push always
// (its keys are made into the data dir on first start).
func reminders(cfg config.Config, store openStore, d domain, keys push.Keys, deps api.Deps, metrics *api.Metrics, log *slog.Logger) (*remind.Scheduler, error) {
	quiet, err := remind.ParseQuietHours(cfg.QuietHours)
	if err != nil {
		return nil, fmt.Errorf("TAIZHANG_QUIET_HOURS: %w", err)
	}
	webPush := &push.Channel{Store: store.push, Keys: keys, Subject: cfg.PushSubject, Client: &http.Client{Timeout: 15 * time.Second}}
	robots := &remind.RobotChannel{Robots: store.remind, HTTP: &http.Client{Timeout: 15 * time.Second}, PublicURL: cfg.PublicURL, Now: time.Now}
	channels := []remind.Channel{webPush, robots}
	if deps.WeCom != nil {
		channels = append(channels, wecom.Channel(deps.WeCom, cfg.PublicURL, phoneOf(store.users), store.remind))
	}
	if deps.DingTalk != nil {
		channels = append(channels, dingtalk.Channel(deps.DingTalk, cfg.PublicURL, phoneOf(store.users)))
	}
	svc := &remind.Service{Store: store.remind, Ledger: store.ledger, Forms: store.forms, Versions: d.versions, Units: d.tree.All,
		Users: store.users, Notify: store.notifications, Now: time.Now, Channels: channels, Quiet: quiet,
		Observe: metrics.ObserveDelivery, Entries: d.entries, People: org.Directory{Users: store.users}}
	return &remind.Scheduler{Service: svc, Holder: ids.New(time.Now()), Every: cfg.ReminderEvery, Log: log}, nil
}

// phoneOf reads a user's mobile number, by which other platforms know them.
func phoneOf(users org.UserStore) func(ctx context.Context, id string) (string, error) {
	return func(ctx context.Context, id string) (string, error) {
		u, err := users.UserByID(ctx, id)
		return u.Phone, err
	}
}

// weComClient is the 企业微信 application, or nil (said once) when not configured.
func weComClient(cfg config.Config, log *slog.Logger) *wecom.Client {
	if cfg.WeComCorpID == "" {
		log.Info("企业微信 off: TAIZHANG_WECOM_CORP_ID is not set (no messages there, no sign-in through it)")
		return nil
	}
	return &wecom.Client{BaseURL: cfg.WeComBaseURL, CorpID: cfg.WeComCorpID, AgentID: cfg.WeComAgentID, Secret: cfg.WeComSecret,
		HTTP: &http.Client{Timeout: 15 * time.Second}, Now: time.Now}
}

// dingTalkClient is the 钉钉 application, or nil (said once) when not configured.
func dingTalkClient(cfg config.Config, log *slog.Logger) *dingtalk.Client {
	if cfg.DingTalkAppKey == "" {
		log.Info("钉钉 off: TAIZHANG_DINGTALK_APP_KEY is not set (no messages there, no sign-in through it)")
		return nil
	}
	newBase := dingtalk.NewAPIBaseURL
	if cfg.DingTalkBaseURL != dingtalk.DefaultBaseURL {
		newBase = cfg.DingTalkBaseURL // a private deployment, or a test's fake, serves both
	}
	return &dingtalk.Client{BaseURL: cfg.DingTalkBaseURL, NewBaseURL: newBase, AppKey: cfg.DingTalkAppKey, AppSecret: cfg.DingTalkAppSecret,
		AgentID: int64(cfg.DingTalkAgentID), HTTP: &http.Client{Timeout: 15 * time.Second}, Now: time.Now}
}

// oauthKey signs sign-in states, derived from the JWT secret so that every
// instance shares it and nothing else is keyed with the secret itself.
func oauthKey(secret string) []byte {
	sum := sha256.Sum256([]byte("taizhang oauth state\x00" + secret))
	return sum[:]
}

// open connects the configured store: embedded SQLite unless TAIZHANG_DB_URL names MongoDB.
func open(ctx context.Context, cfg config.Config, observe func(string, time.Duration, error)) (openStore, error) {
	blobs, err := blobStore(ctx, cfg)
	if err != nil {
		return openStore{}, err
	}
	s, err := openDB(ctx, cfg, observe, blobs)
	s.parts, _ = blobs.(attachments.MultipartBlobs)
	return s, err
}

// openDB opens the database, with blobs (nil: the store's own).
func openDB(ctx context.Context, cfg config.Config, observe func(string, time.Duration, error), blobs attachments.Blobs) (openStore, error) {
	if cfg.DBURL == "" {
		db, err := sqlite.Open(ctx, sqlite.Options{Dir: cfg.DataDir, Observe: observe, AuditKey: []byte(cfg.AuditKey), Blobs: blobs})
		if err != nil {
			return openStore{}, fmt.Errorf("open embedded store in %s (TAIZHANG_DATA_DIR): %w", cfg.DataDir, err)
		}
		return openStore{entries: db.Entries(), attachments: db.Attachments(), uploads: db.Uploads(), throttle: db.Throttle(), signals: db.Signals(), forms: db.Forms(), audit: db.Audit(), notifications: db.Notifications(),
			units: db.Org(), users: db.Org(), sessions: db.Sessions(), ledger: db.Ledger(), remind: db.Remind(), push: db.Push(), ping: db.Ping, close: db.Close}, nil
	}
	db, err := mongo.Open(ctx, mongo.Options{URI: cfg.DBURL, ConnectTimeout: cfg.DBConnectTimeout, Observe: observe,
		AuditKey: []byte(cfg.AuditKey), Blobs: blobs})
	if err != nil {
		return openStore{}, fmt.Errorf("open MongoDB %s (TAIZHANG_DB_URL): %w", config.RedactURL(cfg.DBURL), err)
	}
	s := openStore{entries: db.Entries(), attachments: db.Attachments(), uploads: db.Uploads(), throttle: db.Throttle(), signals: db.Signals(), forms: db.Forms(), audit: db.Audit(), notifications: db.Notifications(),
		units: db.Org(), users: db.Org(), sessions: db.Sessions(), ledger: db.Ledger(), remind: db.Remind(), push: db.Push(), ping: db.Ping, close: db.Close}
	if !db.Transactions() {
		s.warning = "MongoDB runs no transactions (not a replica set): an entry's audit record and notifications are written after it, and a crash in between can lose them"
	}
	return s, nil
}

// blobStore is the S3-compatible bucket TAIZHANG_BLOB_URL names, checked now
// so that a wrong bucket or key stops the binary rather than the first upload;
// nil (the store's own) when it is empty.
func blobStore(ctx context.Context, cfg config.Config) (attachments.Blobs, error) {
	if cfg.BlobURL == "" {
		return nil, nil
	}
	s3cfg, err := s3.ParseURL(cfg.BlobURL)
	if err != nil {
		return nil, fmt.Errorf("TAIZHANG_BLOB_URL: %w", err)
	}
	s3cfg.AccessKey, s3cfg.SecretKey = cfg.S3AccessKey, cfg.S3SecretKey
	blobs, err := s3.New(s3cfg)
	if err == nil {
		err = blobs.Check(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("TAIZHANG_BLOB_URL (with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): %w", err)
	}
	return blobs, nil
}

// serve answers requests on ln until ctx ends, then stops accepting, drains
// in-flight requests for up to ShutdownTimeout, and only then closes the store, so
// no request loses its database mid-flight.
func (p *program) serve(ctx context.Context, ln net.Listener) error {
	p.log.Info("listening", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String())
	sweeping, stopSweeping := context.WithCancel(ctx)
	defer stopSweeping()
	// The background work uses the store: it ends before the store closes.
	var background sync.WaitGroup
	for _, run := range []func(context.Context){p.sweepUploads, p.sweepLedger, p.exports.Run, p.reminders.Run, p.checkSignals} {
		background.Add(1)
		go func() { defer background.Done(); run(sweeping) }()
	}
	checkpointer := &audit.Checkpointer{Store: p.store.audit, Key: []byte(p.cfg.AuditKey), Log: p.log, Now: time.Now,
		Path: filepath.Join(p.cfg.DataDir, config.CheckpointFile)}
	checkpointing, stopCheckpointing := context.WithCancel(context.Background())
	checkpointed := make(chan struct{})
	go func() { checkpointer.Run(checkpointing); close(checkpointed) }()
	served := make(chan error, 1)
	go func() { served <- p.app.Listener(ln) }()
	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
		p.log.Info("shutting down", "timeout", p.cfg.ShutdownTimeout)
		serveErr = p.app.ShutdownWithTimeout(p.cfg.ShutdownTimeout)
		// Shutdown only closes listeners the server has registered; if the signal came
		// before Serve began, closing ln ourselves is what makes it return.
		_ = ln.Close()
		<-served
	}
	stopSweeping()
	background.Wait()
	stopCheckpointing() // the last checkpoint, after the last request, before the store closes
	<-checkpointed
	closeErr := p.store.close()
	p.log.Info("stopped")
	return errors.Join(serveErr, closeErr)
}

// checkSignals checks submitted entries for signals about a second after
// they are filed (later while a deadline's backlog is worked off): a filing
// is answered without waiting for it. One instance at a time checks, the one
// holding the lease; the store keeps one result for each entry even where
// two instances check it while the lease changes hands.
func (p *program) checkSignals(ctx context.Context) {
	lease := &lease{claim: p.store.remind.Claim, name: signalsLease, holder: ids.New(time.Now()), length: 30 * time.Second}
	defer func() { lease.release(context.WithoutCancel(ctx), time.Now()) }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		units, err := p.tree.All(ctx)
		if err != nil || len(units) == 0 {
			continue
		}
		for {
			if held, err := lease.hold(ctx, time.Now()); !held {
				if err != nil && ctx.Err() == nil {
					p.log.Warn("taking the signals check's lease", "err", err)
				}
				break
			}
			start := time.Now()
			n, err := p.entries.CheckSignals(ctx, units[0].Path[0], 100)
			if err != nil && ctx.Err() == nil {
				p.log.Warn("checking signals", "err", err)
			}
			if err != nil || n < 100 {
				break
			}
			// A backlog is worked off at half speed at most, so that
			// filings keep most of the CPU while a deadline's rush lasts.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Since(start)):
			}
		}
	}
}

// signalsLease is the lease of the instance checking for signals. Without
// it every instance checked whatever it found due: in a deadline's backlog,
// all of them the same hundred entries at once, keeping one result of each.
const signalsLease = "signals"

// lease is a named lease in the store that this instance takes and keeps
// while it works. Another instance takes it over once it runs out, so work
// stops for at most one length when its holder dies (and is given up at once
// when it stops).
type lease struct {
	claim        func(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	name, holder string
	length       time.Duration
	until        time.Time // when the lease this instance holds runs out; zero while it holds none
}

// hold says whether this instance holds the lease at now, taking or renewing
// it once half of it has passed: a write every half length while held, not
// one for every batch of work.
func (l *lease) hold(ctx context.Context, now time.Time) (bool, error) {
	if now.Before(l.until.Add(-l.length / 2)) {
		return true, nil
	}
	held, err := l.claim(ctx, l.name, l.holder, now, now.Add(l.length))
	held = held && err == nil // a claim whose transaction failed holds nothing
	l.until = time.Time{}
	if held {
		l.until = now.Add(l.length)
	}
	return held, err
}

// release gives up the lease this instance holds, so that another instance,
// or this one started again, need not wait for it to run out.
func (l *lease) release(ctx context.Context, now time.Time) {
	if l.until.IsZero() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, _ = l.claim(ctx, l.name, l.holder, now, now) // runs out now; a failure leaves it to run out later
	l.until = time.Time{}
}

// sweepUploads removes abandoned partial uploads, and login throttle records
// idle for a day, at start and every hour.
func (p *program) sweepUploads(ctx context.Context) {
	for {
		if n, err := p.chunks.Sweep(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("sweeping partial uploads", "err", err)
		} else if n > 0 {
			p.log.Info("removed abandoned partial uploads", "count", n)
		}
		if _, err := p.throttle.Forget(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("forgetting idle login throttle records", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
