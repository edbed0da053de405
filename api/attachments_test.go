package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"taizhang/attachments"
	"taizhang/auth"
	"taizhang/store/s3/s3test"
)

func pngBytes(shade uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, 8, 6))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

func TestAttachmentsEndToEnd(t *testing.T) {
	eachBlobStore(t, func(t *testing.T, open func(*testing.T) *world) {
		ew := entryWorldIn(t, open(t))
		photo := pngBytes(9)
		up := ew.call("POST", "/api/v1/attachments", ew.cadre, upload{file: photo})
		if up.status != 201 || up.json(t)["contentType"] != "image/png" || up.json(t)["width"] != float64(8) {
			t.Fatalf("upload: %d %s", up.status, up.body)
		}
		id := str(up.json(t), "id")
		if again := ew.call("POST", "/api/v1/attachments", ew.cadre, upload{file: photo}); str(again.json(t), "id") != id {
			t.Fatal("the same bytes twice must give the same id")
		}
		pdf := ew.call("POST", "/api/v1/attachments", ew.cadre, upload{file: []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")})
		if pdf.status != 201 || pdf.json(t)["contentType"] != "application/pdf" {
			t.Fatalf("pdf: %d %s", pdf.status, pdf.body)
		}
		for name, c := range map[string]struct {
			file   []byte
			status int
			want   string
		}{
			"an executable renamed .jpg": {[]byte("MZ\x90\x00 this is not a photo"), 400, "unsupported_type"},
			"over the limit":             {append([]byte("%PDF-"), make([]byte, 2<<20)...), 413, "too_large"},
		} {
			if r := ew.call("POST", "/api/v1/attachments", ew.cadre, upload{file: c.file}); r.status != c.status || !strings.Contains(string(r.body), c.want) {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		}
		stranger := ew.tokenFor(ew.addUser("13900000020", "d2", false, auth.RoleCadre))
		theirs := str(ew.call("POST", "/api/v1/attachments", stranger, upload{file: pngBytes(77)}).json(t), "id")
		for name, c := range map[string]struct {
			photos []string
			want   string
		}{
			"someone else's photo": {[]string{theirs}, "attachment_foreign"},
			"a photo never sent":   {[]string{"0123456789abcdef01234567"}, "attachment_missing"},
			"a PDF as a photo":     {[]string{str(pdf.json(t), "id")}, "not_an_image"},
		} {
			r := ew.file(fmt.Sprintf("photo-case-%04d", ew.next()), map[string]any{"name": "a", "photos": c.photos}, true)
			if r.status != 422 || !strings.Contains(string(r.body), c.want) || !strings.Contains(string(r.body), `"field":"photos[0]"`) {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		}
		if r := ew.call("GET", "/api/v1/attachments/"+id, ew.townSup, nil); r.status != 404 {
			t.Fatalf("before any entry references it, only the uploader reads it: %d", r.status)
		}
		filed := ew.file("7d3f0a52-eeee-4e6b-9b1e-00000000000e", map[string]any{"name": "张三", "photos": []string{id}}, true)
		if filed.status != 201 {
			t.Fatalf("file with a photo: %d %s", filed.status, filed.body)
		}
		got := ew.call("GET", "/api/v1/attachments/"+id, ew.townSup, nil)
		if got.status != 200 || !bytes.Equal(got.body, photo) || got.header.Get("Content-Type") != "image/png" {
			t.Fatalf("the reviewer reads the photo: %d %v", got.status, got.header)
		}
		if r := ew.call("GET", "/api/v1/attachments/"+id, stranger, nil); r.status != 404 {
			t.Fatalf("a stranger reads the photo: %d", r.status)
		}
		// The outside review's reproduction: a cadre of another district names the
		// photo in their own draft, submission or edit, to read it through that entry.
		fileAsStranger := func(photos []string, submit bool) reply {
			return ew.call("POST", "/api/v1/forms/"+ew.formID+"/entries", stranger, map[string]any{
				"clientId": fmt.Sprintf("stranger-%04d", ew.next()), "data": map[string]any{"name": "x", "photos": photos}, "submit": submit})
		}
		for _, submit := range []bool{false, true} {
			if r := fileAsStranger([]string{id}, submit); r.status != 422 || !strings.Contains(string(r.body), `"field":"photos[0]","code":"attachment_foreign"`) {
				t.Errorf("someone else's photo in a filing (submit %v): %d %s", submit, r.status, r.body)
			}
		}
		own := entryOf(t, fileAsStranger(nil, false))
		if r := ew.callWith("PATCH", "/api/v1/entries/"+str(own, "id"), stranger, map[string]any{"data": map[string]any{"name": "x", "photos": []string{id}}},
			map[string]string{"If-Match": "1"}); r.status != 422 || !strings.Contains(string(r.body), "attachment_foreign") {
			t.Errorf("someone else's photo in an edit: %d %s", r.status, r.body)
		}
		if r := ew.call("GET", "/api/v1/attachments/"+id, stranger, nil); r.status != 404 {
			t.Fatalf("after the attempts, the stranger reads the photo: %d", r.status)
		}
		// A draft may name a photo still in the phone's outbox: it shows 1 of 2 arrived.
		draft := entryOf(t, ew.file("7d3f0a52-ffff-4e6b-9b1e-00000000000f",
			map[string]any{"name": "李四", "photos": []string{id, "fedcba9876543210fedcba98"}}, false))
		got = ew.call("GET", "/api/v1/entries/"+str(draft, "id"), ew.townSup, nil)
		if e := entryOf(t, got); e["attachmentsArrived"] != float64(1) || len(e["attachments"].([]any)) != 2 {
			t.Fatalf("arrived: %s", got.body)
		}
	})
}

// TestChunkedUploadResumes sends a photo in pieces, loses one on the way, asks
// where to resume, finishes, and gets the same attachment a one-shot upload of
// the same bytes gives.
func TestChunkedUploadResumes(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		testChunkedUploadResumes(t, entryWorldIn(t, open(t)))
	})
}

func testChunkedUploadResumes(t *testing.T, ew entryWorld) {
	photo := pngBytes(42)
	sum := sha256.Sum256(photo)
	sha := hex.EncodeToString(sum[:])
	started := ew.call("POST", "/api/v1/attachments/uploads", ew.cadre, map[string]any{"sha256": sha, "size": len(photo)})
	if started.status != 201 || started.json(t)["offset"] != float64(0) {
		t.Fatalf("start: %d %s", started.status, started.body)
	}
	url := "/api/v1/attachments/uploads/" + str(started.json(t), "uploadId")
	chunk := func(from, to int) reply {
		return ew.call("PATCH", url, ew.cadre, withHeaders{body: rawBody(photo[from:to]),
			headers: map[string]string{"Content-Range": fmt.Sprintf("bytes %d-%d/%d", from, to-1, len(photo)), "Content-Type": "application/octet-stream"}})
	}
	third := len(photo) / 3
	if r := chunk(0, third); r.status != 200 || r.json(t)["offset"] != float64(third) {
		t.Fatalf("first chunk: %d %s", r.status, r.body)
	}
	if r := chunk(2*third, len(photo)); r.status != 409 || !strings.Contains(string(r.body), fmt.Sprintf(`"offset":%d`, third)) {
		t.Fatalf("a chunk after a lost one: %d %s", r.status, r.body)
	}
	if r := ew.call("GET", url, ew.cadre, nil); r.json(t)["offset"] != float64(third) {
		t.Fatalf("status: %s", r.body)
	}
	if r := ew.call("GET", url, ew.townSup, nil); r.status != 404 {
		t.Fatalf("someone else's upload: %d", r.status)
	}
	chunk(third, 2*third)
	done := chunk(2*third, len(photo))
	if done.status != 201 || done.json(t)["sha256"] != sha {
		t.Fatalf("last chunk: %d %s", done.status, done.body)
	}
	oneShot := ew.call("POST", "/api/v1/attachments", ew.cadre, upload{file: photo})
	if str(oneShot.json(t), "id") != str(done.json(t), "id") {
		t.Fatal("a chunked and a one-shot upload of the same bytes must be one attachment")
	}
	bad := ew.call("POST", "/api/v1/attachments/uploads", ew.cadre, map[string]any{"sha256": strings.Repeat("0", 64), "size": len(photo)})
	badURL := "/api/v1/attachments/uploads/" + str(bad.json(t), "uploadId")
	r := ew.call("PATCH", badURL, ew.cadre, withHeaders{body: rawBody(photo),
		headers: map[string]string{"Content-Range": fmt.Sprintf("bytes 0-%d/%d", len(photo)-1, len(photo)), "Content-Type": "application/octet-stream"}})
	if r.status != 400 || !strings.Contains(string(r.body), "SHA-256") {
		t.Fatalf("a hash mismatch: %d %s", r.status, r.body)
	}
}

// TestAbandonedUploadsCannotFillTheDisk replays the outside review: ten
// uploads of the largest size, each one byte short of done, left 101 MB that
// nothing cleaned; a last piece that failed the type check left its file; and
// "bytes 50-50/1" completed a larger upload.
func TestAbandonedUploadsCannotFillTheDisk(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) { testAbandonedUploads(t, entryWorldIn(t, open(t))) })
}

func testAbandonedUploads(t *testing.T, ew entryWorld) {
	start := func(sha string, size int) reply {
		return ew.call("POST", "/api/v1/attachments/uploads", ew.cadre, map[string]any{"sha256": sha, "size": size})
	}
	piece := func(id string, from, to, total int, body []byte) reply {
		return ew.call("PATCH", "/api/v1/attachments/uploads/"+id, ew.cadre, withHeaders{body: rawBody(body),
			headers: map[string]string{"Content-Range": fmt.Sprintf("bytes %d-%d/%d", from, to, total), "Content-Type": "application/octet-stream"}})
	}
	const size = 1<<20 - 1 // the world's largest upload, less one byte
	var refused reply
	opened := 0
	for i := range 10 {
		r := start(fmt.Sprintf("%064x", i+1), size)
		if r.status != 201 {
			refused = r
			break
		}
		opened++
		if p := piece(str(r.json(t), "uploadId"), 0, size-2, size, make([]byte, size-1)); p.status != 200 {
			t.Fatalf("filling upload %d: %d %s", i, p.status, p.body)
		}
	}
	if opened != 3 || refused.status != 429 || refused.header.Get("Retry-After") == "" {
		t.Fatalf("%d uploads opened, then %d %s; want 3 (three largest files' worth) and a 429", opened, refused.status, refused.body)
	}
	if bytes := partialBytes(t, ew); bytes > 3<<20 {
		t.Fatalf("%d bytes of partial uploads on disk", bytes)
	}

	ew.now = ew.now.Add(25 * time.Hour) // nobody came back for a day
	if n, err := ew.chunks.Sweep(context.Background()); err != nil || n != 3 || partialBytes(t, ew) != 0 {
		t.Fatalf("sweep removed %d (%v), %d bytes left", n, err, partialBytes(t, ew))
	}
	cadre, _ := ew.st.org.UserByPhone(context.Background(), "13900000001")
	ew.cadre = ew.tokenFor(cadre) // the old token expired meanwhile

	notAPhoto := []byte("MZ\x90\x00 this is not a photo at all")
	sum := sha256.Sum256(notAPhoto)
	r := start(hex.EncodeToString(sum[:]), len(notAPhoto))
	if r.status != 201 {
		t.Fatalf("start after the sweep: %d %s", r.status, r.body)
	}
	id := str(r.json(t), "uploadId")
	if p := piece(id, 50, 50, 1, notAPhoto[:1]); p.status != 400 || !strings.Contains(string(p.body), "Content-Range") {
		t.Fatalf("bytes 50-50/1 on a %d-byte upload: %d %s", len(notAPhoto), p.status, p.body)
	}
	if p := piece(id, 0, 3, len(notAPhoto), notAPhoto); p.status != 400 {
		t.Fatalf("a range that does not match its bytes: %d %s", p.status, p.body)
	}
	if p := piece(id, 0, len(notAPhoto)-1, len(notAPhoto), notAPhoto); p.status != 400 || !strings.Contains(string(p.body), "unsupported_type") {
		t.Fatalf("a last piece of the wrong type: %d %s", p.status, p.body)
	}
	if n := partialBytes(t, ew); n != 0 {
		t.Fatalf("the refused upload left %d bytes", n)
	}
	if s := ew.call("GET", "/api/v1/attachments/uploads/"+id, ew.cadre, nil); s.status != 404 {
		t.Fatalf("the refused upload is still open: %d", s.status)
	}
}

// partialBytes sums what the cadre's open uploads hold in the store.
func partialBytes(t *testing.T, ew entryWorld) int64 {
	t.Helper()
	open, err := ew.st.uploads.Uploads(context.Background(), "user-13900000001")
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, u := range open {
		n += u.Offset
	}
	return n
}

// TestAttachmentDownloadsResume: a phone that has a photo sends its ETag and
// gets 304; one cut off mid-download asks for the rest with Range; a range
// past the end is 416.
func TestAttachmentDownloadsResume(t *testing.T) {
	eachBlobStore(t, func(t *testing.T, open func(*testing.T) *world) {
		ew := entryWorldIn(t, open(t))
		photo := pngBytes(9)
		id := str(ew.call("POST", "/api/v1/attachments", ew.cadre, upload{file: photo}).json(t), "id")
		url := "/api/v1/attachments/" + id
		whole := ew.call("GET", url, ew.cadre, nil)
		etag := whole.header.Get("ETag")
		if whole.status != 200 || !bytes.Equal(whole.body, photo) || etag == "" || whole.header.Get("Accept-Ranges") != "bytes" {
			t.Fatalf("whole: %d %v", whole.status, whole.header)
		}
		get := func(headers map[string]string) reply { return ew.callWith("GET", url, ew.cadre, nil, headers) }
		if r := get(map[string]string{"If-None-Match": etag}); r.status != 304 || len(r.body) != 0 {
			t.Fatalf("If-None-Match: %d, %d bytes", r.status, len(r.body))
		}
		size := len(photo)
		for header, want := range map[string][]byte{"bytes=0-9": photo[:10], "bytes=10-": photo[10:], "bytes=-5": photo[size-5:]} {
			r := get(map[string]string{"Range": header})
			if r.status != 206 || !bytes.Equal(r.body, want) || !strings.HasPrefix(r.header.Get("Content-Range"), "bytes ") {
				t.Errorf("%s: %d %q, %d bytes", header, r.status, r.header.Get("Content-Range"), len(r.body))
			}
		}
		r := get(map[string]string{"Range": fmt.Sprintf("bytes=%d-", size)})
		if r.status != 416 || r.header.Get("Content-Range") != fmt.Sprintf("bytes */%d", size) {
			t.Fatalf("past the end: %d %v", r.status, r.header)
		}
	})
}

// TestThumbnailsForLists: a photo larger than 320 pixels gets a 320-pixel
// JPEG thumbnail at upload, served with ?size=thumb to whoever may read the
// photo; a small photo is its own thumbnail; others get 404 as for the photo.
func TestThumbnailsForLists(t *testing.T) {
	eachBlobStore(t, func(t *testing.T, open func(*testing.T) *world) {
		ew := entryWorldIn(t, open(t))
		img := image.NewRGBA(image.Rect(0, 0, 400, 300))
		seed := uint32(7)
		for i := range img.Pix { // noise, as a photo has: a PNG of it is large
			seed = seed*1664525 + 1013904223
			img.Pix[i] = uint8(seed >> 24)
		}
		var big bytes.Buffer
		_ = png.Encode(&big, img)
		id := str(ew.call("POST", "/api/v1/attachments", ew.cadre, upload{file: big.Bytes()}).json(t), "id")
		small := str(ew.call("POST", "/api/v1/attachments", ew.cadre, upload{file: pngBytes(5)}).json(t), "id")
		thumbOf := func(token, id string) reply {
			return ew.call("GET", "/api/v1/attachments/"+id+"?size=thumb", token, nil)
		}
		r := thumbOf(ew.cadre, id)
		cfg, format, err := image.DecodeConfig(bytes.NewReader(r.body))
		if r.status != 200 || err != nil || format != "jpeg" || cfg.Width != 320 || cfg.Height != 240 || r.header.Get("Content-Type") != "image/jpeg" ||
			len(r.body) >= big.Len() {
			t.Fatalf("thumbnail: %d %v %s %+v, %d bytes of %d", r.status, err, format, cfg, len(r.body), big.Len())
		}
		if r := thumbOf(ew.cadre, small); r.status != 200 || r.header.Get("Content-Type") != "image/png" || !bytes.Equal(r.body, pngBytes(5)) {
			t.Fatalf("a small photo's thumbnail: %d %s", r.status, r.header.Get("Content-Type"))
		}
		if r := thumbOf(ew.townSup, id); r.status != 404 {
			t.Fatalf("the supervisor before any entry names the photo: %d", r.status)
		}
		if r := ew.file("7d3f0a52-eeee-4e6b-9b1e-00000000t001", map[string]any{"name": "张三", "photos": []string{id}}, true); r.status != 201 {
			t.Fatalf("file: %d %s", r.status, r.body)
		}
		if r := thumbOf(ew.townSup, id); r.status != 200 || r.header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("the reviewing supervisor's thumbnail: %d", r.status)
		}
		stranger := ew.tokenFor(ew.addUser("13900000029", "d2", false, auth.RoleSupervisor))
		if r := thumbOf(stranger, id); r.status != 404 {
			t.Fatalf("a stranger's thumbnail: %d", r.status)
		}
	})
}

// TestBucketDownDuringUpload: while the bucket fails, an upload is 503 with
// Retry-After and nothing is recorded; once it is back the same upload works.
func TestBucketDownDuringUpload(t *testing.T) {
	fake := s3test.Start(t, "taizhang")
	ew := entryWorldIn(t, newWorldOn(t, s3Stores(t, fake)))
	photo := pngBytes(31)
	uploader := ew.addUser("13900000031", "v1", false, auth.RoleCadre)
	token := ew.tokenFor(uploader)
	fake.SetDown(true)
	r := ew.call("POST", "/api/v1/attachments", token, upload{file: photo})
	if r.status != 503 || r.header.Get("Retry-After") == "" || !strings.Contains(string(r.body), "文件存储暂时不可用") {
		t.Fatalf("bucket down: %d %v %s", r.status, r.header, r.body)
	}
	fake.SetDown(false)
	sum := sha256.Sum256(photo)
	if r := ew.call("GET", "/api/v1/attachments/"+attachments.IDFor(uploader.ID, hex.EncodeToString(sum[:])), token, nil); r.status != 404 {
		t.Fatalf("a failed upload left an attachment: %d", r.status)
	}
	if r := ew.call("POST", "/api/v1/attachments", token, upload{file: photo}); r.status != 201 {
		t.Fatalf("after the bucket is back: %d %s", r.status, r.body)
	}
}
