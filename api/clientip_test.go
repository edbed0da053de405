package api

import (
	"io"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestClientAddressBehindProxies: X-Forwarded-For counts only from a trusted
// proxy, read right to left past the trusted hops, so a client cannot choose the
// address its login attempts are counted under.
func TestClientAddressBehindProxies(t *testing.T) {
	ask := func(trusted []string, forwarded string) string {
		s := &server{}
		for _, p := range trusted {
			s.deps.TrustedProxies = append(s.deps.TrustedProxies, netip.MustParsePrefix(p))
		}
		app := fiber.New()
		app.Get("/ip", func(c *fiber.Ctx) error { return c.SendString(s.clientIP(c)) })
		req := httptest.NewRequest("GET", "/ip", nil)
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded)
		}
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	peer := ask(nil, "") // the test connection's own address
	for name, c := range map[string]struct {
		trusted   []string
		forwarded string
		want      string
	}{
		"no proxy trusted: a forged header is ignored": {nil, "203.0.113.9", peer},
		"a trusted proxy names the client":             {[]string{peer + "/32"}, "203.0.113.9", "203.0.113.9"},
		"the client's own prefix is not believed":      {[]string{peer + "/32"}, "1.2.3.4, 203.0.113.9", "203.0.113.9"},
		"trusted hops are skipped":                     {[]string{peer + "/32", "10.0.0.0/8"}, "198.51.100.7, 10.1.2.3", "198.51.100.7"},
		"garbage stops the walk":                       {[]string{peer + "/32"}, "nonsense", peer},
	} {
		if got := ask(c.trusted, c.forwarded); got != c.want {
			t.Errorf("%s: %s, want %s", name, got, c.want)
		}
	}
}
