package notify

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.temporal.io/sdk/temporal"

	"rectify/internal/web/i18n"
)

// Channel is a way a message reaches people.
type Channel string

// The channels: three group robots, e-mail, and the generic JSON webhook that
// carries the notification itself (ids and levels) for a gateway of the office's.
const (
	ChannelDingTalk Channel = "dingtalk"
	ChannelWeCom    Channel = "wecom"
	ChannelFeishu   Channel = "feishu"
	ChannelEmail    Channel = "email"
	ChannelWebhook  Channel = "webhook"
)

// Channels lists them, in the order lists and forms show them.
var Channels = []Channel{ChannelDingTalk, ChannelWeCom, ChannelFeishu, ChannelEmail, ChannelWebhook}

// Address is where one delivery goes: a robot's webhook URL (and its signing
// secret, for DingTalk and Feishu), or an e-mail address. URL and Secret are
// secrets: Safe is what may be shown or logged.
type Address struct {
	Channel Channel `json:"channel"`
	URL     string  `json:"-"`
	Secret  string  `json:"-"`
	Email   string  `json:"-"`
}

// Safe names the address without its secrets: a robot by its host, an e-mail
// address by its first character and its domain.
func (a Address) Safe() string {
	if a.Channel == ChannelEmail {
		local, domain, ok := strings.Cut(a.Email, "@")
		if !ok || local == "" {
			return "***"
		}
		return local[:1] + "***@" + domain
	}
	u, err := url.Parse(a.URL)
	if err != nil || u.Host == "" {
		return string(a.Channel)
	}
	return u.Host
}

// Message is what a person reads: a title, lines of plain text and a link to what
// it is about.
type Message struct {
	Title string   `json:"title"`
	Lines []string `json:"lines"`
	Link  string   `json:"link,omitempty"`
	// LinkText is the link's words ("查看详情").
	LinkText string `json:"link_text,omitempty"`
}

// Text is the message as plain text: the title, the lines, and the link.
func (m Message) Text() string {
	var b strings.Builder
	b.WriteString(m.Title)
	for _, l := range m.Lines {
		b.WriteString("\n")
		b.WriteString(l)
	}
	if m.Link != "" {
		fmt.Fprintf(&b, "\n%s: %s", m.LinkText, m.Link)
	}
	return b.String()
}

// Sender sends messages over the channels: the robots over HTTP, e-mail over SMTP.
type Sender struct {
	Robots *Robots
	// Mail is nil when no SMTP server is configured: then e-mail is not sent.
	Mail *Mail
}

// Send delivers m to a. A failure is an error to try again later, or a
// non-retryable application error when trying again cannot help.
func (s *Sender) Send(ctx context.Context, a Address, m Message) error {
	switch a.Channel {
	case ChannelDingTalk:
		return s.Robots.DingTalk(ctx, a, m)
	case ChannelWeCom:
		return s.Robots.WeCom(ctx, a, m)
	case ChannelFeishu:
		return s.Robots.Feishu(ctx, a, m)
	case ChannelEmail:
		if s.Mail == nil {
			return temporal.NewNonRetryableApplicationError("e-mail: no SMTP server configured (RECTIFY_SMTP_HOST)", "MailConfig", nil)
		}
		return s.Mail.Send(ctx, a.Email, m)
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("no such channel %q", a.Channel), "ChannelConfig", nil)
}

// CheckWebhook checks a robot's webhook URL as a person types it into their
// settings or an operator into the environment: http(s), a host, and for each
// robot the shape its platform gives out. The error never repeats the URL.
func CheckWebhook(c Channel, raw string) error {
	if rule := webhookRule(c, raw); rule.Key != "" {
		return &AddressError{Rules: []i18n.Message{rule}}
	}
	return nil
}

// webhookRule is the rule a webhook URL breaks, if any (none: no key).
func webhookRule(c Channel, raw string) i18n.Message {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return i18n.M("notify.rule.webhook_url", string(c))
	}
	switch c {
	case ChannelDingTalk:
		if u.Query().Get("access_token") == "" {
			return i18n.M("notify.rule.dingtalk_token")
		}
	case ChannelWeCom:
		if u.Query().Get("key") == "" {
			return i18n.M("notify.rule.wecom_key")
		}
	case ChannelFeishu:
		if !strings.Contains(u.Path, "/hook/") {
			return i18n.M("notify.rule.feishu_hook")
		}
	}
	return i18n.Message{}
}

// AddressError is a recipient's addresses that cannot be used: every rule they
// break, each with its values, read in whichever language its reader has (a
// person's settings answered in theirs, an operator's environment in English).
type AddressError struct {
	Rules []i18n.Message
}

// Error is the rules in English, one a line, as logs and the start's checks read them.
func (e *AddressError) Error() string {
	lines := make([]string, len(e.Rules))
	for i, r := range e.Rules {
		lines[i] = r.In(i18n.English)
	}
	return strings.Join(lines, "\n")
}

// Message is the rules as one message, as an API answer and a page word it.
func (e *AddressError) Message() i18n.Message {
	m := e.Rules[0]
	for _, r := range e.Rules[1:] {
		m = i18n.M("rule.joined", m, r)
	}
	return m
}
