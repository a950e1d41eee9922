package site

import (
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Handler serves the site built in dir. A request for a file that has a
// .gz twin (see Precompress) from a client that accepts gzip gets the
// twin with Content-Encoding gzip; .wasm files are application/wasm.
// Everything is served with Cache-Control no-cache, so a rebuilt site is
// never mixed with a cached one. Methods other than GET and HEAD get 405,
// and a path no file can have (a segment longer than 255 bytes) 404.
func Handler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		for _, seg := range strings.Split(r.URL.Path, "/") {
			if len(seg) > maxNameBytes { // the file system would answer ENAMETOOLONG: a 500
				http.NotFound(w, r)
				return
			}
		}
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(name, "/") {
			name += "index.html"
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		switch path.Ext(name) {
		case ".wasm":
			ctype = "application/wasm"
		case ".gz":
			ctype = "application/octet-stream"
		}
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		h.Add("Vary", "Accept-Encoding")
		if compressible(name) && acceptsGzip(r) {
			gz := filepath.Join(dir, filepath.FromSlash(name)+".gz")
			if st, err := os.Stat(gz); err == nil && st.Mode().IsRegular() {
				h.Set("Content-Encoding", "gzip")
				http.ServeFile(w, r, gz)
				return
			}
		}
		files.ServeHTTP(w, r)
	})
}

// maxNameBytes is the longest file name the usual file systems allow.
const maxNameBytes = 255

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
