package api

import (
	"crypto/subtle"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"taizhang/errs"
)

// Metrics are the Prometheus series taizhang exports on /metrics. They live in a
// registry of their own (no globals), so tests can start many apps in one process.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	storeOps *prometheus.HistogramVec
	delivery *prometheus.CounterVec
}

// NewMetrics registers the series; version is reported as build info.
func NewMetrics(version string) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taizhang_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "taizhang_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		storeOps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "taizhang_store_operation_duration_seconds", Help: "Store operation latency by operation and outcome.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"op", "outcome"}),
		delivery: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taizhang_deliveries_total", Help: "Reminders sent off the app, by channel and outcome (sent, retry, failed).",
		}, []string{"channel", "outcome"}),
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "taizhang_build_info", Help: "Build version; always 1.",
	}, []string{"version", "goversion"})
	buildInfo.WithLabelValues(version, runtime.Version()).Set(1)
	m.registry.MustRegister(m.requests, m.latency, m.storeOps, m.delivery, buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveStore records one store operation; adapters call it through their Observer.
func (m *Metrics) ObserveStore(op string, took time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.storeOps.WithLabelValues(op, outcome).Observe(took.Seconds())
}

// ObserveDelivery counts one attempt to send a reminder on a channel.
func (m *Metrics) ObserveDelivery(channel, outcome string) {
	m.delivery.WithLabelValues(channel, outcome).Inc()
}

func (m *Metrics) observeRequest(method, route string, status int, took time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(took.Seconds())
}

func (m *Metrics) handler() fiber.Handler {
	h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		h(c.Context())
		return nil
	}
}

// metrics serves /metrics only to this host (a scraper beside the server) or to
// a bearer of TAIZHANG_METRICS_TOKEN: the figures name routes, error rates and
// the build, which strangers have no business reading. Behind a trusted proxy
// the client's own address counts, so the proxy must set X-Forwarded-For.
func (s *server) metrics(serve fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token, bearer := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
		allowed := s.deps.MetricsToken != "" && bearer &&
			subtle.ConstantTimeCompare([]byte(token), []byte(s.deps.MetricsToken)) == 1
		if ip, err := netip.ParseAddr(s.clientIP(c)); err == nil && ip.IsLoopback() {
			allowed = true
		}
		if !allowed {
			return errs.New(errs.Forbidden, "监控指标只对本机或持有 TAIZHANG_METRICS_TOKEN 的采集端开放")
		}
		return serve(c)
	}
}
