//go:build embedui

// Package webui holds the built PWA. Built with -tags embedui (as `make build` does)
// it embeds frontend's Vite output from webui/dist; without the tag a placeholder
// page stands in, so `go test ./...` needs no front-end build.
package webui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the files to serve, rooted at the app's index.html.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is embedded at compile time; it cannot be missing
	}
	return sub
}

// Built reports whether the real PWA is embedded.
const Built = true
