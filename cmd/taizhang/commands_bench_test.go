package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"taizhang/store/mongo/mongotest"
)

// BenchmarkFilingCommandsMongo files 100 submitted thirty-field entries, one
// after another, into the real binary on the MongoDB adapter and counts the
// commands the binary sends, through a proxy in front of the server (embedded
// FerretDB, or MONGODB_TEST_URI). Each command is a round trip to the
// primary, and a write waits for a majority of the replica set: what a filing
// costs in MongoDB's work and the filer's wait. Reported while the filings
// are answered and once the signals check has run; the commands by kind and
// collection go to the log. Run with -benchtime 1x (make bench).
func BenchmarkFilingCommandsMongo(b *testing.B) {
	const n = 100
	backend, ok := mongotest.Real()
	if !ok {
		backend = mongotest.StartFerretDB(b)
	}
	u, _ := url.Parse(backend.URI)
	proxy := startCommandCounter(b, u.Host)
	u.Host, u.Path = proxy.addr, fmt.Sprintf("/commands_%d", b.N)
	if backend.MaxPoolSize > 0 {
		u.RawQuery = fmt.Sprintf("maxPoolSize=%d", backend.MaxPoolSize)
	}
	bin := testBinary(b)
	base, server := startBinary(b, bin, "TAIZHANG_DATA_DIR="+b.TempDir(), "TAIZHANG_DB_URL="+u.String(),
		"TAIZHANG_DEMO_WEEKS=0", "TAIZHANG_REMINDER_EVERY=1h")
	client := &http.Client{}
	formID := publishThirtyFieldForm(b, client, base)
	cadre := benchLogin(b, client, base, demoCadrePhone)
	file := func(i int) {
		payload, _ := json.Marshal(map[string]any{"clientId": fmt.Sprintf("commands-%08d", i), "data": twoKilobyteBody(uint64(i)), "submit": true})
		if err := expect(client, "POST", base+"/api/v1/forms/"+formID+"/entries", cadre, payload, 201); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 10 { // warm up: caches, connections
		file(i + 1)
	}
	settledTicks(b, server.Process.Pid)
	proxy.reset()
	for i := range n {
		file(i + 100)
	}
	answered := proxy.total()
	settledTicks(b, server.Process.Pid)
	b.ReportMetric(float64(answered)/n, "commands/filing")
	b.ReportMetric(float64(proxy.total())/n, "settled-commands/filing")
	b.Log(proxy.byKind(n))
}

// commandCounter forwards TCP connections to a MongoDB server and counts the
// OP_MSG commands clients send, by command name and collection.
type commandCounter struct {
	addr   string
	mu     sync.Mutex
	counts map[string]int
}

func startCommandCounter(tb testing.TB, target string) *commandCounter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	c := &commandCounter{addr: ln.Addr().String(), counts: map[string]int{}}
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			go func() { _, _ = io.Copy(client, server); client.Close() }()
			go c.forward(client, server)
		}
	}()
	return c
}

// forward copies messages from client to server, counting each.
func (c *commandCounter) forward(client, server net.Conn) {
	defer server.Close()
	for {
		header := make([]byte, 16) // length, request id, response to, opcode
		if _, err := io.ReadFull(client, header); err != nil {
			return
		}
		msg := make([]byte, int(binary.LittleEndian.Uint32(header))-16)
		if _, err := io.ReadFull(client, msg); err != nil {
			return
		}
		c.count(binary.LittleEndian.Uint32(header[12:]), msg)
		if _, err := server.Write(append(header, msg...)); err != nil {
			return
		}
	}
}

// count files a message under its command and collection: an OP_MSG (2013)
// is flags, then a body section whose document's first element names both,
// as in {"insert": "entries", …}.
func (c *commandCounter) count(opcode uint32, msg []byte) {
	name := "other"
	if opcode == 2013 && len(msg) > 10 && msg[4] == 0 {
		first := msg[9:] // element type, name, NUL, value
		if end := slices.Index(first[1:], 0); end >= 0 {
			name = string(first[1 : 1+end])
			if value := first[2+end:]; first[0] == 0x02 && len(value) > 4 { // a string: the collection
				if n := int(binary.LittleEndian.Uint32(value)); n > 1 && 4+n <= len(value) {
					name += " " + string(value[4:4+n-1])
				}
			}
		}
	}
	c.mu.Lock()
	c.counts[name]++
	c.mu.Unlock()
}

func (c *commandCounter) reset() {
	c.mu.Lock()
	clear(c.counts)
	c.mu.Unlock()
}

func (c *commandCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// byKind lists the commands per filing, most frequent first.
func (c *commandCounter) byKind(filings int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := slices.SortedFunc(maps.Keys(c.counts), func(a, b string) int { return c.counts[b] - c.counts[a] })
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %.2f", name, float64(c.counts[name])/float64(filings))
	}
	return "commands per filing: " + strings.Join(parts, ", ")
}
