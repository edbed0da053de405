package attachments_test

import (
	"testing"

	"taizhang/attachments"
	"taizhang/attachments/blobtest"
)

func TestBlobContractOnDataDir(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) attachments.Blobs { return attachments.DirBlobs{Dir: t.TempDir()} })
}
