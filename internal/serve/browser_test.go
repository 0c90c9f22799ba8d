package serve_test

import (
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/browsertest"
)

// TestServedPagesInBrowser opens every page of the HTTP side in headless Chromium with the
// network cut off but for the server: no console error, no request elsewhere, the page's
// content there, the report's charts drawn.
func TestServedPagesInBrowser(t *testing.T) {
	b := browsertest.New(t)
	srv := server(t, "")
	d := date(days - 1).String()
	loaded := `document.readyState === 'complete'`
	tests := []struct {
		path, ready, check, screenshot string
	}{
		{"/", loaded, `document.querySelectorAll('table.runs td.c a.ok').length`, "serve-runs.png"},
		{"/report/" + d, `document.documentElement.getAttribute('data-charts') === 'ready'`,
			`document.querySelectorAll('[data-drawn="1"]').length`, ""},
		{"/catalog", loaded, `document.querySelectorAll('a[href^="/catalog/"]').length`, "serve-catalog.png"},
		{"/catalog/gold/dim_user", loaded, `document.querySelectorAll('#table table tr').length`, ""},
		{"/rejects/" + d, loaded, `document.querySelectorAll('a[href^="/rejects/` + d + `/"]').length`, ""},
		{"/rejects/" + d + "/users", loaded, `document.querySelectorAll('pre.raw').length`, "serve-rejects.png"},
	}
	for _, tt := range tests {
		t.Run(strings.Trim(tt.path, "/"), func(t *testing.T) {
			p := b.Open(t, srv.URL+tt.path, []string{srv.URL + "/"}, tt.ready)
			p.CheckClean(t)
			for _, u := range p.Requests() {
				if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
					t.Errorf("%s requested %s", tt.path, u)
				}
			}
			if n := browsertest.Eval[int](t, p, tt.check); n == 0 {
				t.Errorf("%s: %s is 0", tt.path, tt.check)
			}
			if tt.screenshot != "" {
				p.SaveScreenshot(t, "main", tt.screenshot)
			}
		})
	}
}
