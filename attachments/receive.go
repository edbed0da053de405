package attachments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/signals"
)

// DefaultMaxBytes is the default upload limit (TAIZHANG_MAX_UPLOAD).
const DefaultMaxBytes = 10 << 20

// headBytes is how much of a file is kept in memory to sniff its type and read
// its dimensions: a JPEG's size can follow a large EXIF block.
const headBytes = 256 << 10

// Receive reads an upload to a temporary file while hashing it, refuses it if it
// is too large or of an unknown type, and stores it. Nothing is stored from a
// refused upload.
func Receive(ctx context.Context, store Store, scope auth.Scope, unitPath []string, r io.Reader, maxBytes int64, now time.Time) (Attachment, error) {
	return ReceiveClaimed(ctx, store, scope, unitPath, r, maxBytes, now, signals.Meta{})
}

// ReceiveClaimed is Receive with what the phone read from the photo's EXIF
// before compressing it away: used, marked as claimed, when the file itself
// carries none.
func ReceiveClaimed(ctx context.Context, store Store, scope auth.Scope, unitPath []string, r io.Reader, maxBytes int64, now time.Time,
	claimed signals.Meta) (Attachment, error) {
	tmp, err := os.CreateTemp("", "taizhang-upload-*")
	if err != nil {
		return Attachment{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	hash := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, hash), io.LimitReader(r, maxBytes+1))
	if err != nil {
		return Attachment{}, errs.Wrap(errs.Invalid, "上传中断，请重试", err)
	}
	if size > maxBytes {
		return Attachment{}, errs.New(errs.TooLarge, fmt.Sprintf("文件不能超过 %d MB", maxBytes>>20))
	}
	if size == 0 {
		return Attachment{}, errs.Fields("文件为空", errs.FieldError{Field: "file", Code: "empty", Message: "文件为空"})
	}
	head := make([]byte, min(size, headBytes))
	if _, err := tmp.ReadAt(head, 0); err != nil && err != io.EOF {
		return Attachment{}, err
	}
	contentType, ok := Sniff(head)
	if !ok {
		return Attachment{}, errs.Fields("不支持的文件类型", errs.FieldError{Field: "file", Code: "unsupported_type",
			Message: "只能上传 JPEG、PNG、WebP、HEIC 图片或 PDF 文件"})
	}
	sha := hex.EncodeToString(hash.Sum(nil))
	a := Attachment{ID: IDFor(scope.UserID(), sha), UploaderID: scope.UserID(), UnitPath: unitPath, SHA256: sha,
		Size: size, ContentType: contentType, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	a.Width, a.Height = Dimensions(contentType, head)
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return Attachment{}, err
	}
	img := decode(a, tmp) // once, for the print and the thumbnail
	if img != nil {
		a.Print = signals.Print(img)
	}
	a.Meta = photoMeta(contentType, head, claimed, now)
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return Attachment{}, err
	}
	if a, err = store.Save(ctx, scope, a, tmp); err != nil {
		return Attachment{}, err
	}
	// Lists and review queues show the 320-pixel thumbnail, made once here.
	return a, saveThumb(ctx, store, scope, a, img, now)
}

// photoMeta is when and where a photo was taken: from its own EXIF, else
// what the phone claims it read before compressing.
func photoMeta(contentType string, head []byte, claimed signals.Meta, now time.Time) signals.Meta {
	if contentType == "image/jpeg" {
		if m := signals.ReadEXIF(head, now); m.Known() {
			return m
		}
	}
	claimed.Source = "claimed"
	return claimed.Sane(now)
}
