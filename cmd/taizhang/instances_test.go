package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"taizhang/store/mongo/mongotest"
	"taizhang/store/s3/s3test"
)

// TestTwoInstancesBehaveAsOne starts two real binaries on one MongoDB-adapter
// store (embedded FerretDB) and one S3 fake, as behind a load balancer, and
// alternates requests between them.
func TestTwoInstancesBehaveAsOne(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary twice")
	}
	bin := testBinary(t)
	u, _ := url.Parse(mongotest.StartFerretDB(t).URI)
	// FerretDB v1 loses concurrent updates unless each client serialises them.
	u.Path, u.RawQuery = "/instances", "maxPoolSize=1"
	bucket := s3test.Start(t, "taizhang")
	shared := append(bucket.Env("city"), "TAIZHANG_DB_URL="+u.String(), "TAIZHANG_DEMO_WEEKS=0", "TAIZHANG_REMINDER_EVERY=1h",
		// Every instance signs and checks the same tokens and audit chain.
		"TAIZHANG_JWT_SECRET=two-instances-share-this-secret-0123456789",
		"TAIZHANG_AUDIT_KEY=two-instances-share-this-audit-key-0123456789")
	a, serverA := startBinary(t, bin, append(shared, "TAIZHANG_DATA_DIR="+t.TempDir())...)
	b, _ := startBinary(t, bin, append(shared, "TAIZHANG_DATA_DIR="+t.TempDir())...) // the demo city is there already

	t.Run("UnitMovedOnOneIsSeenOnTheOther", func(t *testing.T) { unitMoveSeenAcross(t, a, b) })
	t.Run("UserDisabledOnOneIsRefusedOnTheOther", func(t *testing.T) { disabledAcross(t, a, b) })
	t.Run("UploadStartedOnOneFinishesOnTheOther", func(t *testing.T) { uploadAcross(t, a, b) })
	t.Run("LargeUploadIsOneMultipartUploadAcrossBoth", func(t *testing.T) { multipartAcross(t, a, b, bucket) })
	t.Run("SignalsAreCheckedOnOneInstance", func(t *testing.T) { signalsCheckedOnOne(t, a, b) })
	t.Run("LoginThrottleCountsAcrossBoth", func(t *testing.T) { throttleAcross(t, a, b) })
	t.Run("FilingStormWhileOneIsKilled", func(t *testing.T) { stormAcross(t, a, b, serverA.Process) })
}

func unitMoveSeenAcross(t *testing.T, a, b string) {
	const town = "13800000004" // 城关镇's supervisor
	if got := visibleUnits(t, b, town); !slices.Contains(got, "红旗村") {
		t.Fatalf("before the move the town sees %v", got)
	}
	admin := loginToken(t, a, "13800000001")
	var units []struct{ ID, Name string }
	call(t, "GET", a+"/api/v1/units", admin, nil).json(t, &units)
	id := map[string]string{}
	for _, u := range units {
		id[u.Name] = u.ID
	}
	if r := call(t, "POST", a+"/api/v1/units/"+id["红旗村"]+"/move", admin, map[string]string{"parentId": id["河口镇"]}); r.status != 200 {
		t.Fatalf("move on A: %d %s", r.status, r.body)
	}
	if got := visibleUnits(t, b, town); slices.Contains(got, "红旗村") {
		t.Fatalf("B still shows 红旗村 under 城关镇 after A moved it: %v", got)
	}
	if got := visibleUnits(t, b, "13800000003"); !slices.Contains(got, "红旗村") {
		t.Fatalf("the district lost 红旗村: %v", got)
	}
}

// disabledAcross: B keeps the accounts its write requests check; a cadre
// disabled on A must be refused on B from the very next write.
func disabledAcross(t *testing.T, a, b string) {
	const phone = "13800000009" // 冯干部, 石桥村
	token := loginToken(t, b, phone)
	markRead := func() int {
		return call(t, "POST", b+"/api/v1/notifications/read", token, map[string]any{"ids": []string{"none"}}).status
	}
	if s := markRead(); s != 204 {
		t.Fatalf("a write on B before: %d", s)
	}
	admin := loginToken(t, a, "13800000001")
	var users struct {
		Items []struct{ ID, Phone string }
	}
	call(t, "GET", a+"/api/v1/users?limit=100", admin, nil).json(t, &users)
	id := ""
	for _, u := range users.Items {
		if u.Phone == phone {
			id = u.ID
		}
	}
	if r := call(t, "PATCH", a+"/api/v1/users/"+id, admin, map[string]any{"active": false}); r.status != 200 {
		t.Fatalf("disable on A: %d %s", r.status, r.body)
	}
	if s := markRead(); s != 401 {
		t.Fatalf("the disabled cadre's next write on B: %d, want 401", s)
	}
}

func uploadAcross(t *testing.T, a, b string) {
	token := loginToken(t, a, demoCadrePhone)
	photo := jpegPhoto(t, 640, 480, 11)
	sum := sha256.Sum256(photo)
	started := call(t, "POST", a+"/api/v1/attachments/uploads", token, map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": len(photo)})
	var up struct {
		UploadID string `json:"uploadId"`
	}
	started.json(t, &up)
	piece := func(base string, from, to int) reply {
		req, _ := http.NewRequest("PATCH", base+"/api/v1/attachments/uploads/"+up.UploadID, bytes.NewReader(photo[from:to]))
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, to-1, len(photo)))
		return send(t, req, token)
	}
	half := len(photo) / 2
	if r := piece(a, 0, half); r.status != 200 {
		t.Fatalf("first half on A: %d %s", r.status, r.body)
	}
	var status struct{ Offset int }
	call(t, "GET", b+"/api/v1/attachments/uploads/"+up.UploadID, token, nil).json(t, &status)
	if status.Offset != half {
		t.Fatalf("B sees offset %d, want %d", status.Offset, half)
	}
	done := piece(b, half, len(photo))
	if done.status != 201 {
		t.Fatalf("second half on B: %d %s", done.status, done.body)
	}
	var att struct{ ID string }
	done.json(t, &att)
	if got := call(t, "GET", a+"/api/v1/attachments/"+att.ID, token, nil); got.status != 200 || !bytes.Equal(got.body, photo) {
		t.Fatalf("A reads the photo B stored: %d, %d bytes", got.status, len(got.body))
	}
}

// multipartAcross sends a 7 MB PDF in 1 MB pieces to A and B in turn: its
// pieces become parts of one S3 multipart upload whichever instance took
// them, the file B joins is the one sent, and nothing stays in the bucket.
func multipartAcross(t *testing.T, a, b string, bucket *s3test.Server) {
	token := loginToken(t, a, demoCadrePhone)
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("台账整改报告 0123456789\n"), 7<<20/30)...)
	sum := sha256.Sum256(pdf)
	var up struct {
		UploadID string `json:"uploadId"`
	}
	call(t, "POST", a+"/api/v1/attachments/uploads", token, map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": len(pdf)}).json(t, &up)
	var last reply
	for i, from := 0, 0; from < len(pdf); i, from = i+1, from+1<<20 {
		to := min(from+1<<20, len(pdf))
		req, _ := http.NewRequest("PATCH", []string{a, b}[i%2]+"/api/v1/attachments/uploads/"+up.UploadID, bytes.NewReader(pdf[from:to]))
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, to-1, len(pdf)))
		if last = send(t, req, token); last.status != 200 && last.status != 201 {
			t.Fatalf("piece at %d: %d %s", from, last.status, last.body)
		}
		if pending, _ := bucket.Uploads(t, "city"); from == 5<<20 && len(pending) != 1 { // five pieces made a part
			t.Fatalf("before the last piece, multipart uploads in progress: %v", pending)
		}
	}
	var att struct{ ID string }
	last.json(t, &att)
	if got := call(t, "GET", a+"/api/v1/attachments/"+att.ID, token, nil); got.status != 200 || !bytes.Equal(got.body, pdf) {
		t.Fatalf("A reads the file joined on B: %d, %d bytes", got.status, len(got.body))
	}
	if pending, joined := bucket.Uploads(t, "city"); len(pending)+len(joined) != 0 {
		t.Fatalf("left in the bucket: %v %v", pending, joined)
	}
}

// signalsCheckedOnOne files entries with long texts on both instances, one
// every 300 ms for four seconds, so that each instance's check finds some due
// whenever it looks: only the instance holding the check's lease checks them.
func signalsCheckedOnOne(t *testing.T, a, b string) {
	formID := publishThirtyFieldForm(t, http.DefaultClient, a)
	token := loginToken(t, b, demoCadrePhone)
	const filed = 14
	for i := range filed {
		payload, _ := json.Marshal(map[string]any{"clientId": fmt.Sprintf("signals-%02d", i), "data": twoKilobyteBody(uint64(i)), "submit": true})
		if err := expect(http.DefaultClient, "POST", []string{a, b}[i%2]+"/api/v1/forms/"+formID+"/entries", token, payload, 201); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	checked := func(base string) int { return storeOperations(t, base, "entries.signals") }
	waitFor(t, func() bool { return checked(a)+checked(b) >= filed })
	if onA, onB := checked(a), checked(b); onA != 0 && onB != 0 {
		t.Fatalf("both instances checked entries: %d results stored from A, %d from B", onA, onB)
	}
}

// storeOperations is how many times an instance ran a store operation, from
// its /metrics (which answers loopback).
func storeOperations(t *testing.T, base, op string) int {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	prefix := `taizhang_store_operation_duration_seconds_count{op="` + op + `",`
	total := 0
	scanner := bufio.NewScanner(resp.Body)
	for scanner.Scan() {
		if line, ok := strings.CutPrefix(scanner.Text(), prefix); ok {
			_, count, _ := strings.Cut(line, "} ")
			n, _ := strconv.Atoi(count)
			total += n
		}
	}
	return total
}

func throttleAcross(t *testing.T, a, b string) {
	guess := func(base string) int {
		return call(t, "POST", base+"/api/v1/auth/login", "", map[string]string{"phone": "13800000006", "password": "wrong-guess-1"}).status
	}
	for i := range 5 { // the limit is 5 per phone: spread over both instances
		if s := guess([]string{a, b}[i%2]); s != 401 {
			t.Fatalf("guess %d: %d, want 401", i+1, s)
		}
	}
	for _, base := range []string{a, b} {
		if s := guess(base); s != 429 {
			t.Fatalf("the sixth guess on %s: %d, want 429 (five failures over both instances lock the phone)", base, s)
		}
	}
}

// stormAcross files from 8 workers, alternating instances; a filing that
// fails is retried on the other instance with the same clientId, as the
// PWA's outbox does. A is killed with SIGKILL mid-storm. Every entry must end
// up stored exactly once.
func stormAcross(t *testing.T, a, b string, killA *os.Process) {
	token := loginToken(t, b, demoCadrePhone)
	formID := demoFormID(t, b, token, "problem")
	var acked atomic.Int32
	var killed atomic.Bool
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				clientID := fmt.Sprintf("crash-%d-%03d", w, i)
				bases := []string{a, b}
				if (w+i)%2 == 1 {
					bases = []string{b, a}
				}
				for try := 0; ; try++ {
					base := bases[try%2]
					if base == a && killed.Load() {
						continue
					}
					if fileOrReplay(base, token, formID, clientID) {
						acked.Add(1)
						break
					}
					if try > 50 {
						t.Errorf("%s never acknowledged", clientID)
						return
					}
				}
			}
		})
	}
	waitFor(t, func() bool { return acked.Load() >= workers*each/3 })
	if err := killA.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed.Store(true)
	wg.Wait()
	stored := listClientIDs(t, b, token, formID)
	for w := range workers {
		for i := range each {
			if id := fmt.Sprintf("crash-%d-%03d", w, i); stored[id] != 1 {
				t.Errorf("%s is stored %d times", id, stored[id])
			}
		}
	}
	t.Logf("%d filings acknowledged over two instances, A killed after a third; %d stored", acked.Load(), len(stored))
}
