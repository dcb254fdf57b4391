package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"time"

	"rectify/internal/domain"
	"rectify/internal/web/i18n"
)

// UserAddresses are where one recipient's notifications go — a person's own
// robots and e-mail address, or a department's, a role's or the campaign-wide
// group's — and the language they read. The webhook URLs and secrets are secrets.
type UserAddresses struct {
	DingTalk       string `json:"dingtalk_webhook,omitempty"`
	DingTalkSecret string `json:"dingtalk_secret,omitempty"`
	WeCom          string `json:"wecom_webhook,omitempty"`
	Feishu         string `json:"feishu_webhook,omitempty"`
	FeishuSecret   string `json:"feishu_secret,omitempty"`
	Email          string `json:"email,omitempty"`
	// Lang is zh or en; empty reads Chinese.
	Lang string `json:"lang,omitempty"`
}

// Addresses lists the channels set, in Channels' order.
func (u UserAddresses) Addresses() []Address {
	var out []Address
	for _, c := range Channels {
		if a, ok := u.Address(c); ok {
			out = append(out, a)
		}
	}
	return out
}

// Address is the address on channel c, when one is set.
func (u UserAddresses) Address(c Channel) (Address, bool) {
	a := Address{Channel: c}
	switch c {
	case ChannelDingTalk:
		a.URL, a.Secret = u.DingTalk, u.DingTalkSecret
	case ChannelWeCom:
		a.URL = u.WeCom
	case ChannelFeishu:
		a.URL, a.Secret = u.Feishu, u.FeishuSecret
	case ChannelEmail:
		a.Email = u.Email
	}
	return a, a.URL != "" || a.Email != ""
}

// Empty reports whether no channel is set.
func (u UserAddresses) Empty() bool { return len(u.Addresses()) == 0 }

// Check checks every address set; the error names the field, never its value.
func (u UserAddresses) Check() error {
	var rules []i18n.Message
	for _, w := range []struct {
		c   Channel
		url string
	}{{ChannelDingTalk, u.DingTalk}, {ChannelWeCom, u.WeCom}, {ChannelFeishu, u.Feishu}} {
		if w.url != "" {
			if rule := webhookRule(w.c, w.url); rule.Key != "" {
				rules = append(rules, rule)
			}
		}
	}
	if u.DingTalkSecret != "" && u.DingTalk == "" {
		rules = append(rules, i18n.M("notify.rule.dingtalk_secret"))
	}
	if u.FeishuSecret != "" && u.Feishu == "" {
		rules = append(rules, i18n.M("notify.rule.feishu_secret"))
	}
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
			rules = append(rules, i18n.M("notify.rule.email"))
		}
	}
	switch u.Lang {
	case "", "zh", "en":
	default:
		rules = append(rules, i18n.M("api.invalid_lang"))
	}
	if len(rules) == 0 {
		return nil
	}
	return &AddressError{Rules: rules}
}

// Routes are the configured recipients beside each person's own addresses: the
// campaign-wide group, a group per department and per role, the operators' group
// for alerts, and the generic webhook.
type Routes struct {
	Group       UserAddresses                 `json:"group"`
	Departments map[string]UserAddresses      `json:"departments,omitempty"`
	Roles       map[domain.Role]UserAddresses `json:"roles,omitempty"`
	// Alerts receive Alertmanager's alerts; when empty, the campaign-wide group does.
	Alerts  UserAddresses `json:"alerts"`
	Webhook string        `json:"-"`
}

// Recipients of a delivery other than a person ("user:<username>").
const (
	RecipientGroup   = "group"
	RecipientAlerts  = "alerts"
	RecipientWebhook = "webhook"
)

// addressesOf are the configured addresses of a recipient that is not a person.
func (r Routes) addressesOf(recipient string) (UserAddresses, bool) {
	kind, name, _ := cutRecipient(recipient)
	switch kind {
	case RecipientGroup:
		return r.Group, true
	case RecipientAlerts:
		return r.Alerts, true
	case "department":
		u, ok := r.Departments[name]
		return u, ok
	case "role":
		u, ok := r.Roles[domain.Role(name)]
		return u, ok
	}
	return UserAddresses{}, false
}

func cutRecipient(r string) (kind, name string, ok bool) {
	for i := range len(r) {
		if r[i] == ':' {
			return r[:i], r[i+1:], true
		}
	}
	return r, "", false
}

// UserRecipient names a person as a delivery's recipient.
func UserRecipient(username string) string { return "user:" + username }

// UserBook holds each person's own addresses (the reporting store).
type UserBook interface {
	NotifyAddresses(ctx context.Context, username string) (UserAddresses, error)
}

// FactFinder reads what a notification is about, for its words: the reporting
// store and the user directory behind the service.
type FactFinder interface {
	NotificationFacts(ctx context.Context, n domain.Notification) (Facts, error)
}

// Delivery is one message to one recipient over one channel, and how it went.
type Delivery struct {
	ID              string        `json:"id"`
	NotificationKey string        `json:"notification_key"`
	Kind            domain.Action `json:"kind"`
	OpinionID       string        `json:"opinion_id,omitempty"`
	CampaignID      string        `json:"campaign_id,omitempty"`
	// Recipient is "user:<username>", "department:<name>", "role:<role>", "group",
	// "alerts" or "webhook".
	Recipient string  `json:"recipient"`
	Channel   Channel `json:"channel"`
	// Target is the address without its secrets (Address.Safe).
	Target  string  `json:"target"`
	Message Message `json:"message"`
	// Notification is what the generic webhook posts.
	Notification *domain.Notification `json:"-"`
	Status       string               `json:"status"`
	Attempts     int                  `json:"attempts"`
	MaxAttempts  int                  `json:"-"`
	CreatedAt    time.Time            `json:"created_at"`
	SettledAt    *time.Time           `json:"settled_at,omitempty"`
	LastError    string               `json:"last_error,omitempty"`
}

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// Statuses lists them, in the order filters offer them.
var Statuses = []string{StatusPending, StatusDelivered, StatusFailed}

// DeliveryID is the id of the delivery of notification key to recipient over c:
// the same on every try, so a fan-out repeated after a crash adds nothing.
func DeliveryID(key, recipient string, c Channel) string {
	sum := sha256.Sum256([]byte(key + "\x00" + recipient + "\x00" + string(c)))
	return hex.EncodeToString(sum[:10])
}

// DeliveryQueue keeps deliveries until they are sent (the reporting store).
type DeliveryQueue interface {
	// EnqueueDeliveries adds deliveries; one whose id is there already is left.
	EnqueueDeliveries(ctx context.Context, ds []Delivery) error
}

// Fanout is the notifier the outbox's dispatcher delivers to: it decides who is
// told over which channel — each recipient's own addresses, their department's
// and role's groups, the campaign-wide group, the generic webhook — writes the
// message each one reads, and queues one Delivery each for the Deliverer. A
// notification that reaches no one is logged instead.
type Fanout struct {
	Routes Routes
	Users  UserBook
	Facts  FactFinder
	// Text renders a catalogue text (i18n.Text).
	Text func(lang, key string, args ...any) string
	// PublicURL is where people open rectify: the messages' links start with it.
	PublicURL   string
	Queue       DeliveryQueue
	Fallback    Notifier
	MaxAttempts int
	Now         func() time.Time
}

// Notify queues the notification's deliveries.
func (f *Fanout) Notify(ctx context.Context, n domain.Notification) error {
	facts, err := f.Facts.NotificationFacts(ctx, n)
	if err != nil {
		return fmt.Errorf("notification %s: %w", n.Key, err)
	}
	now := time.Now()
	if f.Now != nil {
		now = f.Now()
	}
	var ds []Delivery
	add := func(recipient string, to UserAddresses) {
		for _, a := range to.Addresses() {
			msg := Render(f.Text, to.Lang, f.PublicURL, n, facts)
			ds = append(ds, Delivery{
				ID: DeliveryID(n.Key, recipient, a.Channel), NotificationKey: n.Key, Kind: n.Kind,
				OpinionID: n.OpinionID, CampaignID: n.CampaignID, Recipient: recipient, Channel: a.Channel,
				Target: a.Safe(), Message: msg, Status: StatusPending, MaxAttempts: f.MaxAttempts, CreatedAt: now,
			})
		}
	}
	for _, u := range n.Recipients {
		to, err := f.Users.NotifyAddresses(ctx, u)
		if err != nil {
			return fmt.Errorf("notification %s: %w", n.Key, err)
		}
		add(UserRecipient(u), to)
	}
	switch n.Kind {
	case domain.NotifyDigest:
		// A digest is one person's own.
	case domain.NotifyAlert:
		if f.Routes.Alerts.Empty() {
			add(RecipientGroup, f.Routes.Group)
		} else {
			add(RecipientAlerts, f.Routes.Alerts)
		}
	default:
		for _, r := range n.Roles {
			add("role:"+string(r), f.Routes.Roles[r])
		}
		if facts.Department != "" {
			add("department:"+facts.Department, f.Routes.Departments[facts.Department])
		}
		add(RecipientGroup, f.Routes.Group)
	}
	if f.Routes.Webhook != "" {
		n := n
		ds = append(ds, Delivery{
			ID: DeliveryID(n.Key, RecipientWebhook, ChannelWebhook), NotificationKey: n.Key, Kind: n.Kind,
			OpinionID: n.OpinionID, CampaignID: n.CampaignID, Recipient: RecipientWebhook, Channel: ChannelWebhook,
			Target: Address{Channel: ChannelWebhook, URL: f.Routes.Webhook}.Safe(), Notification: &n,
			Message: Render(f.Text, "", f.PublicURL, n, facts), Status: StatusPending, MaxAttempts: f.MaxAttempts, CreatedAt: now,
		})
	}
	if len(ds) == 0 {
		return f.Fallback.Notify(ctx, n)
	}
	return f.Queue.EnqueueDeliveries(ctx, ds)
}

// MarshalNotification is the generic webhook's body.
func MarshalNotification(n domain.Notification) ([]byte, error) { return json.Marshal(n) }
