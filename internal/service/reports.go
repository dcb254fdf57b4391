package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/report"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
)

// KeptReport is a kept progress report as the store has it (store.Report).
type KeptReport = store.Report

// ScheduledBy is who made a report the campaign's schedule made (store.Report.MadeBy).
const ScheduledBy = "schedule"

// ProgressReport is campaign campaignID's progress report (整改进展情况) at the
// cut-off until (YYYY-MM-DD campaign-local; "" for today), for the office and
// leaders (Oversight): today's is made now, from the store as it stands, and
// says what changed since the latest kept report before it; a past day's is the
// report kept for it (the schedule's), since the figures are what the store
// showed then. A day without a kept report, or one to come, is refused naming
// until.
func (s *Service) ProgressReport(ctx context.Context, u user.User, campaignID, until string) (report.Progress, error) {
	if err := Oversight.CheckIn(u, campaignID); err != nil {
		return report.Progress{}, err
	}
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return report.Progress{}, err
	}
	today := s.localToday(c)
	day, err := parseUntil(until, today)
	if err != nil {
		return report.Progress{}, err
	}
	kept, err := s.store.ReportOf(ctx, c.ID, day)
	switch {
	case err == nil && day < today:
		return decodeReport(kept)
	case errors.Is(err, store.ErrNotFound) && day < today:
		return report.Progress{}, Refuse(http.StatusUnprocessableEntity, "until_no_report", "api.until_no_report", day, c.ID)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return report.Progress{}, err
	}
	return s.makeProgress(ctx, c, day)
}

// makeProgress assembles c's report for the cut-off day from one snapshot of the
// store: its Stats and its opinions, after the latest kept report before day.
func (s *Service) makeProgress(ctx context.Context, c campaign.Campaign, day string) (report.Progress, error) {
	var previous *report.Progress
	prevID := ""
	if kept, err := s.store.ReportBefore(ctx, c.ID, day); err == nil {
		p, err := decodeReport(kept)
		if err != nil {
			return p, err
		}
		previous, prevID = &p, kept.ID
	} else if !errors.Is(err, store.ErrNotFound) {
		return report.Progress{}, err
	}
	b := report.NewBuilder(report.Progress{
		CampaignID: c.ID, Campaign: c.Name, FilingUnit: c.FilingUnit, CutOff: day, MadeAt: s.Now().UTC(),
		UTCOffsetSeconds: c.Policy.UTCOffsetSeconds,
	}, previous, prevID)
	st, err := s.store.Ledger(ctx, c.ID, nil, func(o domain.Opinion) error {
		b.Add(o)
		return nil
	})
	if err != nil {
		return report.Progress{}, err
	}
	return b.Done(st), nil
}

func decodeReport(r store.Report) (report.Progress, error) {
	var p report.Progress
	if err := json.Unmarshal(r.Doc, &p); err != nil {
		return p, fmt.Errorf("report %s: %w", r.ID, err)
	}
	return p, nil
}

// ProgressFile is ProgressReport as an XLSX workbook in lang (zh or en).
func (s *Service) ProgressFile(ctx context.Context, u user.User, campaignID, until, lang string) (*Download, error) {
	p, err := s.ProgressReport(ctx, u, campaignID, until)
	if err != nil {
		return nil, err
	}
	return s.progressDownload(p, lang)
}

// progressDownload renders p as a workbook, whole, before anything is sent.
func (s *Service) progressDownload(p report.Progress, lang string) (*Download, error) {
	t := s.translator(lang)
	var buf bytes.Buffer
	if err := report.WriteXLSX(&buf, p, t, s.displayName); err != nil {
		return nil, err
	}
	return &Download{Name: report.FileName(p, t), ContentType: contentTypes["xlsx"], Size: int64(buf.Len()),
		write: func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }}, nil
}

// translator renders the report's texts in lang through the catalogues the
// process was given (Config.Translate), Chinese when lang is not English.
func (s *Service) translator(lang string) report.T {
	if lang != "en" {
		lang = "zh"
	}
	return func(key string, args ...any) string {
		if s.translate == nil {
			return fmt.Sprint(append([]any{key}, args...)...)
		}
		return s.translate(lang, key, args...)
	}
}

// Reports lists campaign campaignID's kept reports, latest cut-off first, for the
// office and leaders (Oversight).
func (s *Service) Reports(ctx context.Context, u user.User, campaignID string) (campaign.Campaign, []store.Report, error) {
	if err := Oversight.CheckIn(u, campaignID); err != nil {
		return campaign.Campaign{}, nil, err
	}
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return c, nil, err
	}
	rs, err := s.store.Reports(ctx, c.ID)
	return c, rs, err
}

// KeptReport is the kept report id and its content, for the office and leaders
// (Oversight); 404 report_not_found for an unknown id.
func (s *Service) KeptReport(ctx context.Context, u user.User, id string) (store.Report, report.Progress, error) {
	if err := Oversight.Check(u); err != nil {
		return store.Report{}, report.Progress{}, err
	}
	r, err := s.store.Report(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, report.Progress{}, Refuse(http.StatusNotFound, "report_not_found", "api.no_such", i18n.M("api.noun.report"), id)
	}
	if err != nil {
		return r, report.Progress{}, err
	}
	if err := scopedOut(u, r.CampaignID); err != nil {
		return r, report.Progress{}, err
	}
	p, err := decodeReport(r)
	return r, p, err
}

// ReportFile is the kept report id as an XLSX workbook in lang.
func (s *Service) ReportFile(ctx context.Context, u user.User, id, lang string) (*Download, error) {
	_, p, err := s.KeptReport(ctx, u, id)
	if err != nil {
		return nil, err
	}
	return s.progressDownload(p, lang)
}

// MakeScheduledReport makes and keeps campaign campaignID's progress report for
// the campaign-local day of at (the schedule's nominal time), once: a second call
// for that day answers the report kept (created false). Keeping it puts a
// notification for each of the campaign's leaders in the outbox, in the same
// transaction. The figures are the store's when it runs.
func (s *Service) MakeScheduledReport(ctx context.Context, campaignID string, at time.Time) (store.Report, bool, error) {
	c, err := s.store.Campaign(ctx, campaignID)
	if err != nil {
		return store.Report{}, false, err
	}
	day := at.In(c.Policy.Location()).Format(domain.DateLayout)
	if kept, err := s.store.ReportOf(ctx, c.ID, day); err == nil {
		return kept, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return kept, false, err
	}
	p, err := s.makeProgress(ctx, c, day)
	if err != nil {
		return store.Report{}, false, err
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return store.Report{}, false, err
	}
	r := store.Report{ID: store.ReportID(c.ID, day), CampaignID: c.ID, CutOff: day, MadeAt: p.MadeAt, MadeBy: ScheduledBy, Doc: doc}
	var notes []domain.Notification
	for _, leader := range s.campaignLeaders(p) {
		notes = append(notes, domain.Notification{Kind: domain.NotifyReportReady, CampaignID: c.ID, Recipients: []string{leader},
			Roles: []domain.Role{domain.RoleLeader}, ReportID: r.ID, Key: r.ID + "/" + leader})
	}
	return s.store.SaveReport(ctx, r, notes)
}

// campaignLeaders are whom a report is for: the leaders who answer for the
// campaign's items (领导包案) and every user with the leader role, by username.
func (s *Service) campaignLeaders(p report.Progress) []string {
	var out []string
	for _, l := range p.ByLeader {
		if l.Name != "" {
			out = append(out, l.Name)
		}
	}
	for _, u := range s.users.All() {
		if u.Has(domain.RoleLeader) {
			out = append(out, u.Username)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
