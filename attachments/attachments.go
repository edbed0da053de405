// Package attachments keeps the photos and documents cadres attach to entries.
// Files are content-addressed per uploader — the same bytes uploaded twice by
// the same person are one attachment — and typed by their bytes, never by their
// name.
package attachments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	_ "image/jpeg" // DecodeConfig reads JPEG and PNG sizes
	_ "image/png"
	"io"
	"time"

	"taizhang/auth"
	"taizhang/signals"
)

// Attachment is an uploaded file's metadata.
type Attachment struct {
	ID          string    `json:"id"`
	UploaderID  string    `json:"-"`
	UnitPath    []string  `json:"-"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	ContentType string    `json:"contentType"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	CreatedAt   time.Time `json:"createdAt"`
	// Print is a photo's perceptual hashes (signals.Print), for finding reuse.
	Print []uint64 `json:"-"`
	// Meta is when and where the photo was taken, if it says.
	Meta signals.Meta `json:"meta,omitzero"`
}

// IsImage reports whether a photo field may use the attachment.
func (a Attachment) IsImage() bool { return a.ContentType != "application/pdf" }

// IDFor derives the id from the uploader and the content's hash, so a retried
// upload maps to the same attachment while two people's identical photos stay
// apart (each may read only their own until an entry shares it).
func IDFor(uploaderID, sha string) string {
	sum := sha256.Sum256([]byte(uploaderID + ":" + sha))
	return hex.EncodeToString(sum[:12])
}

// Store keeps attachments and their bytes.
type Store interface {
	// Save stores the bytes (once per content) and the metadata; an existing
	// attachment with a.ID is returned unchanged.
	Save(ctx context.Context, scope auth.Scope, a Attachment, content io.Reader) (Attachment, error)
	// Get returns an attachment the caller uploaded, or one referenced by an
	// entry in the caller's scope that its uploader filed; errs.NotFound
	// otherwise. Only the uploader's own entries count: naming someone else's
	// attachment id in one's entry must never make it readable.
	Get(ctx context.Context, scope auth.Scope, id string) (Attachment, error)
	// Open reads the bytes of an attachment Get would return.
	Open(ctx context.Context, scope auth.Scope, id string) (Attachment, io.ReadCloser, error)
	// OpenThumb reads the thumbnail (ThumbID) of an attachment Get would
	// return; errs.NotFound when the attachment or its thumbnail is absent.
	OpenThumb(ctx context.Context, scope auth.Scope, id string) (Attachment, io.ReadCloser, error)
	// Ownership sorts ids into the caller's own attachments and those that exist
	// but someone else uploaded; an id in neither has not arrived yet.
	Ownership(ctx context.Context, scope auth.Scope, ids []string) (Ownership, error)
}

// Ownership is what Store.Ownership found: the caller's attachments by id, and
// the ids of others' attachments (nothing else about them is revealed).
type Ownership struct {
	Own     map[string]Attachment
	Foreign map[string]bool
}

// Sniff names the type of a file from its first bytes: JPEG, PNG, WebP, HEIC
// or PDF; anything else is refused (ok false).
func Sniff(head []byte) (contentType string, ok bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", true
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return "image/webp", true
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && isHEIFBrand(string(head[8:12])):
		return "image/heic", true
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf", true
	}
	return "", false
}

func isHEIFBrand(b string) bool {
	switch b {
	case "heic", "heix", "hevc", "heim", "heis", "mif1", "msf1":
		return true
	}
	return false
}

// Dimensions reads an image's size from its header (JPEG, PNG and lossy or
// lossless WebP); zero for other types.
func Dimensions(contentType string, head []byte) (width, height int) {
	switch contentType {
	case "image/jpeg", "image/png":
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(head)); err == nil {
			return cfg.Width, cfg.Height
		}
	case "image/webp":
		return webpSize(head)
	}
	return 0, 0
}

// webpSize reads the VP8 (lossy) or VP8L (lossless) frame header.
func webpSize(b []byte) (int, int) {
	if len(b) < 30 {
		return 0, 0
	}
	switch string(b[12:16]) {
	case "VP8 ":
		return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3FFF), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3FFF)
	case "VP8L":
		bits := binary.LittleEndian.Uint32(b[21:25])
		return int(bits&0x3FFF) + 1, int((bits>>14)&0x3FFF) + 1
	}
	return 0, 0
}
