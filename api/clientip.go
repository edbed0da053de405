package api

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the address a request came from. Behind a trusted proxy
// (TAIZHANG_TRUSTED_PROXIES) it is read from X-Forwarded-For, right to left,
// skipping the trusted proxies themselves: the leftmost entries are whatever
// the client wrote, so trusting them would let anyone pick the address the
// login throttle counts. From any other peer the header is ignored.
func (s *server) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP().String()
	if !s.trusted(peer) {
		return peer
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		addr, err := netip.ParseAddr(hop)
		if err != nil {
			break // a malformed hop: stop at the last address we could trust
		}
		if !s.trusted(hop) {
			return addr.String()
		}
		peer = addr.String()
	}
	return peer
}

func (s *server) trusted(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range s.deps.TrustedProxies {
		if p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}
