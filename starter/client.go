package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rectify/internal/web/i18n"
)

// client speaks rectify's HTTP API v1. It knows the server and the token and nothing
// else: every command is a request or a few, so there is no state to keep.
type client struct {
	base  *url.URL
	token string
	// lang is the language the server's messages come in (Accept-Language).
	lang string
	http *http.Client
	// long carries uploads and downloads, which move whole files and may rightly take
	// minutes; Ctrl-C (the request's context) still ends them at once.
	long *http.Client
}

// maxResponse bounds how much of a response starter reads, so a misconfigured
// --server pointing at something huge cannot exhaust memory.
const maxResponse = 64 << 20

// newClient checks the server URL up front, so a typo is reported as such instead of
// as a mysterious connection failure.
func newClient(server, token, lang string) (*client, error) {
	u, err := url.Parse(strings.TrimSpace(server))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New(i18n.Text(lang, "cli.err.server", redactURL(server)))
	}
	u.RawQuery, u.Fragment = "", ""
	return &client{
		base:  u,
		token: token,
		lang:  lang,
		// A generous whole-request timeout: actions are Temporal Updates that wait for
		// the workflow, but a hung server must not hang a script forever.
		http: &http.Client{Timeout: 60 * time.Second},
		long: &http.Client{Timeout: 30 * time.Minute},
	}, nil
}

// apiError is an error answer from the API: {"error":{"code","message"}} with its
// HTTP status. Its text is what the user sees after "error: ".
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// connError means the request never got an HTTP answer. It names the URL, so the
// user can tell a wrong --server from a server that is down.
type connError struct {
	URL  string
	Err  error
	lang string
}

func (e *connError) Error() string {
	return i18n.Text(e.lang, "cli.err.unreachable", e.URL, e.Err)
}

func (e *connError) Unwrap() error { return e.Err }

// apiPath builds "/api/v1/<segments>" with each segment escaped, so an id can never
// change which endpoint is called.
func apiPath(segments ...string) string {
	var b strings.Builder
	b.WriteString("/api/v1")
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// do sends one request and returns the body of a 2xx answer. Any other answer becomes
// an *apiError and a transport failure a *connError. path is already escaped (see
// apiPath); body, if not nil, is sent as JSON.
func (c *client) do(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, error) {
	_, data, err := c.doStatus(ctx, method, path, query, body)
	return data, err
}

// doStatus is do that also returns the status of the 2xx answer, for an endpoint
// whose answers differ by it (a bulk: 200 done, 202 still running).
func (c *client) doStatus(ctx context.Context, method, path string, query url.Values, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := c.newRequest(ctx, method, path, query, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.send(ctx, c.http, req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, nil, &connError{lang: c.lang, URL: req.URL.Redacted(), Err: c.readingResponse(err)}
	}
	return resp.StatusCode, data, nil
}

// endpoint resolves an escaped API path against --server, keeping any path prefix the
// server URL has (a reverse proxy's /rectify, say).
func (c *client) endpoint(path string, query url.Values) *url.URL {
	u := *c.base
	escaped := strings.TrimSuffix(c.base.EscapedPath(), "/") + path
	u.Path, _ = url.PathUnescape(escaped)
	u.RawPath = escaped
	u.RawQuery = query.Encode()
	return &u
}

// newRequest builds a request to an API path with the headers every call carries.
func (c *client) newRequest(ctx context.Context, method, path string, query url.Values, body io.Reader) (*http.Request, error) {
	return c.newRequestURL(ctx, method, c.endpoint(path, query), body)
}

// newRequestURL is newRequest for a URL already resolved on --server.
func (c *client) newRequestURL(ctx context.Context, method string, u *url.URL, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "rectify-starter")
	req.Header.Set("Accept-Language", acceptLanguage[c.lang])
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// t is a text of the catalogue in the client's language.
func (c *client) t(key string, args ...any) string { return i18n.Text(c.lang, key, args...) }

// interruptedError is a request the user stopped (Ctrl-C): said in starter's
// language, and still ctx's error to errors.Is.
type interruptedError struct {
	msg string
	err error
}

func (e *interruptedError) Error() string { return e.msg }
func (e *interruptedError) Unwrap() error { return e.err }

// interrupted is the error of a request ctx ended.
func (c *client) interrupted(ctx context.Context) error {
	return &interruptedError{msg: c.t("cli.err.interrupted"), err: ctx.Err()}
}

// readingResponse is a connError's cause when an answer broke off.
func (c *client) readingResponse(err error) error {
	return fmt.Errorf("%s%w", c.t("cli.err.reading_response"), err)
}

// send runs req on hc. A 2xx answer is returned with its body open for the caller to
// read and close; any other answer becomes an *apiError, a transport failure a
// *connError, and a cancelled ctx an "interrupted" error wrapping ctx.Err().
func (c *client) send(ctx context.Context, hc *http.Client, req *http.Request) (*http.Response, error) {
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, c.interrupted(ctx)
		}
		// url.Error repeats the URL unredacted; keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &connError{lang: c.lang, URL: req.URL.Redacted(), Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		if err != nil && ctx.Err() != nil {
			return nil, c.interrupted(ctx)
		}
		return nil, c.decodeAPIError(resp.StatusCode, data)
	}
	return resp, nil
}

// formField is one plain field of a multipart upload.
type formField struct{ name, value string }

// upload POSTs the file at filePath to an API path as multipart/form-data: fields
// first, then the file as fileField under its base name. The body is produced by a
// goroutine writing into an io.Pipe while the transport sends it, so a 50 MB ledger is
// never held in memory (the request is sent chunked, without a Content-Length). It
// returns the body of a 2xx answer, like do.
func (c *client) upload(ctx context.Context, path string, fields []formField, fileField, filePath string) ([]byte, error) {
	f, err := os.Open(filePath)
	if err != nil {
		return nil, fileError(c, filePath, err)
	}
	defer func() { _ = f.Close() }() // only read from: a failed read shows in src.err

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	src := &trackedReader{r: f}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(writeMultipart(mw, fields, fileField, filepath.Base(filePath), src))
	}()

	req, err := c.newRequest(ctx, http.MethodPost, path, nil, pr)
	if err == nil {
		req.Header.Set("Content-Type", mw.FormDataContentType())
		var resp *http.Response
		if resp, err = c.send(ctx, c.long, req); err == nil {
			defer resp.Body.Close()
			var data []byte
			data, err = io.ReadAll(io.LimitReader(resp.Body, maxResponse))
			if err == nil {
				pr.Close()
				<-done
				return data, nil
			}
			err = &connError{lang: c.lang, URL: req.URL.Redacted(), Err: c.readingResponse(err)}
		}
	}
	// Stop the writer (a no-op if it finished) and wait for it, so the file is not read
	// after this returns. A failure to read the file explains a failed request better
	// than the transport's "broken pipe" does.
	pr.Close()
	<-done
	if src.err != nil {
		return nil, fileError(c, filePath, src.err)
	}
	return nil, err
}

// writeMultipart writes the form: the plain fields, then the file part, then the
// closing boundary.
func writeMultipart(mw *multipart.Writer, fields []formField, fileField, fileName string, src io.Reader) error {
	for _, fld := range fields {
		if err := mw.WriteField(fld.name, fld.value); err != nil {
			return err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", multipart.FileContentDisposition(fileField, fileName))
	h.Set("Content-Type", fileContentType(fileName))
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, src); err != nil {
		return err
	}
	return mw.Close()
}

// fileContentType is the media type of an upload, by its extension.
func fileContentType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".csv":
		return "text/csv"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}

// trackedReader remembers a read error, so that upload can tell a file it could not
// read from a server it could not reach.
type trackedReader struct {
	r   io.Reader
	err error
}

func (t *trackedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		t.err = err
	}
	return n, err
}

// resolve turns a link the API gave (a server-relative "/api/v1/..." path, or a full
// URL) into a full URL on --server. A relative path gets the path prefix of --server,
// like every API call. A full URL must point at the same server: the token is sent
// with the request, and it must never go anywhere else.
func (c *client) resolve(ref string) (*url.URL, error) {
	u, err := url.Parse(ref)
	if err != nil || u.Opaque != "" {
		return nil, errors.New(c.t("cli.err.bad_link", ref))
	}
	if u.Scheme != "" || u.Host != "" {
		if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
			return nil, errors.New(c.t("cli.err.other_host", u.Redacted()))
		}
		u.User = c.base.User
		return u, nil
	}
	path := u.EscapedPath()
	if !strings.HasPrefix(path, "/") {
		return nil, errors.New(c.t("cli.err.bad_link", ref))
	}
	if prefix := strings.TrimSuffix(c.base.EscapedPath(), "/"); prefix != "" && strings.HasPrefix(path, prefix+"/") {
		path = strings.TrimPrefix(path, prefix) // already carries the prefix
	}
	return c.endpoint(path, u.Query()), nil
}

// download GETs a link the API gave (see resolve) and streams the answer into w,
// returning the number of bytes written.
func (c *client) download(ctx context.Context, ref string, w io.Writer) (int64, error) {
	u, err := c.resolve(ref)
	if err != nil {
		return 0, err
	}
	req, err := c.newRequestURL(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "*/*") // a spreadsheet; errors still come as JSON
	resp, err := c.send(ctx, c.long, req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return n, c.interrupted(ctx)
		}
		return n, &connError{lang: c.lang, URL: u.Redacted(), Err: c.readingResponse(err)}
	}
	return n, nil
}

// decodeAPIError turns an error answer into an *apiError. Answers that are not the
// documented envelope (a proxy's HTML page, say) still get a code and a message, so
// the user sees the status and a hint of what came back.
func (c *client) decodeAPIError(status int, data []byte) *apiError {
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &env) == nil && (env.Error.Code != "" || env.Error.Message != "") {
		return &apiError{Status: status, Code: env.Error.Code, Message: env.Error.Message}
	}
	code := strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
	if code == "" {
		code = "http_error"
	}
	msg := strings.Join(strings.Fields(string(data)), " ")
	if msg == "" {
		msg = c.t("cli.err.no_details")
	} else {
		msg = c.t("cli.err.unexpected_response", truncate(msg, 200))
	}
	return &apiError{Status: status, Code: code, Message: msg}
}

// redactURL hides a password in a URL given on the command line before it is echoed.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}
