package storetest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"testing"

	"taizhang/attachments"
	"taizhang/auth"
	"taizhang/errs"
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
}
