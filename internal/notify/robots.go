package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
)

// Robots posts messages to group robots (群机器人) in each platform's own format:
// DingTalk and WeCom in markdown, Feishu as a rich-text post. Each platform
// answers a refusal with HTTP 200 and a non-zero errcode or code: that is a
// failure (checkAnswer), never a delivery.
type Robots struct {
	Client *http.Client
	// Now is the clock signatures are made with; time.Now unless a test sets it.
	Now func() time.Time
}

// NewRobots returns robots with a bounded request time.
func NewRobots() *Robots {
	return &Robots{Client: &http.Client{Timeout: 10 * time.Second}}
}

func (r *Robots) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// DingTalkSign is DingTalk's signature of a message sent at timestamp (Unix
// milliseconds): Base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
func DingTalkSign(timestamp int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// FeishuSign is Feishu's signature of a message sent at timestamp (Unix
// seconds): Base64(HMAC-SHA256 keyed with timestamp + "\n" + secret, of nothing).
func FeishuSign(timestamp int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(timestamp, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// markdown is m in the markdown both DingTalk and WeCom read.
func markdown(m Message) string {
	var b strings.Builder
	b.WriteString("#### " + m.Title + "\n")
	for _, l := range m.Lines {
		b.WriteString("\n> " + l + "\n")
	}
	if m.Link != "" {
		b.WriteString("\n[" + m.LinkText + "](" + m.Link + ")\n")
	}
	return b.String()
}

// DingTalk posts m to a DingTalk robot, signed with its secret when it has one
// (the timestamp and sign query parameters).
func (r *Robots) DingTalk(ctx context.Context, a Address, m Message) error {
	target := a.URL
	if a.Secret != "" {
		u, err := url.Parse(a.URL)
		if err != nil {
			return temporal.NewNonRetryableApplicationError("dingtalk: bad webhook URL", "WebhookConfig", nil)
		}
		ts := r.now().UnixMilli()
		q := u.Query()
		q.Set("timestamp", strconv.FormatInt(ts, 10))
		q.Set("sign", DingTalkSign(ts, a.Secret))
		u.RawQuery = q.Encode()
		target = u.String()
	}
	return r.post(ctx, "dingtalk", target, map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"title": m.Title, "text": markdown(m)},
	})
}

// WeCom posts m to a WeCom (企业微信) robot: its key is in its URL.
func (r *Robots) WeCom(ctx context.Context, a Address, m Message) error {
	content := markdown(m)
	// WeCom refuses markdown past 4096 bytes; the link is what matters most.
	if len(content) > 4000 {
		short := m
		short.Lines = nil
		content = markdown(short)
	}
	return r.post(ctx, "wecom", a.URL, map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"content": content},
	})
}

// Feishu posts m to a Feishu (飞书) robot as a rich-text post, signed in the body
// with its secret when it has one.
func (r *Robots) Feishu(ctx context.Context, a Address, m Message) error {
	var lines [][]map[string]string
	for _, l := range m.Lines {
		lines = append(lines, []map[string]string{{"tag": "text", "text": l}})
	}
	if m.Link != "" {
		lines = append(lines, []map[string]string{{"tag": "a", "text": m.LinkText, "href": m.Link}})
	}
	body := map[string]any{
		"msg_type": "post",
		"content": map[string]any{"post": map[string]any{"zh_cn": map[string]any{
			"title": m.Title, "content": lines,
		}}},
	}
	if a.Secret != "" {
		ts := r.now().Unix()
		body["timestamp"] = strconv.FormatInt(ts, 10)
		body["sign"] = FeishuSign(ts, a.Secret)
	}
	return r.post(ctx, "feishu", a.URL, body)
}

func (r *Robots) post(ctx context.Context, name, target string, body any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(data))
	if err != nil {
		return temporal.NewNonRetryableApplicationError(name+": bad webhook URL", "WebhookConfig", nil)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := r.Client.Do(req)
	if err != nil {
		return sendError(name, err)
	}
	defer resp.Body.Close()
	return checkAnswer(name, resp)
}
