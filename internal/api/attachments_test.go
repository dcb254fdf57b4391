package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"rectify/internal/attachment/attachmenttest"
	"rectify/internal/domain"
	"rectify/internal/service"
)

// attach uploads one evidence file to an opinion as username.
func (f *fixture) attach(t *testing.T, username, opinion, name string, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	req := httptest.NewRequest(http.MethodPost, "/api/v1/opinions/"+opinion+"/attachments", nil)
	if username != "" {
		req.Header.Set("Authorization", "Bearer "+tokenOf(username))
	}
	req.Body = httpBody(body.Bytes())
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return f.serve(req)
}

func httpBody(b []byte) *readCloser { return &readCloser{bytes.NewReader(b)} }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// attached uploads a file that must be taken, and returns its reference.
func (f *fixture) attached(t *testing.T, username, opinion, name string, data []byte) domain.AttachmentRef {
	t.Helper()
	rec := f.attach(t, username, opinion, name, data)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return decodeAs[domain.AttachmentRef](t, rec)
}

// storedFiles counts the evidence files in the store, bytes included.
func (f *fixture) storedFiles(t *testing.T) (records, files int) {
	t.Helper()
	db, err := sql.Open("sqlite", f.dbPath)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.QueryRow(`SELECT (SELECT count(*) FROM attachments), (SELECT count(*) FROM attachment_files)`).Scan(&records, &files))
	return records, files
}

// inProgress is opinion id, assigned to official of 住建局 and signed for, begun
// after rounds were kept.
func inProgress(id string) domain.Opinion {
	return newOpinion(id, assigned(domain.StateInProgress, "official", deptA, "2025-06-20", domain.LevelNone),
		func(o *domain.Opinion) { o.Signed, o.HighestLevel = true, domain.LevelNone })
}

func TestEveryKindOfEvidenceIsTakenByItsContentAndAnsweredWithItsReference(t *testing.T) {
	f := newFixture(t)
	f.project(t, inProgress("a"))
	for _, tt := range []struct {
		name        string
		data        []byte
		contentType string
		thumbnail   bool
	}{
		{"整改后.png", attachmenttest.PNG(t, 640, 480), "image/png", true},
		{"现场照片.jpg", attachmenttest.JPEG(t, 640, 480), "image/jpeg", true},
		{"巡查.gif", attachmenttest.GIF(t, 64, 64), "image/gif", true},
		{"验收报告.pdf", attachmenttest.PDF(), "application/pdf", false},
		{"整改方案.docx", attachmenttest.DOCX(t), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", false},
		// Named as something else, taken as what it is.
		{"scan.doc", attachmenttest.PDF(), "application/pdf", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.attach(t, "official", "a", tt.name, tt.data)
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			var answer map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &answer))
			sum := sha256.Sum256(tt.data)
			require.Equal(t, map[string]any{"id": answer["id"], "name": tt.name, "content_type": tt.contentType,
				"size": float64(len(tt.data)), "sha256": hex.EncodeToString(sum[:]), "thumbnail": tt.thumbnail}, answer)
			require.Len(t, answer["id"], 36)
		})
	}
}

func TestAFileThatIsNotEvidenceIsRefusedNamingTheFileAndTheRuleAndNothingIsKept(t *testing.T) {
	f := newFixture(t)
	f.project(t, inProgress("a"))
	html := []byte("<!DOCTYPE html><html><body><script>fetch('/api/v1/audit')</script></body></html>")
	rec := f.attach(t, "official", "a", "整改后.jpg", html)
	requireError(t, rec, http.StatusUnprocessableEntity, "attachment_type", `"整改后.jpg"`, "web page", "photos (JPEG, PNG, GIF, WebP), PDF")
	rec = f.attach(t, "official", "a", "empty.png", nil)
	requireError(t, rec, http.StatusUnprocessableEntity, "attachment_empty", `"empty.png"`)
	records, files := f.storedFiles(t)
	require.Zero(t, records+files, "nothing of a refused file is stored")
}

func TestAFileOverTheLimitsIsRefusedAndNothingIsKept(t *testing.T) {
	f := newFixture(t)
	f.config.AttachmentLimits = service.AttachmentLimits{MaxBytes: 4096, PerOpinion: 2, OpinionBytes: 6000}
	f.build()
	f.project(t, inProgress("a"))
	big := append(attachmenttest.PDF(), make([]byte, 4096)...)
	rec := f.attach(t, "official", "a", "扫描件.pdf", big)
	requireError(t, rec, http.StatusRequestEntityTooLarge, "attachment_too_large", `"扫描件.pdf"`, "0.0 MB", "RECTIFY_ATTACHMENT_MAX_BYTES")
	records, files := f.storedFiles(t)
	require.Zero(t, records+files)

	// The opinion's own limits: two files, 6,000 bytes in all.
	three := append(attachmenttest.PDF(), make([]byte, 3000)...)
	f.attached(t, "official", "a", "一.pdf", three)
	rec = f.attach(t, "official", "a", "二.pdf", three)
	requireError(t, rec, http.StatusConflict, "attachments_per_opinion", `"二.pdf"`, "holds 1 files", "RECTIFY_ATTACHMENTS_MAX_BYTES")
	f.attached(t, "official", "a", "二.pdf", attachmenttest.PDF())
	rec = f.attach(t, "official", "a", "三.pdf", attachmenttest.PDF())
	requireError(t, rec, http.StatusConflict, "attachments_per_opinion", "at most 2 files")
	records, files = f.storedFiles(t)
	require.Equal(t, []int{2, 2}, []int{records, files}, "only the files taken")
}

func TestOnlyWhoMayActWithEvidenceUploads(t *testing.T) {
	f := newFixture(t)
	f.project(t, inProgress("a"))
	f.project(t, newOpinion("received"))
	f.project(t, newOpinion("closed", assigned(domain.StateClosed, "official", deptA, "2025-06-06", domain.LevelNone)))
	png := attachmenttest.PNG(t, 8, 8)

	f.attached(t, "official", "a", "a.png", png)
	f.attached(t, "office", "received", "立行立改.png", png) // to resolve it on the spot
	requireError(t, f.attach(t, "verifier", "a", "v.png", png), http.StatusForbidden, "forbidden", "may attach files")
	requireError(t, f.attach(t, "official2", "a", "x.png", png), http.StatusForbidden, "forbidden", "neither assigned to you")
	requireError(t, f.attach(t, "official", "closed", "late.png", png), http.StatusConflict, "wrong_state", "(“Closed”)")
	requireError(t, f.attach(t, "official", "nope", "x.png", png), http.StatusNotFound, "opinion_not_found")
	requireError(t, f.attach(t, "", "a", "x.png", png), http.StatusUnauthorized, "unauthenticated")
	req := newRequest(http.MethodPost, "/api/v1/opinions/a/attachments", "official")
	req.Header.Set("Content-Type", "image/png")
	req.Body = httpBody(png)
	requireError(t, f.serve(req), http.StatusBadRequest, "not_multipart")
}

func TestADownloadIsTheFileAsAnAttachmentNeverSniffed(t *testing.T) {
	f := newFixture(t)
	f.project(t, inProgress("a"))
	photo := attachmenttest.PNG(t, 1200, 900)
	ref := f.attached(t, "official", "a", "现场照片 1.png", photo)
	pdf := f.attached(t, "official", "a", "report.pdf", attachmenttest.PDF())

	rec := f.serve(newRequest(http.MethodGet, "/api/v1/attachments/"+ref.ID, "verifier"))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, photo, rec.Body.Bytes())
	require.Equal(t, "image/png", rec.Header().Get("Content-Type"), "the type it was recognised as")
	require.Equal(t, strconv.Itoa(len(photo)), rec.Header().Get("Content-Length"))
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	require.Equal(t, `attachment; filename="1.png"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87%201.png`,
		rec.Header().Get("Content-Disposition"))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))

	rec = f.serve(newRequest(http.MethodGet, "/api/v1/attachments/"+pdf.ID, "official"))
	require.Equal(t, `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`, rec.Header().Get("Content-Disposition"))

	rec = f.serve(newRequest(http.MethodGet, "/api/v1/attachments/"+ref.ID+"/thumbnail", "leader"))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "image/jpeg", rec.Header().Get("Content-Type"))
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	thumb, err := jpeg.Decode(bytes.NewReader(rec.Body.Bytes()))
	require.NoError(t, err, "a JPEG rectify drew")
	require.Equal(t, image.Pt(240, 180), thumb.Bounds().Size())

	requireError(t, f.serve(newRequest(http.MethodGet, "/api/v1/attachments/"+pdf.ID+"/thumbnail", "official")),
		http.StatusNotFound, "thumbnail_not_found", "report.pdf")
}

func TestWhoMayDownloadIsWhoMaySeeTheOpinion(t *testing.T) {
	f := newFixture(t)
	f.project(t, inProgress("a"))
	ref := f.attached(t, "official", "a", "照片.png", attachmenttest.PNG(t, 8, 8))
	for _, who := range []string{"official", "office", "verifier", "leader"} {
		rec := f.serve(newRequest(http.MethodGet, "/api/v1/attachments/"+ref.ID, who))
		require.Equal(t, http.StatusOK, rec.Code, "%s sees the opinion, and its files", who)
	}
	for _, path := range []string{"/api/v1/attachments/" + ref.ID, "/api/v1/attachments/" + ref.ID + "/thumbnail"} {
		rec := f.serve(newRequest(http.MethodGet, path, "official2"))
		requireError(t, rec, http.StatusForbidden, "forbidden", "neither assigned to you")
		require.Empty(t, rec.Header().Get("Content-Disposition"), "nothing of the file")
		requireError(t, f.do(t, http.MethodGet, path, "", ""), http.StatusUnauthorized, "unauthenticated")
	}
	requireError(t, f.serve(newRequest(http.MethodGet, "/api/v1/attachments/00000000-0000-4000-8000-000000000000", "office")),
		http.StatusNotFound, "attachment_not_found")
}

func TestAnActionNamesItsFilesByIdAndTheOpinionShowsThemWithItsRound(t *testing.T) {
	f := newFixture(t)
	before := inProgress("a")
	f.project(t, before)
	photo := f.attached(t, "official", "a", "整改后.jpg", attachmenttest.JPEG(t, 320, 240))
	doc := f.attached(t, "official", "a", "验收单.pdf", attachmenttest.PDF())

	after := before
	after.State, after.Revision = domain.StateSubmitted, before.Revision+1
	after.Timeline = append(slices.Clone(before.Timeline), domain.Event{Seq: after.Revision, At: fixedNow, Actor: "official",
		Action: domain.ActionSubmit, From: domain.StateInProgress, To: domain.StateSubmitted})
	after.Rounds = []domain.Round{{Measures: "已更换路灯", Evidence: "见照片", Attachments: []domain.AttachmentRef{photo, doc},
		SubmittedBy: "official", SubmittedAt: fixedNow}}
	sent := f.expectValidatedAction(t, before, after)
	rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/submit", "official",
		`{"measures": "已更换路灯", "evidence": "见照片", "attachments": ["`+photo.ID+`", "`+doc.ID+`"]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, []domain.AttachmentRef{photo, doc}, sent.Body.Attachments,
		"the workflow gets each file's reference, completed from the store: never its bytes")

	v := decodeAs[service.OpinionView](t, f.do(t, http.MethodGet, "/api/v1/opinions/a", "verifier", ""))
	require.Equal(t, []domain.AttachmentRef{photo, doc}, v.Rounds[0].Attachments)

	// Once a round holds them, they are its evidence and no other's.
	f.project(t, func() domain.Opinion {
		o := after
		o.State, o.Revision = domain.StateInProgress, after.Revision+1
		o.Timeline = append(slices.Clone(after.Timeline), domain.Event{Seq: o.Revision, At: fixedNow, Actor: "verifier",
			Action: domain.ActionVerify, From: domain.StateSubmitted, To: domain.StateInProgress})
		return o
	}())
	rec = f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/submit", "official",
		`{"measures": "返工完成", "evidence": "见照片", "attachments": ["`+photo.ID+`"]}`)
	requireError(t, rec, http.StatusConflict, "attachment_used", "整改后.jpg", "round 1")
}

func TestAFileOfAnotherOpinionOrOfNoneIsRefusedInASubmit(t *testing.T) {
	f := newFixture(t)
	f.project(t, inProgress("a"))
	f.project(t, inProgress("b"))
	other := f.attached(t, "official", "b", "别处的照片.jpg", attachmenttest.JPEG(t, 32, 32))
	f.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Maybe()

	rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/submit", "official",
		`{"measures": "已修复", "evidence": "见照片", "attachments": ["`+other.ID+`"]}`)
	requireError(t, rec, http.StatusUnprocessableEntity, "attachment_other_opinion", "attachments[0]", "别处的照片.jpg", "another opinion")
	rec = f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/submit", "official",
		`{"measures": "已修复", "evidence": "见照片", "attachments": ["00000000-0000-4000-8000-000000000000"]}`)
	requireError(t, rec, http.StatusUnprocessableEntity, "attachment_not_found", "upload it first")
	f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
	o, err := f.store.Opinion(context.Background(), "a")
	require.NoError(t, err)
	require.Equal(t, domain.StateInProgress, o.State, "nothing happened")
}

func TestTheBodyNamesFilesByIdOnly(t *testing.T) {
	f := newFixture(t)
	f.project(t, inProgress("a"))
	rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/submit", "official",
		`{"measures": "m", "evidence": "e", "attachments": [{"id": "x", "name": "y"}]}`)
	requireError(t, rec, http.StatusBadRequest, "malformed_json")
	require.True(t, strings.Contains(rec.Body.String(), "attachments"), rec.Body.String())
}

func TestADownloadsNameIsEscapedForEveryClient(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"report.pdf", `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`},
		{"整改前后.jpg", `attachment; filename="attachment.jpg"; filename*=UTF-8''%E6%95%B4%E6%94%B9%E5%89%8D%E5%90%8E.jpg`},
		{"演示-整改台账-20250610.xlsx", `attachment; filename="20250610.xlsx"; filename*=UTF-8''%E6%BC%94%E7%A4%BA-%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6-20250610.xlsx`},
		{`a"b;c\d's (1).pdf`, `attachment; filename="a_b_c_d's (1).pdf"; filename*=UTF-8''a%22b%3Bc%5Cd%27s%20%281%29.pdf`},
		{"100%.png", `attachment; filename="100.png"; filename*=UTF-8''100%25.png`},
	} {
		require.Equal(t, tt.want, contentDisposition(tt.name), tt.name)
	}
}
