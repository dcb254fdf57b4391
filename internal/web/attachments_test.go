package web

import (
	"bytes"
	"database/sql"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"rectify/internal/attachment/attachmenttest"
	"rectify/internal/domain"
)

// file is one file chosen in a form's file input.
type file struct {
	name string
	data []byte
}

// actWithFiles posts an action's form as multipart/form-data, as the page's form
// does, with its fields and the files chosen in its file input.
func (b *browser) actWithFiles(t *testing.T, path string, fields map[string]string, files ...file) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("csrf", b.csrf))
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if len(files) == 0 {
		// A file input with nothing chosen still sends an empty part.
		_, err := mw.CreateFormFile("files", "")
		require.NoError(t, err)
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile("files", f.name)
		require.NoError(t, err)
		_, err = fw.Write(f.data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	resp, err := b.c.Post(b.e.srv.URL+path, mw.FormDataContentType(), &buf)
	require.NoError(t, err)
	return resp
}

// inProgressOpinion is opinion id, assigned to official of 住建局, signed for and
// begun after rounds were kept.
func inProgressOpinion(t *testing.T, e *officeEnv, id string) {
	t.Helper()
	e.opinion(t, domain.Opinion{ID: id, CampaignID: "c1", Content: "小区路灯坏了", State: domain.StateInProgress,
		Category: "形式主义", Department: "住建局", Official: "official", Leader: "leader", Signed: true,
		OverdueLevel: domain.LevelNone, HighestLevel: domain.LevelNone, Schedule: domain.Schedule{Deadline: "2025-06-20"},
		Timeline: []domain.Event{{Seq: 1, At: officeNow.Add(-time.Hour), Actor: "office", Action: domain.EventReceived, To: domain.StateReceived}}})
}

// expectSubmit has the mocked workflow take one submit on opinion id as its
// handler would (expectAction), the new round keeping the files the request
// names, or refuse it (refusal). It returns the request the page sent, once taken.
func expectSubmit(t *testing.T, e *officeEnv, id string, refusal error) *domain.ActionRequest {
	t.Helper()
	req := new(domain.ActionRequest)
	var sent <-chan client.UpdateWorkflowOptions
	sent = expectAction(t, e, id, domain.ActionSubmit, func(o *domain.Opinion) {
		*req = (<-sent).Args[0].(domain.ActionRequest)
		b := req.Body
		o.Rounds = append(o.Rounds, domain.Round{Measures: b.Measures, Evidence: b.Evidence, Attachments: b.Attachments,
			SubmittedBy: req.Actor.Username, SubmittedAt: officeNow})
		o.State, o.Measures, o.Evidence, o.SubmittedBy = domain.StateSubmitted, b.Measures, b.Evidence, req.Actor.Username
	}, refusal)
	return req
}

// storedFiles counts the evidence files in the store at dir: records and bytes.
func storedFiles(t *testing.T, dir string) (records, files int) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "rectify.db"))
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.QueryRow(`SELECT (SELECT count(*) FROM attachments), (SELECT count(*) FROM attachment_files)`).Scan(&records, &files))
	return records, files
}

func TestTheSubmitFormSendsPhotosAndDocumentsWithTheFixAndTheVerifierSeesThem(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	inProgressOpinion(t, e, "wip")
	b := e.signIn(t, "official")
	_, page := b.get(t, "/opinions/wip")
	require.Contains(t, page, `<form method="post" action="/opinions/wip/act/submit" enctype="multipart/form-data" novalidate>`)
	require.Contains(t, page, `<label for="submit-files">佐证材料（照片、文件）</label>`)
	require.Contains(t, page, `<input id="submit-files" name="files" type="file" multiple accept="image/*,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx" aria-describedby="submit-files-hint">`)
	require.Contains(t, page, `<form method="post" action="/opinions/wip/act/return" novalidate>`, "a form without files stays a plain form")
	requireLabelled(t, "/opinions/wip", page)

	photo, doc := attachmenttest.PNG(t, 800, 600), attachmenttest.PDF()
	req := expectSubmit(t, e, "wip", nil)
	resp := b.actWithFiles(t, "/opinions/wip/act/submit", map[string]string{"measures": "已更换路灯", "evidence": "整改前后照片"},
		file{"整改后.png", photo}, file{"验收单.pdf", doc}, file{"扫描件.pdf", append(attachmenttest.PDF(), make([]byte, 3<<20)...)})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, readBody(t, resp))
	require.Equal(t, "/opinions/wip", resp.Header.Get("Location"))
	files := req.Body.Attachments
	require.Len(t, files, 3, "the action names the files the form uploaded, a form of more than a megabyte too")
	require.Equal(t, []string{"整改后.png", "image/png", "验收单.pdf", "application/pdf"},
		[]string{files[0].Name, files[0].ContentType, files[1].Name, files[1].ContentType})
	require.True(t, files[0].Thumbnail)

	// The verifier's queue shows the photo of the latest round, linked to the file.
	v := e.signIn(t, "verifier")
	_, queue := v.get(t, "/verify")
	require.Contains(t, queue, `<th scope="col">佐证照片</th>`)
	require.Contains(t, queue, `<a href="/attachments/`+files[0].ID+`" title="下载 整改后.png"><img class="thumb small" src="/attachments/`+files[0].ID+`/thumbnail" alt="整改后.png"></a>`)
	require.NotContains(t, queue, files[1].ID, "a document has no thumbnail to show")

	// The opinion lists the round's files: the photo's thumbnail, the document by name.
	_, page = v.get(t, "/opinions/wip")
	require.Contains(t, page, `<img class="thumb" src="/attachments/`+files[0].ID+`/thumbnail" alt="整改后.png">`)
	require.Contains(t, page, `<a href="/attachments/`+files[1].ID+`">验收单.pdf</a> <span class="muted small">1 KB</span>`)
	require.Contains(t, page, `<a href="/attachments/`+files[2].ID+`">扫描件.pdf</a> <span class="muted small">3.0 MB</span>`)

	// Each downloads as the file it is, never shown as a page.
	resp, err := v.c.Get(e.srv.URL + "/attachments/" + files[0].ID)
	require.NoError(t, err)
	require.Equal(t, photo, []byte(readBody(t, resp)))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Disposition"), "attachment; ")
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'self'", "the pages' policy holds")
	resp, err = v.c.Get(e.srv.URL + "/attachments/" + files[0].ID + "/thumbnail")
	require.NoError(t, err)
	thumb, err := jpeg.Decode(bytes.NewReader([]byte(readBody(t, resp))))
	require.NoError(t, err, "a JPEG rectify drew")
	require.Equal(t, 240, thumb.Bounds().Dx())

	// Someone who may not see the opinion gets none of its files.
	other := e.signIn(t, "official2")
	status, body := other.get(t, "/attachments/"+files[0].ID)
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "该意见既没有交办给您，也没有交办给您所在的部门")
	status, _ = other.get(t, "/attachments/"+files[0].ID+"/thumbnail")
	require.Equal(t, http.StatusForbidden, status)
	status, _ = v.get(t, "/attachments/"+files[1].ID+"/thumbnail")
	require.Equal(t, http.StatusNotFound, status, "no thumbnail of a document")
}

func TestAnActionRefusedLeavesNoFilesBehindAndAsksForThemAgain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newOfficeEnvAt(t, dir)
	inProgressOpinion(t, e, "wip")
	b := e.signIn(t, "official")

	// The workflow refuses the action: the files it would have named are deleted.
	expectSubmit(t, e, "wip", refusal(domain.ErrInvalid, "measures_required", "measures is required"))
	resp := b.actWithFiles(t, "/opinions/wip/act/submit", map[string]string{"measures": "", "evidence": "见照片"},
		file{"整改后.jpg", attachmenttest.JPEG(t, 320, 240)})
	body := readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	require.Contains(t, body, `<p class="error" id="submit-measures-err">`)
	require.Contains(t, body, `<p class="error" id="submit-files-err">已选择的 1 个文件未保存，请重新选择后再提交。</p>`)
	records, files := storedFiles(t, dir)
	require.Zero(t, records+files, "no file of a refused action lingers")

	// A file that is not evidence is refused by name before anything is sent, and
	// the one uploaded before it goes too.
	resp = b.actWithFiles(t, "/opinions/wip/act/submit", map[string]string{"measures": "已修复", "evidence": "见照片"},
		file{"整改前.png", attachmenttest.PNG(t, 64, 48)}, file{"整改后.jpg", []byte("<html><script>alert(1)</script></html>")})
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	require.Contains(t, body, "文件“整改后.jpg”：只接收照片（JPEG、PNG、GIF、WebP）、PDF 及 Word、Excel、PowerPoint 文件")
	records, files = storedFiles(t, dir)
	require.Zero(t, records+files)

	// With no file chosen the action goes as it always did.
	req := expectSubmit(t, e, "wip", nil)
	resp = b.actWithFiles(t, "/opinions/wip/act/submit", map[string]string{"measures": "已修复", "evidence": "现场核实"})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, readBody(t, resp))
	require.Empty(t, req.Body.Attachments)
	e.temporal.AssertNumberOfCalls(t, "UpdateWorkflow", 2)
}

func TestAFixOnTheSpotAProgressReportAndAConclusionTakeFilesToo(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	office := e.signIn(t, "office")
	_, page := office.get(t, "/opinions/cat")
	require.Contains(t, page, `<form method="post" action="/opinions/cat/act/resolve" enctype="multipart/form-data" novalidate>`)
	require.Contains(t, page, `<input id="resolve-files" name="files" type="file" multiple`)
	require.Contains(t, page, `<form method="post" action="/opinions/cat/act/categorize" novalidate>`)

	minutes := domain.AttachmentRef{ID: "00000000-0000-4000-8000-000000000001", Name: "会议纪要.docx", ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		Size: 52_000, SHA256: strings.Repeat("0", 64)}
	e.opinion(t, domain.Opinion{ID: "lt", CampaignID: "c1", Content: "会议过多", State: domain.StateInProgress, LongTerm: true,
		Reports: []domain.ProgressReport{{At: officeNow.Add(-24 * time.Hour), By: "official", Done: "起草制度", Next: "征求意见",
			Percent: 30, Due: "2025-06-10", Attachments: []domain.AttachmentRef{minutes}}},
		Category: "形式主义", Department: "住建局", Official: "official", Leader: "leader", Signed: true,
		OverdueLevel: domain.LevelNone, HighestLevel: domain.LevelNone, Schedule: domain.Schedule{Deadline: "2025-07-10"},
		Timeline: []domain.Event{{Seq: 1, At: officeNow.Add(-time.Hour), Actor: "office", Action: domain.EventReceived, To: domain.StateReceived}}})
	_, page = e.signIn(t, "official").get(t, "/opinions/lt")
	require.Contains(t, page, `<form method="post" action="/opinions/lt/act/report-progress" enctype="multipart/form-data" novalidate>`)
	require.Contains(t, page, `<input id="report-progress-files" name="files" type="file" multiple`)
	reports := page[strings.Index(page, `id="reports"`):]
	require.Contains(t, reports[:strings.Index(reports, "</table>")], `<a href="/attachments/`+minutes.ID+`">会议纪要.docx</a> <span class="muted small">51 KB</span>`,
		"a report lists its files")
	_, page = e.signIn(t, "leader").get(t, "/opinions/lt")
	require.Contains(t, page, `<form method="post" action="/opinions/lt/act/conclude" enctype="multipart/form-data" novalidate>`)
}
