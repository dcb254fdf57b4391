package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// upload is what the fake batch API saw of one multipart upload.
type upload struct {
	Path, Auth, ContentType string
	// Language is the Accept-Language the upload asked its answer in.
	Language           string
	ContentLength      int64
	TransferEncoding   []string
	Fields             map[string]string
	FileName, FileType string
	Data               []byte
}

// batchAPI is a stand-in for the batch endpoints: it parses uploads as multipart,
// answers polls of a batch in turn, and serves rejection downloads.
type batchAPI struct {
	*httptest.Server
	mu        sync.Mutex
	uploads   []upload
	polls     []string // paths of GET /api/v1/batches/{id}
	downloads []string // paths of rejection downloads
	post      func(u upload) (int, any)
	poll      func(n int) (int, any) // n counts polls from 1
	files     map[string][]byte      // download path → bytes
}

func newBatchAPI(t *testing.T, post func(u upload) (int, any), poll func(n int) (int, any)) *batchAPI {
	t.Helper()
	f := &batchAPI{post: post, poll: poll, files: map[string][]byte{}}
	reply := func(w http.ResponseWriter, status int, body any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if err := json.NewEncoder(w).Encode(body); err != nil {
			t.Errorf("fake API: writing the reply: %v", err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/campaigns/{id}/batches", func(w http.ResponseWriter, r *http.Request) {
		u := upload{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Language: r.Header.Get("Accept-Language"),
			ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Fields: map[string]string{}}
		mr, err := r.MultipartReader()
		if err != nil {
			t.Errorf("upload is not multipart: %v", err)
			reply(w, 400, apiErr("bad_request", err.Error()))
			return
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("reading the multipart body: %v", err)
				return
			}
			data, _ := io.ReadAll(p)
			if p.FormName() == "file" {
				u.FileName, u.FileType, u.Data = p.FileName(), p.Header.Get("Content-Type"), data
			} else {
				u.Fields[p.FormName()] = string(data)
			}
		}
		f.mu.Lock()
		f.uploads = append(f.uploads, u)
		f.mu.Unlock()
		status, body := f.post(u)
		reply(w, status, body)
	})
	mux.HandleFunc("GET /api/v1/batches/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.polls = append(f.polls, r.URL.EscapedPath())
		n := len(f.polls)
		f.mu.Unlock()
		status, body := f.poll(n)
		reply(w, status, body)
	})
	mux.HandleFunc("GET /api/v1/batches/{id}/{file}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.downloads = append(f.downloads, r.URL.Path)
		data, ok := f.files[r.URL.Path]
		f.mu.Unlock()
		if !ok {
			reply(w, 404, apiErr("not_found", "no such file"))
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := w.Write(data); err != nil {
			t.Errorf("fake API: writing %s: %v", r.URL.Path, err)
		}
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *batchAPI) seen() (uploads []upload, polls, downloads []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]upload(nil), f.uploads...), append([]string(nil), f.polls...), append([]string(nil), f.downloads...)
}

// sampleBatch is a batch as the API returns it; set overrides fields.
func sampleBatch(state string, set map[string]any) map[string]any {
	b := map[string]any{
		"id": "b1", "campaign_id": "c1", "file_name": "意见台账.xlsx", "state": state, "strict": false, "dry_run": false,
		"rows": 10000, "accepted": 10000, "rejected": 0, "started": 0, "already_present": 0, "pending": 10000,
		"skipped_sheets": []any{}, "rejections": []any{}, "rejections_total": 0,
		"created_at": "2025-03-01T09:00:00+08:00", "finished_at": nil,
		"rejections_xlsx": "/api/v1/batches/b1/rejections.xlsx", "rejections_csv": "/api/v1/batches/b1/rejections.csv",
	}
	for k, v := range set {
		b[k] = v
	}
	return b
}

// someRejections returns n rejections, rows 3, 4, ….
func someRejections(n int) []any {
	var out []any
	for i := range n {
		out = append(out, map[string]any{"sheet": "班子意见", "row": 3 + i, "column": "来源",
			"reason": fmt.Sprintf("unknown channel \"电话%d\"", i), "cells": []any{"1", "路灯坏了", "电话"}})
	}
	return out
}

// fastPolling makes import poll every few milliseconds for the test's duration.
func fastPolling(t *testing.T) {
	t.Helper()
	old := pollEvery
	pollEvery = 5 * time.Millisecond
	t.Cleanup(func() { pollEvery = old })
}

func TestImportUploadsTheFileAsMultipart(t *testing.T) {
	// 1 MB of bytes that are not text, so any re-encoding or truncation shows.
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "意见台账.xlsx")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		flags      []string
		wantFields map[string]string
	}{
		{"default mode sends no fields", nil, map[string]string{}},
		{"strict and dry run", []string{"--strict", "--dry-run"}, map[string]string{"strict": "true", "dry_run": "true"}},
		{"dry run alone", []string{"--dry-run"}, map[string]string{"dry_run": "true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newBatchAPI(t, func(u upload) (int, any) {
				if u.Fields["dry_run"] == "true" {
					return 200, sampleBatch("dry_run", map[string]any{"dry_run": true})
				}
				return 201, sampleBatch("done", map[string]any{"started": 10000})
			}, nil)
			args := append([]string{"import", "--campaign", "c1"}, tt.flags...)
			code, out, errOut := runCLI(t, api.URL, append(args, file)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr: %s", code, errOut)
			}
			uploads, _, _ := api.seen()
			if len(uploads) != 1 {
				t.Fatalf("%d uploads, want 1", len(uploads))
			}
			u := uploads[0]
			if u.Path != "/api/v1/campaigns/c1/batches" || u.Auth != "Bearer "+testToken {
				t.Errorf("upload to %s with Authorization %q", u.Path, u.Auth)
			}
			if !strings.HasPrefix(u.ContentType, "multipart/form-data; boundary=") {
				t.Errorf("Content-Type %q", u.ContentType)
			}
			// Streamed from a pipe: the length is not known up front.
			if u.ContentLength != -1 || !reflect.DeepEqual(u.TransferEncoding, []string{"chunked"}) {
				t.Errorf("Content-Length %d, Transfer-Encoding %v: want a chunked, streamed body", u.ContentLength, u.TransferEncoding)
			}
			if u.FileName != "意见台账.xlsx" || u.FileType != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
				t.Errorf("file part %q (%s)", u.FileName, u.FileType)
			}
			if !bytes.Equal(u.Data, data) {
				t.Errorf("file part has %d bytes, not the file's %d", len(u.Data), len(data))
			}
			if !reflect.DeepEqual(u.Fields, tt.wantFields) {
				t.Errorf("fields %v, want %v", u.Fields, tt.wantFields)
			}
			if len(tt.wantFields) > 0 && !strings.Contains(out, "Dry run: nothing was imported") {
				t.Errorf("stdout does not say nothing was imported:\n%s", out)
			}
		})
	}
}

func TestImportPollsUntilDoneAndSummarizes(t *testing.T) {
	fastPolling(t)
	// Progress in steps of 2.5%: 40 polls, of which a line is printed every tenth.
	const steps = 40
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) {
			in := min(n, steps) * 250
			already := min(in, 200)
			state := "importing"
			if n >= steps {
				state = "done"
			}
			return 200, sampleBatch(state, map[string]any{"started": in - already, "already_present": already,
				"skipped_sheets": []any{"填表说明"}})
		})
	file := writeFile(t, "opinions.csv", "意见内容,来源,收集时间\n路灯坏了,热线,2025-03-01\n")

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", file)

	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
	_, polls, _ := api.seen()
	if len(polls) != steps {
		t.Errorf("%d polls, want %d (until done, then stop)", len(polls), steps)
	}
	for _, p := range polls {
		if p != "/api/v1/batches/b1" {
			t.Errorf("polled %s, want /api/v1/batches/b1", p)
		}
	}
	if strings.Contains(out, "\r") {
		t.Errorf("a redrawn bar was written to a non-terminal:\n%q", out)
	}
	if n := strings.Count(out, "importing: "); n != 10 {
		t.Errorf("%d progress lines, want one per tenth (10):\n%s", n, out)
	}
	for _, want := range []string{
		"batch b1: importing 10,000 rows into campaign c1",
		"importing:  10%  1,000/10,000 started 800 · already there 200\n",
		"importing:  60%  6,000/10,000 started 5,800 · already there 200\n",
		"importing: 100%  10,000/10,000 started 9,800 · already there 200\n",
		"Rows read       10,000\n",
		"Accepted        10,000\n",
		"Rejected        0\n",
		"Started         9,800\n",
		"Already there   200\n",
		"Skipped sheets  填表说明\n",
		"Done: all 10,000 rows are in (9,800 started, 200 already there).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Pending") {
		t.Errorf("a finished import shows pending rows:\n%s", out)
	}
}

func TestImportDrawsABarOnATerminal(t *testing.T) {
	fastPolling(t)
	old := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	t.Cleanup(func() { isTerminal = old })
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) {
			if n == 1 {
				return 200, sampleBatch("importing", map[string]any{"started": 5900, "already_present": 200})
			}
			return 200, sampleBatch("done", map[string]any{"started": 9800, "already_present": 200})
		})
	file := writeFile(t, "opinions.json", `[{"content":"路灯坏了","channel":"hotline","collected_at":"2025-03-01"}]`)

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", file)

	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
	for _, want := range []string{
		"uploading opinions.json (",
		"\r[##################------------]  6,100/10,000 started 5,900 · already there 200",
		"\r[" + strings.Repeat("#", 30) + "]  10,000/10,000 started 9,800 · already there 200\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "importing: ") {
		t.Errorf("line-mode progress on a terminal:\n%s", out)
	}
}

func TestImportWholeFileErrorExits1(t *testing.T) {
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 422, apiErr("file_missing_column", "no content column: want one of 意见内容, 意见建议, 问题描述, content")
	}, nil)
	file := writeFile(t, "ledger.xlsx", "PK\x03\x04 not really a workbook")

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", file)

	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if want := "error: 422 file_missing_column: no content column: want one of 意见内容, 意见建议, 问题描述, content\n"; !strings.HasPrefix(errOut, want) {
		t.Errorf("stderr %q, want it to start with %q", errOut, want)
	}
	if !strings.Contains(errOut, "nothing was imported; fix the file") {
		t.Errorf("stderr does not say nothing was imported: %q", errOut)
	}
	if out != "" {
		t.Errorf("stdout should be empty on error, got %q", out)
	}
	if _, polls, _ := api.seen(); len(polls) != 0 {
		t.Errorf("%d polls after a refused upload", len(polls))
	}
}

func TestImportWithRejectionsExits1AndListsThem(t *testing.T) {
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 201, sampleBatch("done", map[string]any{"rows": 10030, "accepted": 10000, "rejected": 30,
			"started": 10000, "rejections": someRejections(25), "rejections_total": 30})
	}, nil)
	file := writeFile(t, "opinions.csv", "x")

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", file)

	if code != 1 {
		t.Errorf("exit %d, want 1 because rows were rejected (stderr %q)", code, errOut)
	}
	for _, want := range []string{
		"Rows read       10,030\n",
		"Rejected        30\n",
		"Rejected rows (first 20 of 30)\n",
		"SHEET     ROW  COLUMN  REASON\n",
		"班子意见  3    来源    unknown channel \"电话0\"\n",
		"班子意见  22   来源    unknown channel \"电话19\"\n",
		"… and 10 more\n",
		"starter batch show b1 --rejections rejected.xlsx",
		api.URL + "/api/v1/batches/b1/rejections.xlsx\n",
		api.URL + "/api/v1/batches/b1/rejections.csv\n",
		"Done: 10,000 rows are in; 30 rows were rejected and not imported.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "电话20") {
		t.Errorf("more than 20 rejections listed:\n%s", out)
	}
}

func TestImportStrictRefusedExits1(t *testing.T) {
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 201, sampleBatch("refused", map[string]any{"strict": true, "rows": 12, "accepted": 10, "rejected": 2,
			"rejections": someRejections(2), "rejections_total": 2})
	}, nil)
	file := writeFile(t, "opinions.csv", "x")

	code, out, _ := runCLI(t, api.URL, "import", "--campaign", "c1", "--strict", file)

	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"State           refused (strict)", "Refused: in strict mode 2 invalid rows", "nothing was imported"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestImportDownloadsRejections(t *testing.T) {
	csvBytes := []byte("\xef\xbb\xbfsheet,row,序号,意见内容,来源,reason\r\n班子意见,3,1,'=1+1,电话,unknown channel\r\n")
	xlsxBytes := []byte("PK\x03\x04\x14\x00\x00\x00binary\x00\xff workbook")
	for _, tt := range []struct {
		name, want string
		data       []byte
	}{
		{"out.csv", "/api/v1/batches/b1/rejections.csv", csvBytes},
		{"out.XLSX", "/api/v1/batches/b1/rejections.xlsx", xlsxBytes},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := newBatchAPI(t, func(u upload) (int, any) {
				return 201, sampleBatch("done", map[string]any{"rows": 10001, "rejected": 1, "started": 10000,
					"rejections": someRejections(1), "rejections_total": 1})
			}, nil)
			api.files["/api/v1/batches/b1/rejections.csv"] = csvBytes
			api.files["/api/v1/batches/b1/rejections.xlsx"] = xlsxBytes
			file := writeFile(t, "opinions.csv", "x")
			out := filepath.Join(t.TempDir(), tt.name)

			code, stdout, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", "--rejections", out, file)

			if code != 1 {
				t.Errorf("exit %d, want 1 (a row was rejected); stderr %q", code, errOut)
			}
			if _, _, downloads := api.seen(); !reflect.DeepEqual(downloads, []string{tt.want}) {
				t.Errorf("downloads %v, want [%s]", downloads, tt.want)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("%s holds %q, want %q", tt.name, got, tt.data)
			}
			if !strings.Contains(stdout, "written to "+out) {
				t.Errorf("stdout does not say where the rows went:\n%s", stdout)
			}
			if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
				t.Errorf("temporary files left behind: %v", entries)
			}
		})
	}
}

func TestImportFailedDownloadLeavesNoFile(t *testing.T) {
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 201, sampleBatch("done", map[string]any{"rejected": 1, "rejections": someRejections(1), "rejections_total": 1})
	}, nil) // no files: the download answers 404
	out := filepath.Join(t.TempDir(), "rejected.csv")

	code, stdout, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", "--rejections", out, writeFile(t, "a.csv", "x"))

	if code != 1 || !strings.Contains(errOut, "error: saving the rejected rows to "+out+": 404 not_found") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(stdout, "Rejected rows") {
		t.Errorf("the summary is missing after a failed download:\n%s", stdout)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}

func TestImportKeepsPollingThroughAnOutage(t *testing.T) {
	fastPolling(t)
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) {
			if n <= 2 {
				return 503, apiErr("unavailable", "server is starting")
			}
			return 200, sampleBatch("done", map[string]any{"started": 10000})
		})
	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", writeFile(t, "a.csv", "x"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if strings.Count(errOut, "warning: 503 unavailable") != 1 {
		t.Errorf("want one warning for the outage, stderr %q", errOut)
	}
	if !strings.Contains(out, "Done: all 10,000 rows are in") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestImportCtrlCStopsWaitingNotTheImport(t *testing.T) {
	fastPolling(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) {
			if n == 2 {
				cancel() // the user presses Ctrl-C
			}
			return 200, sampleBatch("importing", map[string]any{"started": 1000 * n})
		})
	var out, errOut bytes.Buffer
	code := runContext(ctx, []string{"--server", api.URL, "--token", testToken, "import", "--campaign", "c1",
		writeFile(t, "a.csv", "x")}, strings.NewReader(""), &out, &errOut)

	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"continues on the server", "starter batch show b1"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q: %q", want, errOut.String())
		}
	}
	if _, polls, _ := api.seen(); len(polls) > 3 {
		t.Errorf("kept polling after Ctrl-C: %d polls", len(polls))
	}
}

func TestImportJSONPrintsTheFinalBatch(t *testing.T) {
	fastPolling(t)
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) { return 200, sampleBatch("done", map[string]any{"started": 10000}) })

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", "--json", writeFile(t, "a.csv", "x"))

	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var b map[string]any
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	if b["state"] != "done" || b["started"] != float64(10000) {
		t.Errorf("printed %v, want the final batch", b)
	}
	if !strings.Contains(errOut, "importing: 100%") {
		t.Errorf("progress should go to stderr with --json: %q", errOut)
	}
}

func TestImportDryRunWithoutBatchID(t *testing.T) {
	// A dry run stores nothing: the answer has no id and no download links.
	dry := sampleBatch("dry_run", map[string]any{"id": "", "dry_run": true, "rows": 3, "accepted": 2, "rejected": 1,
		"rejections": someRejections(1), "rejections_total": 1})
	delete(dry, "rejections_xlsx")
	delete(dry, "rejections_csv")
	api := newBatchAPI(t, func(u upload) (int, any) { return 200, dry }, nil)
	file := writeFile(t, "a.csv", "x")

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", "--dry-run", file)
	if code != 1 {
		t.Errorf("exit %d, want 1 (a row would be rejected); stderr %q", code, errOut)
	}
	for _, want := range []string{"Dry run: nothing was imported. 2 rows would be imported, 1 rejected.", "import with --strict"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "batch show") {
		t.Errorf("suggests showing a batch that does not exist:\n%s", out)
	}

	out2 := filepath.Join(t.TempDir(), "r.csv")
	code, _, errOut = runCLI(t, api.URL, "import", "--campaign", "c1", "--dry-run", "--rejections", out2, file)
	if code != 1 || !strings.Contains(errOut, "a dry run stores nothing") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, _, downloads := api.seen(); len(downloads) != 0 {
		t.Errorf("tried to download %v for a dry run", downloads)
	}
}

func TestImportCommandLineMistakes(t *testing.T) {
	file := writeFile(t, "ok.csv", "x")
	dir := filepath.Join(t.TempDir(), "dir.csv")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"import", file}, 2, "--campaign is required"},
		{[]string{"import", "--campaign", "c1"}, 2, "missing argument"},
		{[]string{"import", "--campaign", "c1", writeFile(t, "notes.txt", "x")}, 2, "want an .xlsx, .csv or .json file"},
		{[]string{"import", "--campaign", "c1", "--rejections", "out.pdf", file}, 2, "want a path ending in .xlsx or .csv"},
		{[]string{"import", "--campaign", "c1", "--strict", "true", file}, 2, "unexpected argument"},
		{[]string{"batch", "show"}, 2, "missing argument"},
		{[]string{"batch", "show", "b1", "--rejections", "r.txt"}, 2, "want a path ending in .xlsx or .csv"},
		{[]string{"import", "--campaign", "c1", filepath.Join(t.TempDir(), "missing.csv")}, 1, "missing.csv"},
		{[]string{"import", "--campaign", "c1", dir}, 1, "dir.csv is not a regular file"},
	}
	api := newBatchAPI(t, func(u upload) (int, any) { return 201, sampleBatch("done", nil) },
		func(n int) (int, any) { return 200, sampleBatch("done", nil) })
	for _, tt := range tests {
		code, _, errOut := runCLI(t, api.URL, tt.args...)
		if code != tt.wantCode || !strings.Contains(errOut, tt.want) {
			t.Errorf("starter %v: exit %d (want %d), stderr %q (want %q)", tt.args, code, tt.wantCode, errOut, tt.want)
		}
	}
	if uploads, polls, _ := api.seen(); len(uploads)+len(polls) != 0 {
		t.Errorf("%d requests sent for bad command lines", len(uploads)+len(polls))
	}
}

func TestBatchShow(t *testing.T) {
	tests := []struct {
		name     string
		batch    map[string]any
		wantCode int
		want     []string
	}{
		{
			name:     "still importing shows pending",
			batch:    sampleBatch("importing", map[string]any{"id": "b/7", "started": 5900, "already_present": 200}),
			wantCode: 0,
			want:     []string{"Pending         3,900\n", "Still importing: 6,100 of 10,000 rows are in", "starter batch show b/7"},
		},
		{
			name: "done with rejections",
			batch: sampleBatch("done", map[string]any{"id": "b/7", "rows": 10002, "rejected": 2, "started": 10000,
				"rejections": someRejections(2), "rejections_total": 2}),
			wantCode: 1,
			want:     []string{"Rejected        2\n", "班子意见  4    来源    unknown channel", "Done: 10,000 rows are in; 2 rows were rejected"},
		},
		{
			name:     "failed",
			batch:    sampleBatch("failed", map[string]any{"id": "b/7", "started": 7000}),
			wantCode: 1,
			want:     []string{"Failed: the import stopped on the server with 3,000 rows not in"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newBatchAPI(t, nil, func(n int) (int, any) { return 200, tt.batch })
			code, out, errOut := runCLI(t, api.URL, "batch", "show", "b/7")
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, errOut)
			}
			if _, polls, _ := api.seen(); !reflect.DeepEqual(polls, []string{"/api/v1/batches/b%2F7"}) {
				t.Errorf("requests %v, want one GET /api/v1/batches/b%%2F7", polls)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestBatchShowDownloadsRejections(t *testing.T) {
	api := newBatchAPI(t, nil, func(n int) (int, any) {
		return 200, sampleBatch("done", map[string]any{"rejected": 1, "rejections": someRejections(1), "rejections_total": 1})
	})
	api.files["/api/v1/batches/b1/rejections.csv"] = []byte("sheet,row\n班子意见,3\n")
	out := filepath.Join(t.TempDir(), "r.csv")
	code, _, errOut := runCLI(t, api.URL, "batch", "show", "b1", "--rejections", out)
	if code != 1 {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if got, _ := os.ReadFile(out); string(got) != "sheet,row\n班子意见,3\n" {
		t.Errorf("%s holds %q", out, got)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
