package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client speaks rectify's HTTP API v1. It knows the server and the token and nothing
// else: every command is a request or a few, so there is no state to keep.
type client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// maxResponse bounds how much of a response starter reads, so a misconfigured
// --server pointing at something huge cannot exhaust memory.
const maxResponse = 64 << 20

// newClient checks the server URL up front, so a typo is reported as such instead of
// as a mysterious connection failure.
func newClient(server, token string) (*client, error) {
	u, err := url.Parse(strings.TrimSpace(server))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid --server %q: want http://host:port or https://host", redactURL(server))
	}
	u.RawQuery, u.Fragment = "", ""
	return &client{
		base:  u,
		token: token,
		// A generous whole-request timeout: actions are Temporal Updates that wait for
		// the workflow, but a hung server must not hang a script forever.
		http: &http.Client{Timeout: 60 * time.Second},
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
	URL string
	Err error
}

func (e *connError) Error() string {
	return fmt.Sprintf("cannot reach %s: %v (is the server running? check --server or RECTIFY_URL)", e.URL, e.Err)
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
	u := *c.base
	escaped := strings.TrimSuffix(c.base.EscapedPath(), "/") + path
	u.Path, _ = url.PathUnescape(escaped)
	u.RawPath = escaped
	u.RawQuery = query.Encode()

	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "rectify-starter")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted: %w", ctx.Err())
		}
		// url.Error repeats the URL unredacted; keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &connError{URL: u.Redacted(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, &connError{URL: u.Redacted(), Err: fmt.Errorf("reading the response: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeAPIError(resp.StatusCode, data)
	}
	return data, nil
}

// decodeAPIError turns an error answer into an *apiError. Answers that are not the
// documented envelope (a proxy's HTML page, say) still get a code and a message, so
// the user sees the status and a hint of what came back.
func decodeAPIError(status int, data []byte) *apiError {
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
		msg = "the server gave no details"
	} else {
		msg = "unexpected response: " + truncate(msg, 200)
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
