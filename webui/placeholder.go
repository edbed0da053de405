//go:build !embedui

// Package webui holds the built PWA. Built with -tags embedui (as `make build` does)
// it embeds frontend's Vite output from webui/dist; without the tag a placeholder
// page stands in, so `go test ./...` needs no front-end build.
package webui

import (
	"embed"
	"io/fs"
)

//go:embed placeholder
var placeholder embed.FS

// FS returns the placeholder page, which explains how to build the real one.
func FS() fs.FS {
	sub, err := fs.Sub(placeholder, "placeholder")
	if err != nil {
		panic(err) // embedded at compile time; it cannot be missing
	}
	return sub
}

// Built reports whether the real PWA is embedded.
const Built = false
