// Package service is rectify's use cases: campaigns, opinions and their lifecycle
// actions, imports, the ledger, the figures, the access log and sign-in sessions,
// each with the rules of who may. The HTTP API (internal/api) and the web pages
// (internal/web) are front doors to it, so every rule has one implementation and
// the two can never disagree. It talks to workflows only through
// workflows/messages.go and the Temporal client, and reads lists and figures from
// the reporting store.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
)

// Config is what a Service is made of: the Temporal client, the reporting store,
// the users file's directory (seeded into the store: users are read there) and
// the calendar it works with, and its settings.
type Config struct {
	Temporal client.Client
	Store    *store.Store
	Users    *user.Directory
	// DemoUsers: Users is the demo's users file, and demo mode is asked for; the
	// demo's users sign in only then.
	DemoUsers bool
	Calendar  *calendar.Calendar
	Logger    *slog.Logger
	// TemporalUIURL, when set, is used to link each opinion to its workflow.
	TemporalUIURL string
	Namespace     string
	// Now is the clock for dates the service computes (today, working days left).
	Now func() time.Time
	// ImportLimits bound an uploaded ledger (zero: spreadsheet.DefaultLimits).
	ImportLimits spreadsheet.Limits
	// AttachmentLimits bound evidence files (zero fields: DefaultAttachmentLimits').
	AttachmentLimits AttachmentLimits
	// Translate renders a catalogue text in a language (the web's catalogues), for
	// the documents made here in the reader's language: the progress reports.
	Translate func(lang, key string, args ...any) string
}

// Service runs rectify's use cases. Its handles are private: a front door reaches
// the workflows, the store and the users only through its methods, which check who
// may before they read anything.
type Service struct {
	temporal      client.Client
	store         *store.Store
	users         people
	calendar      *calendar.Calendar
	logger        *slog.Logger
	temporalUIURL string
	namespace     string
	now           func() time.Time
	importLimits  spreadsheet.Limits
	// attachmentLimits as configured; AttachmentLimits fills in the defaults.
	attachmentLimits AttachmentLimits
	translate        func(lang, key string, args ...any) string
	demoUsers        bool
}

// New makes a Service of c.
func New(c Config) *Service {
	s := &Service{
		temporal: c.Temporal, store: c.Store, users: people{c.Store}, calendar: c.Calendar, logger: c.Logger,
		temporalUIURL: c.TemporalUIURL, namespace: c.Namespace, now: c.Now, importLimits: c.ImportLimits,
		attachmentLimits: c.AttachmentLimits, translate: c.Translate, demoUsers: c.DemoUsers,
	}
	if c.Users != nil && c.Store != nil {
		// The users file seeds the store (users.go); SeedUsers does it with a
		// context and an error to stop on, before New.
		if err := s.SeedUsers(context.Background(), c.Users, c.DemoUsers); err != nil && s.logger != nil {
			s.logger.Error("seed users", "err", err)
		}
	}
	return s
}

// Now is the service's clock: the front doors date what they show by the same one.
func (s *Service) Now() time.Time { return s.now() }

// Calendar is the working-day calendar deadlines are counted on, for the forms
// that offer a working day and explain a deadline. It is a value, not a handle:
// reading it does no I/O.
func (s *Service) Calendar() *calendar.Calendar { return s.calendar }

// ImportLimits bound an uploaded ledger: the configured ones, or
// spreadsheet.DefaultLimits. The front doors refuse a larger upload before it
// reaches Import.
func (s *Service) ImportLimits() spreadsheet.Limits {
	if s.importLimits.MaxBytes > 0 {
		return s.importLimits
	}
	return spreadsheet.DefaultLimits
}

// Ready reports whether the reporting store and the Temporal server answer: nil,
// or a 503 naming the one that does not.
func (s *Service) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return Refuse(http.StatusServiceUnavailable, "store_unavailable", "api.store_unavailable")
	}
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return Refuse(http.StatusServiceUnavailable, "temporal_unavailable", "api.temporal_unavailable")
	}
	return nil
}

// Error is a use case's refusal: an HTTP status for its kind, a stable code and a
// message a person can act on. The API answers it as JSON, the web pages in the
// visitor's language.
type Error struct {
	Status  int
	Code    string
	Message string
	// Text, when set, is Message in every language (a rule with its field and
	// values); without it a reader of another language than English reads the
	// code's own text from the catalogue.
	Text i18n.Message
}

func (e *Error) Error() string { return e.Message }

// In is the refusal as a reader of lang reads it, on a page and in an API answer
// alike: its Text when it carries one (the rule with its field and values), else
// its code's text in the catalogue — so a code has one wording per language.
// Message, the server's own English, is for the logs.
func (e *Error) In(lang string) string {
	if e.Text.Key != "" {
		return e.Text.In(lang)
	}
	return i18n.Text(lang, "code."+e.Code)
}

// stored is the refusal as it is kept to be read later (a bulk's refused
// opinions): its Text as a stored message, rendered in each reader's language,
// else the server's English.
func (e *Error) stored() string {
	if e.Text.Key != "" {
		return e.Text.Stored()
	}
	return e.Message
}

// storedText is the Text of a refusal kept as stored (Error.stored), if it was
// kept with one.
func storedText(stored string) i18n.Message {
	m, _ := i18n.Parse(stored)
	return m
}

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Refuse is a refusal worded by the catalogue: key's text with the refusal's
// values (the field, the value, the state, the limit), so that every reader reads
// the same detail in their own language; Message is its English, for the logs.
func Refuse(status int, code, key string, args ...any) *Error {
	text := i18n.M(key, args...)
	return &Error{Status: status, Code: code, Message: text.In(i18n.English), Text: text}
}

func forbidden(key string, args ...any) *Error {
	return Refuse(http.StatusForbidden, "forbidden", key, args...)
}

// Rule is who may use a part of rectify beyond one opinion's actions (those are
// the workflow's validators): the roles that may. The API's endpoints and the web's
// pages check the same rules, so the two can never disagree.
type Rule []domain.Role

var (
	// CampaignWork is the office's: campaigns, imports, submissions, triage and the
	// importable JSON ledger (it carries citizens' names and phones).
	CampaignWork = Rule{domain.RoleOffice}
	// Oversight is a campaign's figures, its dashboard and its 整改台账.
	Oversight = Rule{domain.RoleLeader, domain.RoleOffice}
	// Decisions are the extension requests, returns and follow-ups waiting on the
	// office or a responsible leader.
	Decisions = Rule{domain.RoleOffice, domain.RoleLeader}
	// Verification is the queue of submitted fixes.
	Verification = Rule{domain.RoleVerifier}
)

// Allows reports whether u has one of the rule's roles.
func (r Rule) Allows(u user.User) bool {
	for _, role := range r {
		if u.Has(role) {
			return true
		}
	}
	return false
}

// Check is Allows as a refusal: nil, or a 403 naming the roles.
func (r Rule) Check(u user.User) error {
	if r.Allows(u) {
		return nil
	}
	names := make([]i18n.Message, len(r))
	for i, role := range r {
		names[i] = i18n.M("role." + string(role))
	}
	return forbidden("api.needs_role", names)
}

// today is the campaign-local date.
func (s *Service) today(p domain.Policy) time.Time {
	now := s.Now().In(p.Location())
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
}
