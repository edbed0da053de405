package config

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(pairs map[string]string) func(string) string {
	return func(k string) string { return pairs[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.DBURL != "" || c.Demo ||
		c.LogLevel != slog.LevelInfo || c.LogFormat != "text" || c.DBConnectTimeout != 30*time.Second {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestInvalidValuesNameTheVariable(t *testing.T) {
	cases := map[string]string{
		"TAIZHANG_DB_URL":             "postgres://x",
		"TAIZHANG_JWT_SECRET":         "short",
		"TAIZHANG_DEMO":               "yes",
		"TAIZHANG_LOG_LEVEL":          "loud",
		"TAIZHANG_LOG_FORMAT":         "xml",
		"TAIZHANG_BODY_LIMIT":         "ten",
		"TAIZHANG_CORS_ORIGINS":       "example.com/path",
		"TAIZHANG_DB_CONNECT_TIMEOUT": "-1s",
		"TAIZHANG_ADMIN_PHONE":        "13800138000",
	}
	for name, value := range cases {
		_, err := Load(env(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: want an error naming the variable, got %v", name, value, err)
		}
	}
}

func TestSecretsAreMasked(t *testing.T) {
	c, err := Load(env(map[string]string{
		"TAIZHANG_DB_URL":         "mongodb://app:hunter2-db@db:27017/taizhang",
		"TAIZHANG_JWT_SECRET":     strings.Repeat("s3cret-", 6),
		"TAIZHANG_ADMIN_PHONE":    "13800138000",
		"TAIZHANG_ADMIN_PASSWORD": "hunter2-admin",
		"TAIZHANG_WECOM_CORP_ID":  "wwcorp", "TAIZHANG_WECOM_AGENT_ID": "1000002", "TAIZHANG_WECOM_SECRET": "hunter2-wecom",
		"TAIZHANG_PUBLIC_URL": "https://taizhang.example.gov.cn",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "config", c)
	for _, secret := range []string{"hunter2-db", "s3cret-", "hunter2-admin", "hunter2-wecom"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log shows a secret %q: %s", secret, buf.String())
		}
	}
}

func TestGeneratedJWTSecretIsStoredAndReused(t *testing.T) {
	dir := t.TempDir()
	first := Config{DataDir: dir}
	if err := first.EnsureJWTSecret(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, secretFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret file must exist with mode 0600: %v %v", info, err)
	}
	second := Config{DataDir: dir}
	if err := second.EnsureJWTSecret(); err != nil {
		t.Fatal(err)
	}
	if len(first.JWTSecret) < 32 || first.JWTSecret != second.JWTSecret {
		t.Fatalf("secret not reused: %q vs %q", first.JWTSecret, second.JWTSecret)
	}
}

func TestWeComNeedsAllItsSettings(t *testing.T) {
	_, err := Load(env(map[string]string{"TAIZHANG_WECOM_CORP_ID": "wwcorp"}))
	if err == nil || !strings.Contains(err.Error(), "TAIZHANG_WECOM_SECRET") {
		t.Fatalf("a corp id alone: %v", err)
	}
	for name, value := range map[string]string{"TAIZHANG_QUIET_HOURS": "22:00", "TAIZHANG_PUSH_SUBJECT": "ops@example.org", "TAIZHANG_WECOM_AGENT_ID": "abc"} {
		if _, err := Load(env(map[string]string{name: value})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v", name, value, err)
		}
	}
}

func TestQuietHoursSetEmptyMeansNone(t *testing.T) {
	c, err := Load(env(map[string]string{"TAIZHANG_QUIET_HOURS": SetEmpty, "TAIZHANG_LOG_LEVEL": SetEmpty}))
	if err != nil || c.QuietHours != "" || c.LogLevel.String() != "INFO" {
		t.Fatalf("set empty: quiet %q, log level %v, %v", c.QuietHours, c.LogLevel, err)
	}
	if c, _ := Load(env(map[string]string{})); c.QuietHours != "22:00-07:30" {
		t.Fatalf("unset: %q", c.QuietHours)
	}
	lookup := LookupEnv(func(name string) (string, bool) { return "", name == "A" })
	if lookup("A") != SetEmpty || lookup("B") != "" {
		t.Fatal("LookupEnv does not tell set-empty from unset")
	}
}
