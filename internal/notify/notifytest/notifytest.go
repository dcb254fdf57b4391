// Package notifytest runs, inside a test, the receivers notifications go to: group
// robots speaking DingTalk's, WeCom's and Feishu's protocols (checking their
// signatures and answering as they do) and a real SMTP server.
package notifytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Robot is a group robot of one platform. It answers as the platform does: a
// message with a bad or missing signature, or any message while Refuse is set,
// is answered HTTP 200 with a non-zero errcode (code for Feishu).
type Robot struct {
	Platform string // dingtalk, wecom or feishu
	Secret   string // the signing secret (DingTalk, Feishu); empty: unsigned
	Key      string // WeCom's key, or DingTalk's access_token
	Server   *httptest.Server

	mu       sync.Mutex
	refuse   int
	got      []json.RawMessage
	refusals int
}

// NewRobot starts a robot of platform; secret signs DingTalk and Feishu messages.
func NewRobot(t testing.TB, platform, secret string) *Robot {
	t.Helper()
	r := &Robot{Platform: platform, Secret: secret, Key: "k-" + platform}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Server.Close)
	return r
}

// URL is the webhook URL the platform would hand out.
func (r *Robot) URL() string {
	switch r.Platform {
	case "dingtalk":
		return r.Server.URL + "/robot/send?access_token=" + r.Key
	case "wecom":
		return r.Server.URL + "/cgi-bin/webhook/send?key=" + r.Key
	}
	return r.Server.URL + "/open-apis/bot/v2/hook/" + r.Key
}

// Refuse makes it answer the next n messages with a non-zero errcode, as a robot
// over its rate limit does; n < 0: every message.
func (r *Robot) Refuse(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse = n
}

// Messages are the bodies it accepted, in order.
func (r *Robot) Messages() []json.RawMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]json.RawMessage(nil), r.got...)
}

// Refusals counts the messages it refused.
func (r *Robot) Refusals() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refusals
}

func (r *Robot) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	w.Header().Set("Content-Type", "application/json")
	fail := func(code int, msg string) {
		r.mu.Lock()
		r.refusals++
		r.mu.Unlock()
		if r.Platform == "feishu" {
			_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "msg": msg, "data": map[string]any{}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg})
	}
	if req.Method != http.MethodPost {
		fail(400, "method")
		return
	}
	var msg map[string]any
	if err := json.Unmarshal(body, &msg); err != nil {
		fail(40035, "invalid json")
		return
	}
	if err := r.check(req, msg); err != nil {
		fail(310000, err.Error())
		return
	}
	r.mu.Lock()
	if r.refuse != 0 {
		if r.refuse > 0 {
			r.refuse--
		}
		r.mu.Unlock()
		fail(45009, "api freq out of limit")
		return
	}
	r.got = append(r.got, body)
	r.mu.Unlock()
	if r.Platform == "feishu" {
		_, _ = w.Write([]byte(`{"code":0,"msg":"success","data":{}}`))
		return
	}
	_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
}

// check is the platform's own check of a message: its key, its type, and its
// signature within an hour of now.
func (r *Robot) check(req *http.Request, msg map[string]any) error {
	q := req.URL.Query()
	switch r.Platform {
	case "dingtalk":
		if q.Get("access_token") != r.Key {
			return errors.New("token is not exist")
		}
		if msg["msgtype"] == nil {
			return errors.New("param error: msgtype")
		}
		if r.Secret == "" {
			return nil
		}
		ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		if err != nil || time.Since(time.UnixMilli(ts)).Abs() > time.Hour {
			return errors.New("invalid timestamp")
		}
		mac := hmac.New(sha256.New, []byte(r.Secret))
		mac.Write([]byte(q.Get("timestamp") + "\n" + r.Secret))
		if q.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
			return errors.New("sign not match")
		}
	case "wecom":
		if q.Get("key") != r.Key {
			return errors.New("invalid webhook url")
		}
		if msg["msgtype"] == nil {
			return errors.New("invalid msgtype")
		}
	case "feishu":
		if req.URL.Path != "/open-apis/bot/v2/hook/"+r.Key {
			return errors.New("bot not found")
		}
		if msg["msg_type"] == nil {
			return errors.New("params error, msg_type need")
		}
		if r.Secret == "" {
			return nil
		}
		s, _ := msg["timestamp"].(string)
		ts, err := strconv.ParseInt(s, 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Hour {
			return errors.New("sign match fail or timestamp is not within one hour from current time")
		}
		mac := hmac.New(sha256.New, []byte(s+"\n"+r.Secret))
		if msg["sign"] != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
			return errors.New("sign match fail or timestamp is not within one hour from current time")
		}
	}
	return nil
}

// Mail is one message the SMTP server took.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// SMTP is a real SMTP server (emersion/go-smtp) on a loopback port, requiring
// the username and password given, over STARTTLS when TLS is set.
type SMTP struct {
	Addr     string
	Username string
	Password string

	mu     sync.Mutex
	mails  []Mail
	server *smtp.Server
}

// NewSMTP starts an SMTP server; tlsConfig, when not nil, offers STARTTLS.
func NewSMTP(t testing.TB, username, password string, tlsConfig *tls.Config) *SMTP {
	t.Helper()
	s := &SMTP{Username: username, Password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = tlsConfig
	srv.AllowInsecureAuth = tlsConfig == nil
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr, s.server = ln.Addr().String(), srv
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Mails are the messages it took, in order.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

type session struct {
	srv    *SMTP
	authed bool
	from   string
	to     []string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.srv.Username || password != s.srv.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.Username != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.mails = append(s.srv.mails, Mail{From: s.from, To: s.to, Data: data})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
