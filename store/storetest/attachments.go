package storetest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"taizhang/attachments"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/signals"
	"taizhang/signals/signalstest"
)

// pngOf returns a small real PNG image.
func pngOf(w, h int, shade uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

func runAttachments(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("ContentAddressedAndScoped", func(t *testing.T) {
		t.Parallel()
		testAttachments(t, open(t))
	})
	t.Run("UploadsSharedByInstances", func(t *testing.T) {
		t.Parallel()
		testUploads(t, open(t))
	})
	t.Run("UploadParts", func(t *testing.T) {
		t.Parallel()
		testUploadParts(t, open(t))
	})
}

// testUploads: two instances given the same piece at once (a phone's retry
// through the load balancer) store it once; pieces read back in order; the
// upload is the uploader's alone; expiry removes it.
func testUploads(t *testing.T, h Harness) {
	ctx := context.Background()
	content := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	u, err := h.Uploads.CreateUpload(ctx, attachments.Upload{ID: "up1", Uploader: "author-v1", SHA256: strings.Repeat("a", 64),
		Size: int64(len(content)), Touched: epoch})
	if err != nil || u.Offset != 0 || u.Uploader != "author-v1" {
		t.Fatalf("create: %+v %v", u, err)
	}
	if again, err := h.Uploads.CreateUpload(ctx, u); err != nil || again.ID != u.ID {
		t.Fatalf("create again: %+v %v", again, err)
	}
	_, err = h.Uploads.Upload(ctx, "someone-else", u.ID)
	wantCode(t, err, errs.NotFound)
	const piece = 16 << 10
	for from := 0; from < len(content); from += piece {
		var wg sync.WaitGroup
		results := make([]error, 6)
		for i := range results {
			wg.Go(func() {
				results[i] = h.Uploads.AppendPiece(ctx, "author-v1", attachments.Upload{ID: u.ID, Offset: int64(from)},
					content[from:from+piece], epoch.Add(time.Minute))
			})
		}
		wg.Wait()
		won := 0
		for _, err := range results {
			if err == nil {
				won++
			} else if !errs.Is(err, errs.Conflict) {
				t.Fatalf("append at %d: %v", from, err)
			}
		}
		if won != 1 {
			t.Fatalf("append at %d: %d of 6 concurrent appends won, want 1", from, won)
		}
	}
	if err := h.Uploads.AppendPiece(ctx, "someone-else", attachments.Upload{ID: u.ID, Offset: int64(len(content))}, []byte("x"), epoch); !errs.Is(err, errs.Conflict) {
		t.Fatalf("someone else's append: %v", err)
	}
	u.Offset = int64(len(content))
	body, err := h.Uploads.ReadUpload(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(body)
	body.Close()
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back %d bytes (%v), want the %d sent", len(got), err, len(content))
	}
	if list, err := h.Uploads.Uploads(ctx, "author-v1"); err != nil || len(list) != 1 || list[0].Offset != int64(len(content)) {
		t.Fatalf("list: %+v %v", list, err)
	}
	if gone, err := h.Uploads.ExpireUploads(ctx, epoch.Add(time.Minute)); err != nil || len(gone) != 0 {
		t.Fatalf("expire before it is stale: %+v %v", gone, err)
	}
	if gone, err := h.Uploads.ExpireUploads(ctx, epoch.Add(time.Hour)); err != nil || len(gone) != 1 || gone[0].ID != u.ID {
		t.Fatalf("expire: %+v %v", gone, err)
	}
	_, err = h.Uploads.ReadUpload(ctx, u)
	wantCode(t, err, errs.NotFound)
}

// testUploadParts: the bookkeeping of an upload whose pieces become parts of
// an S3 multipart upload. Part numbers handed out at once are all different;
// of two parts saved from the same state one is kept; a saved part's pieces
// are gone and reading starts after them; expiry returns the multipart id so
// that its parts can be dropped.
func testUploadParts(t *testing.T, h Harness) {
	ctx := context.Background()
	u, err := h.Uploads.CreateUpload(ctx, attachments.Upload{ID: "up2", Uploader: "author-v1", SHA256: strings.Repeat("b", 64),
		Size: 40, Touched: epoch, PartsID: "multipart-1"})
	if err != nil || u.PartsID != "multipart-1" || u.Flushed != 0 || len(u.Parts) != 0 {
		t.Fatalf("create: %+v %v", u, err)
	}
	if again, err := h.Uploads.CreateUpload(ctx, attachments.Upload{ID: "up2", Uploader: "author-v1", SHA256: u.SHA256,
		Size: 40, Touched: epoch, PartsID: "multipart-2"}); err != nil || again.PartsID != "multipart-1" {
		t.Fatalf("a second start keeps the first one's multipart upload: %+v %v", again, err)
	}
	content := []byte("0123456789abcdefghijklmnopqrstuvwxyzABCD")
	for from := 0; from < 30; from += 10 {
		if err := h.Uploads.AppendPiece(ctx, "author-v1", attachments.Upload{ID: u.ID, Offset: int64(from)}, content[from:from+10], epoch); err != nil {
			t.Fatal(err)
		}
	}
	numbers := make([]int, 6)
	states := make([]attachments.Upload, 6)
	var wg sync.WaitGroup
	for i := range numbers {
		wg.Go(func() {
			var err error
			if numbers[i], states[i], err = h.Uploads.ClaimPart(ctx, "author-v1", u.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	slices.Sort(numbers)
	if len(slices.Compact(slices.Clone(numbers))) != 6 || numbers[0] < 1 {
		t.Fatalf("part numbers handed out at once: %v", numbers)
	}
	held := states[0]
	if held.Offset != 30 || held.Flushed != 0 {
		t.Fatalf("claimed on %+v", held)
	}
	first := attachments.Part{Number: numbers[0], ETag: "etag-a", Size: 20}
	if err := h.Uploads.SavePart(ctx, held, first); err != nil {
		t.Fatal(err)
	}
	if err := h.Uploads.SavePart(ctx, held, attachments.Part{Number: numbers[1], ETag: "etag-b", Size: 30}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a second part from the same state: %v, want a conflict", err)
	}
	now, err := h.Uploads.Upload(ctx, "author-v1", u.ID)
	if err != nil || now.Flushed != 20 || !slices.Equal(now.Parts, []attachments.Part{first}) {
		t.Fatalf("after the part: %+v %v", now, err)
	}
	body, err := h.Uploads.ReadUpload(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(body)
	body.Close()
	if err != nil || string(rest) != string(content[20:30]) {
		t.Fatalf("pieces after the part: %q %v", rest, err)
	}
	if err := h.Uploads.AppendPiece(ctx, "author-v1", now, content[30:], epoch); err != nil {
		t.Fatal(err)
	}
	if gone, err := h.Uploads.ExpireUploads(ctx, epoch.Add(time.Hour)); err != nil || len(gone) != 1 || gone[0].PartsID != "multipart-1" {
		t.Fatalf("expire: %+v %v", gone, err)
	}
}

func testAttachments(t *testing.T, h Harness) {
	ctx := context.Background()
	cadre := auth.ScopeForTest(t, "v1", "author-v1", auth.RoleCadre)
	photo := pngOf(40, 30, 200)
	first, err := attachments.Receive(ctx, h.Attachments, cadre, pathV1, bytes.NewReader(photo), 1<<20, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if first.ContentType != "image/png" || first.Width != 40 || first.Height != 30 || first.Size != int64(len(photo)) {
		t.Fatalf("metadata: %+v", first)
	}
	again, err := attachments.Receive(ctx, h.Attachments, cadre, pathV1, bytes.NewReader(photo), 1<<20, epoch)
	if err != nil || again.ID != first.ID {
		t.Fatalf("the same bytes twice must be the same attachment: %+v %v", again, err)
	}
	other, _ := attachments.Receive(ctx, h.Attachments, auth.ScopeForTest(t, "d2", "someone", auth.RoleCadre), pathD2,
		bytes.NewReader(photo), 1<<20, epoch)
	if other.ID == first.ID {
		t.Fatal("another uploader's copy must be its own attachment")
	}
	supervisor := scopeOf(t, "d1")
	_, err = h.Attachments.Get(ctx, supervisor, first.ID)
	wantCode(t, err, errs.NotFound) // nobody but the uploader until an entry references it
	e := newEntry(pathV1, 1)
	e.Attachments = []string{first.ID}
	mustInsert(t, h.Entries, cadre, e)
	_, body, err := h.Attachments.Open(ctx, supervisor, first.ID)
	if err != nil {
		t.Fatalf("a supervisor above the entry reads its photo: %v", err)
	}
	got, _ := io.ReadAll(body)
	body.Close()
	if !bytes.Equal(got, photo) {
		t.Fatal("the stored bytes differ")
	}
	_, err = h.Attachments.Get(ctx, scopeOf(t, "d2"), first.ID)
	wantCode(t, err, errs.NotFound)
	owner, err := h.Attachments.Ownership(ctx, cadre, []string{first.ID, other.ID, "nope"})
	if err != nil || len(owner.Own) != 1 || owner.Own[first.ID].ID != first.ID || len(owner.Foreign) != 1 || !owner.Foreign[other.ID] {
		t.Fatalf("ownership: %+v %v", owner, err)
	}
	// An entry of another author that names the cadre's photo (as a crafted
	// draft would) does not make it readable where that entry is.
	foreign := newEntry(pathD2, 2)
	foreign.Attachments = []string{first.ID}
	mustInsert(t, h.Entries, scopeOf(t, "d2"), foreign)
	_, err = h.Attachments.Get(ctx, scopeOf(t, "d2"), first.ID)
	wantCode(t, err, errs.NotFound)
	for name, content := range map[string][]byte{"text": []byte("hello, not an image"), "empty": nil} {
		if _, err := attachments.Receive(ctx, h.Attachments, cadre, pathV1, bytes.NewReader(content), 1<<20, epoch); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: want invalid, got %v", name, err)
		}
	}
	_, err = attachments.Receive(ctx, h.Attachments, cadre, pathV1, bytes.NewReader(pngOf(300, 300, 1)), 100, epoch)
	wantCode(t, err, errs.TooLarge)
	// A camera photo keeps its print and EXIF; a compressed one the phone's claim.
	camera := signalstest.JPEGWithEXIF(t, pngImage(64, 48), "2026:11:20 08:00:00", 30.5, 114.3)
	withExif, err := attachments.Receive(ctx, h.Attachments, cadre, pathV1, bytes.NewReader(camera), 1<<20, epoch.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := h.Attachments.Get(ctx, cadre, withExif.ID)
	if err != nil || len(stored.Print) != 3 || stored.Meta.Source != "exif" || !stored.Meta.HasPlace || stored.Meta.TakenAt.IsZero() {
		t.Fatalf("print and EXIF: %+v %v", stored, err)
	}
	if !slices.Equal(stored.Print, withExif.Print) || stored.Meta != withExif.Meta {
		t.Fatalf("print and EXIF round trip: %+v, want %+v", stored, withExif)
	}
	claim := signals.Meta{TakenAt: epoch.Add(-48 * time.Hour), Lat: 31, Lng: 121, HasPlace: true}
	plain, err := attachments.ReceiveClaimed(ctx, h.Attachments, cadre, pathV1, bytes.NewReader(pngOf(50, 40, 77)), 1<<20, epoch, claim)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := h.Attachments.Get(ctx, cadre, plain.ID); got.Meta.Source != "claimed" || !got.Meta.TakenAt.Equal(claim.TakenAt) || got.Meta.Lat != 31 {
		t.Fatalf("claimed meta: %+v", got.Meta)
	}
}

func pngImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	return img
}
