// Package config reads taizhang's configuration from the environment into one
// struct, validates it at start and masks secrets when it is logged.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config is everything the binary reads from its environment.
type Config struct {
	Addr             string
	DataDir          string
	DBURL            string // empty: embedded SQLite in DataDir
	DBConnectTimeout time.Duration
	JWTSecret        string
	// AuditKey keys the audit chain (HMAC); generated into the data dir if empty.
	AuditKey string
	// JWTPreviousSecrets still verify tokens after a key rotation (for one token lifetime).
	JWTPreviousSecrets []string
	AdminPhone         string
	AdminPassword      string
	Demo               bool
	DemoWeeks          int // how far back the demo city's history goes
	LogLevel           slog.Level
	LogFormat          string
	BodyLimit          int
	MaxUpload          int64
	CORSOrigins        []string
	ShutdownTimeout    time.Duration
	// LoginConcurrency bounds concurrent password hashings (64 MiB each).
	LoginConcurrency int
	// TrustedProxies are the load balancers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// MetricsToken lets a scraper off this host read /metrics.
	MetricsToken string
	// QuietHours is when pushes wait ("22:00-07:30" Beijing; empty: never).
	QuietHours string
	// PushSubject is the VAPID contact push services may write to.
	PushSubject string
	// ReminderEvery is how often the reminder sweep runs.
	ReminderEvery time.Duration
	// PublicURL is where people reach the PWA (links in 企业微信 cards).
	PublicURL string
	// 企业微信/政务微信: an application of an organisation; off without a corp id.
	WeComCorpID  string
	WeComAgentID int
	WeComSecret  string
	WeComBaseURL string
	// 钉钉: an application (AppKey, AppSecret, agent id); off without an app key.
	DingTalkAppKey    string
	DingTalkAppSecret string
	DingTalkAgentID   int
	DingTalkBaseURL   string
	// BlobURL names an S3-compatible bucket for attachment bytes
	// (s3://BUCKET/PREFIX?endpoint=…); empty: the data dir or GridFS.
	BlobURL string
	// S3AccessKey and S3SecretKey sign requests to that bucket.
	S3AccessKey string
	S3SecretKey string
}

// variable describes one environment variable: its name, default and how to apply it.
type variable struct {
	name, def, help string
	set             func(c *Config, v string) error
}

// emptyMeansNone are the variables that, set to the empty string, mean
// "none" rather than their default.
var emptyMeansNone = map[string]bool{"TAIZHANG_QUIET_HOURS": true}

// SetEmpty is what a getenv gives for a variable that is set to the empty
// string (LookupEnv tells it from an unset one): Getenv gives "" for both.
const SetEmpty = "\x00set-empty"

// LookupEnv is os.LookupEnv as Load reads it: set but empty is SetEmpty.
func LookupEnv(lookup func(string) (string, bool)) func(string) string {
	return func(name string) string {
		v, ok := lookup(name)
		if ok && v == "" {
			return SetEmpty
		}
		return v
	}
}

var variables = []variable{
	{"TAIZHANG_ADDR", "127.0.0.1:8080", "listen address", func(c *Config, v string) error { c.Addr = v; return nil }},
	{"TAIZHANG_DATA_DIR", "./data", "embedded database, blobs, generated secrets", func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"TAIZHANG_DB_URL", "", "empty: embedded SQLite; mongodb:// or mongodb+srv://: MongoDB", setDBURL},
	{"TAIZHANG_DB_CONNECT_TIMEOUT", "30s", "how long to wait for MongoDB at start", durationVar(func(c *Config) *time.Duration { return &c.DBConnectTimeout })},
	{"TAIZHANG_JWT_SECRET", "", "HS256 key, at least 32 bytes; generated into the data dir if empty", setJWTSecret},
	{"TAIZHANG_JWT_PREVIOUS_SECRET", "", "the secret before a rotation: still verifies tokens it signed", setPreviousSecret},
	{"TAIZHANG_AUDIT_KEY", "", "key of the audit chain's HMAC, at least 32 bytes; generated into the data dir if empty", setAuditKey},
	{"TAIZHANG_ADMIN_PHONE", "", "bootstrap administrator's phone (on a store with no users)", func(c *Config, v string) error { c.AdminPhone = v; return nil }},
	{"TAIZHANG_ADMIN_PASSWORD", "", "bootstrap administrator's password", func(c *Config, v string) error { c.AdminPassword = v; return nil }},
	{"TAIZHANG_DEMO", "0", "1: load the demo city once and print its logins", setDemo},
	{"TAIZHANG_DEMO_WEEKS", "8", "weeks of past the demo city files when first loaded (0: none)", setDemoWeeks},
	{"TAIZHANG_LOG_LEVEL", "info", "debug, info, warn or error", setLogLevel},
	{"TAIZHANG_LOG_FORMAT", "text", "text or json", setLogFormat},
	{"TAIZHANG_BODY_LIMIT", "16777216", "largest request body in bytes", setBodyLimit},
	{"TAIZHANG_MAX_UPLOAD", "10485760", "largest attachment in bytes", setMaxUpload},
	{"TAIZHANG_CORS_ORIGINS", "", "comma-separated origins allowed by CORS; empty: CORS off", setCORS},
	{"TAIZHANG_SHUTDOWN_TIMEOUT", "15s", "how long to drain requests on SIGTERM", durationVar(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{"TAIZHANG_LOGIN_CONCURRENCY", "4", "password checks at once (64 MiB each); more wait, a full queue is 503", setLoginConcurrency},
	{"TAIZHANG_TRUSTED_PROXIES", "", "comma-separated CIDRs of proxies whose X-Forwarded-For names the client", setTrustedProxies},
	{"TAIZHANG_METRICS_TOKEN", "", "bearer token for /metrics from other hosts; empty: this host only", setMetricsToken},
	{"TAIZHANG_QUIET_HOURS", "22:00-07:30", "Beijing hours in which pushes (Web Push, 企业微信, 钉钉) wait; in-app messages never do; empty: none", setQuietHours},
	{"TAIZHANG_PUBLIC_URL", "", "where people reach the PWA, e.g. https://taizhang.example.gov.cn (links in 企业微信 messages)", setPublicURL},
	{"TAIZHANG_WECOM_CORP_ID", "", "企业微信/政务微信 organisation (corp) id; empty: that channel and sign-in are off", func(c *Config, v string) error { c.WeComCorpID = v; return nil }},
	{"TAIZHANG_WECOM_AGENT_ID", "0", "企业微信 application (agent) id", setWeComAgentID},
	{"TAIZHANG_WECOM_SECRET", "", "企业微信 application secret", func(c *Config, v string) error { c.WeComSecret = v; return nil }},
	{"TAIZHANG_WECOM_BASE_URL", "https://qyapi.weixin.qq.com", "企业微信 API (政务微信 deployments have their own; tests point it at a fake)", setWeComBaseURL},
	{"TAIZHANG_DINGTALK_APP_KEY", "", "钉钉 application AppKey; empty: that channel and sign-in are off", func(c *Config, v string) error { c.DingTalkAppKey = v; return nil }},
	{"TAIZHANG_DINGTALK_APP_SECRET", "", "钉钉 application AppSecret", func(c *Config, v string) error { c.DingTalkAppSecret = v; return nil }},
	{"TAIZHANG_DINGTALK_AGENT_ID", "0", "钉钉 application agent id (work notifications are sent as it)", setDingTalkAgentID},
	{"TAIZHANG_DINGTALK_BASE_URL", "https://oapi.dingtalk.com", "钉钉 API; when changed, also used for the sign-in API (tests point it at a fake)", setDingTalkBaseURL},
	{"TAIZHANG_REMINDER_EVERY", "1m", "how often reminders are swept and sent (1s to 1h)", setReminderEvery},
	{"TAIZHANG_BLOB_URL", "", "empty: attachments in the data dir (SQLite) or GridFS (MongoDB); s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R&secure=true|false&pathStyle=true: an S3-compatible bucket", setBlobURL},
	{"AWS_ACCESS_KEY_ID", "", "access key of the TAIZHANG_BLOB_URL bucket", func(c *Config, v string) error { c.S3AccessKey = v; return nil }},
	{"AWS_SECRET_ACCESS_KEY", "", "secret key of the TAIZHANG_BLOB_URL bucket (masked in logs)", func(c *Config, v string) error { c.S3SecretKey = v; return nil }},
	{"TAIZHANG_PUSH_SUBJECT", "mailto:taizhang@localhost", "VAPID contact (mailto: or https:) that browsers' push services may write to", setPushSubject},
}

// Variables returns the names of every environment variable the binary reads, so
// deployment files can be checked against it.
func Variables() []string {
	names := make([]string, len(variables))
	for i, v := range variables {
		names[i] = v.name
	}
	return names
}

// Load reads the configuration through getenv (os.Getenv in main, a map in tests).
// An invalid value is an error that names its variable.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	var problems []error
	for _, v := range variables {
		value := strings.TrimSpace(getenv(v.name))
		switch {
		case value == SetEmpty && emptyMeansNone[v.name]:
			value = ""
		case value == "" || value == SetEmpty:
			value = v.def
		}
		if err := v.set(&c, value); err != nil {
			problems = append(problems, fmt.Errorf("%s=%q: %w", v.name, value, err))
		}
	}
	if (c.AdminPhone == "") != (c.AdminPassword == "") {
		problems = append(problems, errors.New("TAIZHANG_ADMIN_PHONE and TAIZHANG_ADMIN_PASSWORD must be set together"))
	}
	if c.WeComCorpID != "" && (c.WeComSecret == "" || c.WeComAgentID == 0 || c.PublicURL == "") {
		problems = append(problems, errors.New("TAIZHANG_WECOM_CORP_ID needs TAIZHANG_WECOM_SECRET, TAIZHANG_WECOM_AGENT_ID and TAIZHANG_PUBLIC_URL (its messages link to the PWA)"))
	}
	if c.DingTalkAppKey != "" && (c.DingTalkAppSecret == "" || c.DingTalkAgentID == 0 || c.PublicURL == "") {
		problems = append(problems, errors.New("TAIZHANG_DINGTALK_APP_KEY needs TAIZHANG_DINGTALK_APP_SECRET, TAIZHANG_DINGTALK_AGENT_ID and TAIZHANG_PUBLIC_URL"))
	}
	return c, errors.Join(problems...)
}

func setBlobURL(c *Config, v string) error {
	if v != "" && !strings.HasPrefix(v, "s3://") {
		return errors.New("must be empty (data dir or GridFS) or an s3:// URL")
	}
	c.BlobURL = v
	return nil
}

func setDBURL(c *Config, v string) error {
	if v != "" && !strings.HasPrefix(v, "mongodb://") && !strings.HasPrefix(v, "mongodb+srv://") {
		return errors.New("must be empty (embedded SQLite) or start with mongodb:// or mongodb+srv://")
	}
	if _, err := url.Parse(v); err != nil {
		return errors.New("is not a valid URL")
	}
	c.DBURL = v
	return nil
}

func setJWTSecret(c *Config, v string) error {
	if v != "" && len(v) < 32 {
		return errors.New("must be at least 32 bytes (or empty to generate one)")
	}
	c.JWTSecret = v
	return nil
}

func setAuditKey(c *Config, v string) error {
	if v != "" && len(v) < 32 {
		return errors.New("must be at least 32 bytes (or empty to generate one)")
	}
	c.AuditKey = v
	return nil
}

func setPreviousSecret(c *Config, v string) error {
	c.JWTPreviousSecrets = nil
	if v == "" {
		return nil
	}
	if len(v) < 32 {
		return errors.New("must be at least 32 bytes")
	}
	c.JWTPreviousSecrets = []string{v}
	return nil
}

func setDemo(c *Config, v string) error {
	switch v {
	case "0", "false":
		c.Demo = false
	case "1", "true":
		c.Demo = true
	default:
		return errors.New("must be 0 or 1")
	}
	return nil
}

func setLogLevel(c *Config, v string) error {
	return c.LogLevel.UnmarshalText([]byte(v))
}

func setLogFormat(c *Config, v string) error {
	if v != "text" && v != "json" {
		return errors.New("must be text or json")
	}
	c.LogFormat = v
	return nil
}

func setBodyLimit(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1024 {
		return errors.New("must be a whole number of bytes, at least 1024")
	}
	c.BodyLimit = n
	return nil
}

func setMaxUpload(c *Config, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1024 {
		return errors.New("must be a whole number of bytes, at least 1024")
	}
	c.MaxUpload = n
	return nil
}

func setDemoWeeks(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 26 {
		return errors.New("must be a whole number of weeks from 0 to 26")
	}
	c.DemoWeeks = n
	return nil
}

func setLoginConcurrency(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 256 {
		return errors.New("must be a whole number from 1 to 256 (each check holds 64 MiB)")
	}
	c.LoginConcurrency = n
	return nil
}

func setTrustedProxies(c *Config, v string) error {
	c.TrustedProxies = nil
	for _, cidr := range strings.Split(v, ",") {
		if cidr = strings.TrimSpace(cidr); cidr == "" {
			continue
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			if addr, addrErr := netip.ParseAddr(cidr); addrErr == nil {
				p, err = addr.Prefix(addr.BitLen())
			}
		}
		if err != nil {
			return fmt.Errorf("%q is not an address or CIDR such as 10.0.0.0/8", cidr)
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	return nil
}

var quietHours = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$`)

func setQuietHours(c *Config, v string) error {
	if v != "" && !quietHours.MatchString(v) {
		return errors.New("want HH:MM-HH:MM in Beijing time, e.g. 22:00-07:30, or empty for none")
	}
	c.QuietHours = v
	return nil
}

func setPublicURL(c *Config, v string) error {
	if v != "" && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
		return errors.New("must be an http(s) URL")
	}
	c.PublicURL = strings.TrimRight(v, "/")
	return nil
}

func setWeComAgentID(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return errors.New("must be the application's numeric agent id")
	}
	c.WeComAgentID = n
	return nil
}

func setDingTalkAgentID(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return errors.New("must be the application's numeric agent id")
	}
	c.DingTalkAgentID = n
	return nil
}

func setDingTalkBaseURL(c *Config, v string) error {
	if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
		return errors.New("must be an http(s) URL")
	}
	c.DingTalkBaseURL = strings.TrimRight(v, "/")
	return nil
}

func setWeComBaseURL(c *Config, v string) error {
	if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
		return errors.New("must be an http(s) URL")
	}
	c.WeComBaseURL = strings.TrimRight(v, "/")
	return nil
}

func setReminderEvery(c *Config, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second || d > time.Hour {
		return errors.New("want a duration from 1s to 1h, e.g. 1m")
	}
	c.ReminderEvery = d
	return nil
}

func setPushSubject(c *Config, v string) error {
	if !strings.HasPrefix(v, "mailto:") && !strings.HasPrefix(v, "https://") {
		return errors.New("must start with mailto: or https://")
	}
	c.PushSubject = v
	return nil
}

func setMetricsToken(c *Config, v string) error {
	if v != "" && len(v) < 16 {
		return errors.New("must be at least 16 characters (or empty: /metrics for this host only)")
	}
	c.MetricsToken = v
	return nil
}

func setCORS(c *Config, v string) error {
	c.CORSOrigins = nil
	for _, origin := range strings.Split(v, ",") {
		origin = strings.TrimSpace(origin)
		if origin == "" {
			continue
		}
		if u, err := url.Parse(origin); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
			return fmt.Errorf("%q is not an origin like https://example.gov.cn", origin)
		}
		c.CORSOrigins = append(c.CORSOrigins, origin)
	}
	return nil
}

func durationVar(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("must be a positive duration such as 30s")
		}
		*field(c) = d
		return nil
	}
}

// Files of generated secrets inside the data directory.
const (
	secretFile   = "jwt.secret"
	auditKeyFile = "audit.key"
	// CheckpointFile receives the signed checkpoints of the audit chain's head.
	CheckpointFile = "audit-checkpoints.jsonl"
)

// EnsureJWTSecret fills an empty JWTSecret from the data directory, generating and
// storing one (mode 0600) on first start so tokens survive restarts.
func (c *Config) EnsureJWTSecret() error {
	return ensureSecret(filepath.Join(c.DataDir, secretFile), &c.JWTSecret)
}

// EnsureAuditKey fills an empty AuditKey the same way. A key in the data dir
// sits beside the embedded database: whoever can rewrite one can read the
// other, so deployments that must resist their own administrators set
// TAIZHANG_AUDIT_KEY from a secret store instead (docs/entries.md).
func (c *Config) EnsureAuditKey() error {
	return ensureSecret(filepath.Join(c.DataDir, auditKeyFile), &c.AuditKey)
}

// LoadAuditKey is EnsureAuditKey for tools that must not create one (audit
// verify): an absent key is an error.
func (c *Config) LoadAuditKey() error {
	if c.AuditKey != "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(c.DataDir, auditKeyFile))
	if err != nil {
		return fmt.Errorf("no TAIZHANG_AUDIT_KEY and no %s in the data dir: %w", auditKeyFile, err)
	}
	c.AuditKey = strings.TrimSpace(string(b))
	return nil
}

// ensureSecret reads a secret of at least 32 bytes from path into an empty
// *secret, or generates and stores one there first.
func ensureSecret(path string, secret *string) error {
	if *secret != "" {
		return nil
	}
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		*secret = strings.TrimSpace(string(b))
		return nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	key := make([]byte, 48)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	generated := base64.RawURLEncoding.EncodeToString(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(generated+"\n"), 0o600); err != nil {
		return fmt.Errorf("store generated secret: %w", err)
	}
	*secret = generated
	return nil
}

// LogValue prints the configuration with secrets masked and the database URL's
// password removed, so logs never carry credentials.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", c.Addr), slog.String("data_dir", c.DataDir),
		slog.String("db", RedactURL(c.DBURL)), slog.Duration("db_connect_timeout", c.DBConnectTimeout),
		slog.String("jwt_secret", mask(c.JWTSecret)), slog.Int("jwt_previous_secrets", len(c.JWTPreviousSecrets)),
		slog.String("audit_key", mask(c.AuditKey)), slog.String("metrics_token", mask(c.MetricsToken)),
		slog.String("admin_phone", c.AdminPhone),
		slog.String("admin_password", mask(c.AdminPassword)), slog.Bool("demo", c.Demo), slog.Int("demo_weeks", c.DemoWeeks),
		slog.String("log_level", c.LogLevel.String()), slog.String("log_format", c.LogFormat),
		slog.Int("body_limit", c.BodyLimit), slog.Int64("max_upload", c.MaxUpload), slog.Any("cors_origins", c.CORSOrigins),
		slog.Int("login_concurrency", c.LoginConcurrency), slog.Any("trusted_proxies", c.TrustedProxies),
		slog.String("quiet_hours", c.QuietHours), slog.String("public_url", c.PublicURL),
		slog.String("wecom_corp_id", c.WeComCorpID), slog.Int("wecom_agent_id", c.WeComAgentID), slog.String("wecom_secret", mask(c.WeComSecret)),
		slog.String("dingtalk_app_key", c.DingTalkAppKey), slog.String("dingtalk_app_secret", mask(c.DingTalkAppSecret)),
		slog.String("blob_url", c.BlobURL), slog.String("aws_access_key_id", c.S3AccessKey), slog.String("aws_secret_access_key", mask(c.S3SecretKey)),
	)
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "***"
}

// RedactURL hides the password in a database URL; empty means the embedded store.
func RedactURL(raw string) string {
	if raw == "" {
		return "embedded sqlite"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}
