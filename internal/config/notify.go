package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"rectify/internal/notify"
)

// Notify is where notifications go besides each person's own addresses (which
// people set in the product), how e-mail is sent, and when digests go out.
type Notify struct {
	// PublicURL is where people open rectify; messages link to it.
	PublicURL string
	// Routes are the campaign-wide group, the department, role and alert groups
	// (RECTIFY_NOTIFY_ROUTES) and the generic webhook.
	Routes notify.Routes
	// SMTP sends e-mail; nil without RECTIFY_SMTP_HOST.
	SMTP *notify.Mail
	// MaxAttempts is how often a delivery is tried before it is reported failed.
	MaxAttempts int
	// DigestAt is the local time of day ("08:30") of the daily digest, in
	// DigestZone; empty: no digest.
	DigestAt   string
	DigestZone string
	// AlertmanagerToken lets Alertmanager post alerts (POST /api/v1/alerts);
	// empty: the endpoint is closed.
	AlertmanagerToken string
}

// readNotify reads the notification settings.
func (c *Config) readNotify(get func(key, def string) string) []error {
	var errs []error
	n := &c.Notify
	n.PublicURL = strings.TrimRight(get("RECTIFY_PUBLIC_URL", ""), "/")
	if n.PublicURL == "" {
		n.PublicURL = "http://" + c.HTTPAddr
	} else if u, err := url.Parse(n.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("RECTIFY_PUBLIC_URL must be an http(s) URL, e.g. https://rectify.example.gov.cn"))
	}
	n.Routes.Webhook = c.WebhookURL
	n.Routes.Group = notify.UserAddresses{
		DingTalk: get("RECTIFY_DINGTALK_WEBHOOK", ""), DingTalkSecret: get("RECTIFY_DINGTALK_SECRET", ""),
		WeCom:  get("RECTIFY_WECOM_WEBHOOK", ""),
		Feishu: get("RECTIFY_FEISHU_WEBHOOK", ""), FeishuSecret: get("RECTIFY_FEISHU_SECRET", ""),
	}
	if err := n.Routes.Group.Check(); err != nil {
		errs = append(errs, fmt.Errorf("RECTIFY_DINGTALK_*, RECTIFY_WECOM_WEBHOOK, RECTIFY_FEISHU_*: %w", err))
	}
	if path := get("RECTIFY_NOTIFY_ROUTES", ""); path != "" {
		errs = append(errs, n.readRoutes(path)...)
	}
	attempts, err := strconv.Atoi(get("RECTIFY_NOTIFY_ATTEMPTS", "10"))
	if err != nil || attempts < 1 || attempts > 100 {
		errs = append(errs, errors.New("RECTIFY_NOTIFY_ATTEMPTS must be a whole number from 1 to 100"))
	}
	n.MaxAttempts = attempts
	errs = append(errs, n.readSMTP(get)...)
	n.DigestAt, n.DigestZone = get("RECTIFY_DIGEST_AT", "08:30"), get("RECTIFY_DIGEST_TZ", "Asia/Shanghai")
	if n.DigestAt == "off" {
		n.DigestAt = ""
	} else if _, err := time.Parse("15:04", n.DigestAt); err != nil {
		errs = append(errs, fmt.Errorf("RECTIFY_DIGEST_AT=%q: a time of day like 08:30, or off", n.DigestAt))
	}
	if _, err := time.LoadLocation(n.DigestZone); err != nil {
		errs = append(errs, fmt.Errorf("RECTIFY_DIGEST_TZ=%q: a time zone like Asia/Shanghai", n.DigestZone))
	}
	n.AlertmanagerToken = get("RECTIFY_ALERTMANAGER_TOKEN", "")
	if n.AlertmanagerToken != "" && len(n.AlertmanagerToken) < 16 {
		errs = append(errs, errors.New("RECTIFY_ALERTMANAGER_TOKEN must be at least 16 characters"))
	}
	return errs
}

// readRoutes reads the routes file: {"departments": {"城管科": {...}}, "roles":
// {"office": {...}}, "alerts": {...}}, each an addresses object as people set
// their own (dingtalk_webhook, dingtalk_secret, wecom_webhook, feishu_webhook,
// feishu_secret, email, lang).
func (n *Notify) readRoutes(path string) []error {
	data, err := os.ReadFile(path)
	if err != nil {
		return []error{fmt.Errorf("RECTIFY_NOTIFY_ROUTES: %w", err)}
	}
	var r notify.Routes
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return []error{fmt.Errorf("RECTIFY_NOTIFY_ROUTES %s: %w", path, err)}
	}
	var errs []error
	check := func(where string, u notify.UserAddresses) {
		if err := u.Check(); err != nil {
			errs = append(errs, fmt.Errorf("RECTIFY_NOTIFY_ROUTES %s: %s: %w", path, where, err))
		}
	}
	if !r.Group.Empty() {
		check("group", r.Group)
		if n.Routes.Group.Empty() {
			n.Routes.Group = r.Group
		} else {
			errs = append(errs, fmt.Errorf("RECTIFY_NOTIFY_ROUTES %s: group is set by RECTIFY_DINGTALK_WEBHOOK, RECTIFY_WECOM_WEBHOOK or RECTIFY_FEISHU_WEBHOOK already", path))
		}
	}
	for d, u := range r.Departments {
		check("departments."+d, u)
	}
	for role, u := range r.Roles {
		check("roles."+string(role), u)
	}
	check("alerts", r.Alerts)
	n.Routes.Departments, n.Routes.Roles, n.Routes.Alerts = r.Departments, r.Roles, r.Alerts
	return errs
}

// readSMTP reads the SMTP server's settings.
func (n *Notify) readSMTP(get func(key, def string) string) []error {
	host := get("RECTIFY_SMTP_HOST", "")
	mode := strings.ToLower(get("RECTIFY_SMTP_TLS", notify.MailStartTLS))
	port, from := get("RECTIFY_SMTP_PORT", ""), get("RECTIFY_SMTP_FROM", "")
	user, pass := get("RECTIFY_SMTP_USERNAME", ""), get("RECTIFY_SMTP_PASSWORD", "")
	var errs []error
	switch mode {
	case notify.MailStartTLS, notify.MailTLS, notify.MailPlain:
	default:
		errs = append(errs, fmt.Errorf("RECTIFY_SMTP_TLS=%q: use starttls, tls or none", mode))
	}
	if host == "" {
		if port != "" || from != "" || user != "" || pass != "" {
			errs = append(errs, errors.New("RECTIFY_SMTP_PORT, _FROM, _USERNAME and _PASSWORD need RECTIFY_SMTP_HOST"))
		}
		return errs
	}
	m := &notify.Mail{Host: host, Username: user, Password: pass, From: from, TLSMode: mode}
	if port == "" {
		m.Port = map[string]int{notify.MailStartTLS: 587, notify.MailTLS: 465, notify.MailPlain: 25}[mode]
	} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		errs = append(errs, errors.New("RECTIFY_SMTP_PORT must be a port number"))
	} else {
		m.Port = p
	}
	if from == "" {
		errs = append(errs, errors.New("RECTIFY_SMTP_FROM is required with RECTIFY_SMTP_HOST (the sender's address)"))
	}
	if (user == "") != (pass == "") {
		errs = append(errs, errors.New("RECTIFY_SMTP_USERNAME and RECTIFY_SMTP_PASSWORD go together"))
	}
	n.SMTP = m
	return errs
}
