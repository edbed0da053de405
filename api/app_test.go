package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/errs"
)

// scenario is one API call and what must (and must not) come back.
type scenario struct {
	name        string
	method, url string
	headers     map[string]string
	body        string
	wantStatus  int
	wantHeaders map[string]string
	contains    []string
	notContains []string
}

type testApp struct {
	app  *fiber.App
	logs *bytes.Buffer
}

// newTestApp builds the app around a fake UI and a ready function the test controls.
func newTestApp(t *testing.T, ready func(context.Context) error, cors ...string) testApp {
	t.Helper()
	logs := &bytes.Buffer{}
	ui := fstest.MapFS{
		"index.html":             {Data: []byte("<!doctype html><title>台账</title>" + strings.Repeat("<!-- padding -->", 100))},
		"sw.js":                  {Data: []byte("self.addEventListener('fetch',()=>{})")},
		"assets/index-abc123.js": {Data: []byte("console.log('app')")},
		"manifest.webmanifest":   {Data: []byte(`{"name":"台账"}`)},
		"icons/icon-192.png":     {Data: []byte("png")},
	}
	deps := Deps{
		Ready: ready, Log: slog.New(slog.NewTextHandler(logs, nil)), Metrics: NewMetrics("test"),
		UI: ui, BodyLimit: 4096, CORSOrigins: cors, MetricsToken: testMetricsToken,
	}
	app := build(deps, addTestRoutes)
	return testApp{app: app, logs: logs}
}

// addTestRoutes exercises the JSON binding and the error mapping.
func addTestRoutes(app *fiber.App) {
	app.Post("/test/echo", func(c *fiber.Ctx) error {
		var body struct {
			Name string `json:"name"`
			Size int    `json:"size"`
		}
		if err := bindJSON(c, &body); err != nil {
			return err
		}
		return c.JSON(body)
	})
	app.Get("/test/panic", func(c *fiber.Ctx) error { panic("secret panic detail") })
	app.Get("/test/leak", func(c *fiber.Ctx) error { return errors.New("dial tcp 10.0.0.5: password=hunter2") })
	app.Get("/test/conflict", func(c *fiber.Ctx) error {
		return errs.Fields("填报有误", errs.FieldError{Field: "measures[2].deadline", Code: "required", Message: "请填写完成时限"})
	})
}

func (ta testApp) run(t *testing.T, sc scenario) {
	t.Helper()
	req := httptest.NewRequest(sc.method, sc.url, strings.NewReader(sc.body))
	for k, v := range sc.headers {
		req.Header.Set(k, v)
	}
	resp, err := ta.app.Test(req, 5000)
	if err != nil {
		t.Fatalf("%s: %v", sc.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != sc.wantStatus {
		t.Errorf("%s: status %d, want %d; body %s", sc.name, resp.StatusCode, sc.wantStatus, body)
	}
	for k, v := range sc.wantHeaders {
		if got := resp.Header.Get(k); !strings.Contains(got, v) {
			t.Errorf("%s: header %s = %q, want it to contain %q", sc.name, k, got, v)
		}
	}
	for _, s := range sc.contains {
		if !bytes.Contains(body, []byte(s)) {
			t.Errorf("%s: body lacks %q: %s", sc.name, s, body)
		}
	}
	for _, s := range sc.notContains {
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("%s: body must not contain %q: %s", sc.name, s, body)
		}
	}
}

const problemJSON = "application/problem+json"

func readyOK(context.Context) error { return nil }

func TestScenarios(t *testing.T) {
	ta := newTestApp(t, readyOK)
	json := map[string]string{"Content-Type": "application/json"}
	for _, sc := range []scenario{
		{name: "liveness", method: "GET", url: "/healthz", wantStatus: 200, contains: []string{`"ok"`}},
		{name: "readiness", method: "GET", url: "/readyz", wantStatus: 200, contains: []string{`"ready"`}},
		{name: "security headers and request id", method: "GET", url: "/healthz", wantStatus: 200,
			wantHeaders: map[string]string{"Content-Security-Policy": "frame-ancestors 'none'",
				"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin", "X-Request-Id": "-"}},
		{name: "incoming request id is kept", method: "GET", url: "/healthz", headers: map[string]string{"X-Request-ID": "req-42"},
			wantStatus: 200, wantHeaders: map[string]string{"X-Request-Id": "req-42"}},
		{name: "index is revalidated", method: "GET", url: "/", wantStatus: 200, contains: []string{"台账"},
			wantHeaders: map[string]string{"Cache-Control": "no-cache", "Content-Type": "text/html"}},
		{name: "client route falls back to index", method: "GET", url: "/entries/123", wantStatus: 200, contains: []string{"台账"}},
		{name: "hashed asset is immutable", method: "GET", url: "/assets/index-abc123.js", wantStatus: 200,
			wantHeaders: map[string]string{"Cache-Control": "immutable", "Content-Type": "javascript"}},
		{name: "service worker is revalidated", method: "GET", url: "/sw.js", wantStatus: 200, wantHeaders: map[string]string{"Cache-Control": "no-cache"}},
		{name: "manifest type", method: "GET", url: "/manifest.webmanifest", wantStatus: 200, wantHeaders: map[string]string{"Content-Type": "application/manifest+json"}},
		{name: "missing asset is a 404", method: "GET", url: "/assets/gone.js", wantStatus: 404, wantHeaders: map[string]string{"Content-Type": problemJSON}},
		{name: "unknown API path is a problem, not the app", method: "GET", url: "/api/v1/nothing", wantStatus: 404,
			wantHeaders: map[string]string{"Content-Type": problemJSON}, contains: []string{`"code":"not_found"`, `"status":404`}, notContains: []string{"<html"}},
		{name: "wrong method", method: "DELETE", url: "/healthz", wantStatus: 405, wantHeaders: map[string]string{"Content-Type": problemJSON}},
		{name: "json echo", method: "POST", url: "/test/echo", headers: json, body: `{"name":"张三","size":3}`, wantStatus: 200, contains: []string{"张三"}},
		{name: "malformed json", method: "POST", url: "/test/echo", headers: json, body: `{"name":`, wantStatus: 400,
			wantHeaders: map[string]string{"Content-Type": problemJSON}, contains: []string{`"code":"invalid"`}},
		{name: "empty body", method: "POST", url: "/test/echo", headers: json, wantStatus: 400},
		{name: "trailing data", method: "POST", url: "/test/echo", headers: json, body: `{"name":"a"} {}`, wantStatus: 400},
		{name: "wrong type names the field", method: "POST", url: "/test/echo", headers: json, body: `{"size":"three"}`, wantStatus: 400,
			contains: []string{`"field":"size"`}},
		{name: "unknown field names the field", method: "POST", url: "/test/echo", headers: json, body: `{"admin":true}`, wantStatus: 400,
			contains: []string{`"field":"admin"`, `"code":"unknown"`}},
		{name: "wrong content type", method: "POST", url: "/test/echo", headers: map[string]string{"Content-Type": "text/plain"},
			body: `{"name":"a"}`, wantStatus: 415, contains: []string{`"code":"unsupported_media_type"`}},
		{name: "field errors keep their path", method: "GET", url: "/test/conflict", wantStatus: 400,
			contains: []string{`"field":"measures[2].deadline"`, "请填写完成时限", `"title":"Bad Request"`, `"type":"urn:taizhang:problem:invalid"`}},
		{name: "panic becomes a bare 500", method: "GET", url: "/test/panic", wantStatus: 500,
			contains: []string{`"code":"internal"`}, notContains: []string{"secret panic detail"}},
		{name: "unknown error is never echoed", method: "GET", url: "/test/leak", wantStatus: 500,
			contains: []string{`"code":"internal"`, `"requestId"`}, notContains: []string{"hunter2", "10.0.0.5"}},
		{name: "gzip", method: "GET", url: "/", headers: map[string]string{"Accept-Encoding": "gzip"}, wantStatus: 200,
			wantHeaders: map[string]string{"Content-Encoding": "gzip"}},
		{name: "brotli", method: "GET", url: "/", headers: map[string]string{"Accept-Encoding": "br"}, wantStatus: 200,
			wantHeaders: map[string]string{"Content-Encoding": "br"}},
	} {
		ta.run(t, sc)
	}
	if !strings.Contains(ta.logs.String(), "hunter2") || !strings.Contains(ta.logs.String(), "request_id=") {
		t.Errorf("an unexpected error must be logged with its request id: %s", ta.logs.String())
	}
}

// TestBodyLimitOverTheWire needs a real listener: the limit is enforced by the
// HTTP server before any handler runs, which app.Test cannot show.
func TestBodyLimitOverTheWire(t *testing.T) {
	ta := newTestApp(t, readyOK)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ta.app.Listener(ln) }()
	t.Cleanup(func() { _ = ta.app.Shutdown() })
	resp, err := http.Post("http://"+ln.Addr().String()+"/test/echo", "application/json",
		strings.NewReader(`{"name":"`+strings.Repeat("x", 5000)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(resp.Header.Get("Content-Type"), problemJSON) ||
		!strings.Contains(string(body), `"code":"too_large"`) {
		t.Fatalf("want a 413 problem, got %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestNoCORSHeadersByDefault(t *testing.T) {
	ta := newTestApp(t, readyOK)
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("Origin", "https://evil.example")
	resp, _ := ta.app.Test(req)
	if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("CORS must be off by default, got Allow-Origin %q", v)
	}
}

func TestCORSAllowList(t *testing.T) {
	ta := newTestApp(t, readyOK, "https://app.example.gov.cn")
	for origin, allowed := range map[string]bool{"https://app.example.gov.cn": true, "https://evil.example": false} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set("Origin", origin)
		resp, _ := ta.app.Test(req)
		if got := resp.Header.Get("Access-Control-Allow-Origin") == origin; got != allowed {
			t.Errorf("origin %s: allowed=%v, want %v", origin, got, allowed)
		}
	}
}

// TestStoreDownAndBack shows /readyz following the store: 503 with Retry-After
// while it is down, 200 again when it returns.
func TestStoreDownAndBack(t *testing.T) {
	down := true
	ta := newTestApp(t, func(context.Context) error {
		if down {
			return errors.New("connection refused")
		}
		return nil
	})
	ta.run(t, scenario{name: "down", method: "GET", url: "/readyz", wantStatus: 503,
		wantHeaders: map[string]string{"Retry-After": "5", "Content-Type": problemJSON},
		contains:    []string{`"code":"unavailable"`}, notContains: []string{"connection refused"}})
	down = false
	ta.run(t, scenario{name: "back", method: "GET", url: "/readyz", wantStatus: 200})
}

const testMetricsToken = "metrics-token-for-tests"

// TestMetrics: /metrics was public. Off this host it now needs the token (the
// test's requests come from 0.0.0.0, not loopback; the binary's own test reads
// it from 127.0.0.1 without one).
func TestMetrics(t *testing.T) {
	ta := newTestApp(t, readyOK)
	ta.run(t, scenario{name: "warm up", method: "GET", url: "/healthz", wantStatus: 200})
	ta.run(t, scenario{name: "unmatched", method: "GET", url: "/api/v1/random-path-123", wantStatus: 404})
	ta.run(t, scenario{name: "a stranger", method: "GET", url: "/metrics", wantStatus: 403, notContains: []string{"taizhang_build_info"}})
	ta.run(t, scenario{name: "a wrong token", method: "GET", url: "/metrics", wantStatus: 403,
		headers: map[string]string{"Authorization": "Bearer not-the-metrics-token"}})
	ta.run(t, scenario{name: "metrics", method: "GET", url: "/metrics", wantStatus: 200,
		headers: map[string]string{"Authorization": "Bearer " + testMetricsToken}, contains: []string{
			`taizhang_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
			`taizhang_http_request_duration_seconds_bucket{method="GET",route="/healthz"`,
			`taizhang_build_info{goversion="go`, `version="test"`,
		}, notContains: []string{"random-path-123"}})
}

func TestStoreMetrics(t *testing.T) {
	m := NewMetrics("test")
	m.ObserveStore("entries.insert", 3*time.Millisecond, nil)
	m.ObserveStore("entries.insert", time.Millisecond, errors.New("x"))
	app := fiber.New()
	app.Get("/metrics", m.handler())
	resp, _ := app.Test(httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`taizhang_store_operation_duration_seconds_count{op="entries.insert",outcome="ok"} 1`,
		`taizhang_store_operation_duration_seconds_count{op="entries.insert",outcome="error"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestProblemShape(t *testing.T) {
	p, unexpected := toProblem(errs.New(errs.Conflict, "记录已被他人修改"))
	if unexpected || p.Status != http.StatusConflict {
		t.Fatalf("conflict: %+v", p)
	}
	b, _ := json.Marshal(p)
	for _, key := range []string{`"type"`, `"title"`, `"status"`, `"detail"`, `"code"`, `"errors":[]`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("problem lacks %s: %s", key, b)
		}
	}
}
