package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/attachment/attachmenttest"
	"rectify/internal/domain"
)

// download is what fetching a link from the page got.
type download struct {
	Status      int
	Type        string
	Disposition string
	NoSniff     string
	Size        int
}

// fetch downloads path from the page, with its session, as following the link would.
func (b *browser) fetch(path string) download {
	b.t.Helper()
	return value(b, chromedp.Evaluate[download](`fetch(`+jsString(path)+`).then(async r => ({
		Status: r.status, Type: r.headers.get("content-type"), Disposition: r.headers.get("content-disposition"),
		NoSniff: r.headers.get("x-content-type-options"), Size: (await r.arrayBuffer()).byteLength}))`, chromedp.EvalAwaitPromise))
}

// imageShown waits until the image sel has been loaded and drawn, and returns its
// size in pixels.
func (b *browser) imageShown(sel string) (w, h int) {
	b.t.Helper()
	var size []int
	require.Eventually(b.t, func() bool {
		got, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`(() => { const i = document.querySelector(`+jsString(sel)+`);
			return i && i.complete ? [i.naturalWidth, i.naturalHeight] : [0, 0]; })()`))
		size = got
		return err == nil && len(got) == 2 && got[0] > 0
	}, time.Minute, 20*time.Millisecond, "the image %s is shown", sel)
	return size[0], size[1]
}

// TestBrowserFixedOnTheSpotWithAPhotoTheVerifierSees: the office records a fix on
// the spot (立行立改) with the photo taken there; the verifier finds its thumbnail
// in the queue of fixes to check, and on the opinion's page, each a link to the
// photo, which downloads as the file it is.
func TestBrowserFixedOnTheSpotWithAPhotoTheVerifierSees(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	id, _ := spotOpinion(h, "photo", "P-1", "政务大厅门口台阶破损")
	jpg := attachmenttest.JPEG(t, 1600, 1200)
	photo := filepath.Join(t.TempDir(), "整改后现场.jpg")
	require.NoError(t, os.WriteFile(photo, jpg, 0o644))

	b.signIn("office")
	b.act(id, domain.ActionResolve,
		chromedp.SetValue(chromedp.ID("resolve-category"), "服务态度和效率"),
		chromedp.SetValue(chromedp.ID("resolve-department"), "城管科"),
		chromedp.SetValue(chromedp.ID("resolve-official"), "official"),
		chromedp.SendKeys(chromedp.ID("resolve-measures"), "当场修补台阶"),
		chromedp.SendKeys(chromedp.ID("resolve-evidence"), "修补后现场照片"),
		chromedp.SetUploadFiles(chromedp.ID("resolve-files"), []string{photo}))
	require.Contains(t, b.text("main"), "待核查")
	w, hgt := b.imageShown(`#rounds img.thumb`)
	require.Equal(t, []int{240, 180}, []int{w, hgt}, "the thumbnail rectify drew, on the opinion's page")
	b.shot("resolved-with-a-photo")
	b.signOut()

	// The opinion keeps the photo with the round it was submitted with.
	o := h.Must("office", "GET", "/api/v1/opinions/"+id, nil, 200)
	rounds := o["rounds"].([]any)
	require.Len(t, rounds, 1)
	files := rounds[0].(map[string]any)["attachments"].([]any)
	require.Len(t, files, 1)
	file := files[0].(map[string]any)
	require.Equal(t, "整改后现场.jpg", file["name"])
	require.Equal(t, "image/jpeg", file["content_type"])
	require.EqualValues(t, len(jpg), file["size"])
	attachment := file["id"].(string)

	b.signIn("verifier")
	b.open("/verify")
	queued := `td.photos a[href="/attachments/` + attachment + `"] img`
	w, hgt = b.imageShown(queued)
	require.Equal(t, []int{240, 180}, []int{w, hgt}, "the thumbnail in the queue")
	require.Contains(t, b.text("main"), "政务大厅门口台阶破损")
	b.shot("verify-queue-with-a-thumbnail")

	b.open("/opinions/" + id)
	b.imageShown(`#rounds a[href="/attachments/` + attachment + `"] img`)
	got := b.fetch("/attachments/" + attachment)
	require.Equal(t, download{Status: 200, Type: "image/jpeg", NoSniff: "nosniff", Size: len(jpg),
		Disposition: got.Disposition}, got)
	require.True(t, strings.HasPrefix(got.Disposition, "attachment; "), got.Disposition)
	require.Contains(t, got.Disposition, "filename*=UTF-8''%E6%95%B4%E6%94%B9%E5%90%8E%E7%8E%B0%E5%9C%BA.jpg")

	b.act(id, domain.ActionVerify, chromedp.Click(chromedp.CSS(`input[name=pass][value=true]`)))
	b.imageShown(`#rounds img.thumb`) // the verified round keeps its photo
	b.shot("verified-with-its-photo")
}
