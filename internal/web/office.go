package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"rectify/internal/api"
	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/spreadsheet"
)

// The campaign office's pages: the triage queue, the decisions waiting on the office
// (or on a leader, for their own items), imports with their live progress and
// rejected rows, and campaign settings. The forms that change one opinion live on
// the opinion page; these pages find the opinions that need them, and the triage
// queue takes one action on many of them at once (bulk.go).

const (
	// decisionsShown is how many rows each section of the decisions page lists; its
	// count is always the whole number.
	decisionsShown = 100
	// importCheckTimeout bounds reading and checking an upload, as the API's does.
	importCheckTimeout = 5 * time.Minute
)

// triageStates are the states in which an opinion waits on the office to be sorted:
// confirmed into a category, merged, rejected or (again) assigned.
var triageStates = []domain.State{domain.StateReceived, domain.StateCategorized, domain.StateReturned}

func (s *Server) officePages(page func(string, pageHandler)) {
	page("GET /triage", s.only(service.CampaignWork, s.triage))
	page("GET /decisions", s.only(service.Decisions, s.decisions))
	page("GET /import", s.only(service.CampaignWork, s.importPage))
	page(importRoute, s.only(service.CampaignWork, s.importFile))
	page("GET /batches/{id}", s.only(service.CampaignWork, s.batchPage))
	page("GET /batches/{id}/{file}", s.only(service.CampaignWork, s.batchDownload))
	page("POST /bulks", s.only(service.CampaignWork, s.createBulk))
	page("GET /bulks/{id}", s.only(service.CampaignWork, s.bulkPage))
	page("GET /campaigns", s.only(service.CampaignWork, s.campaignsPage))
	page("POST /campaigns", s.only(service.CampaignWork, s.createCampaign))
	page("GET /campaigns/{id}", s.only(service.CampaignWork, s.campaignPage))
	s.settingsPages(page)
}

// only serves h to those the service's rule allows, and the 403 page to others.
func (s *Server) only(rule service.Rule, h pageHandler) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		if !rule.Allows(v.User) {
			s.renderError(w, r, v, http.StatusForbidden, "err.forbidden")
			return
		}
		h(w, r, v)
	}
}

// officeCampaign is a campaign in a select list.
type officeCampaign struct {
	ID, Name string
}

// officeCampaigns lists every campaign (newest first) and their names by id.
func (s *Server) officeCampaigns(ctx context.Context) ([]officeCampaign, map[string]string, error) {
	cs, err := s.svc.Campaigns(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]officeCampaign, len(cs))
	names := make(map[string]string, len(cs))
	for i, c := range cs {
		out[i] = officeCampaign{ID: c.ID, Name: c.Name}
		names[c.ID] = c.Name
	}
	return out, names, nil
}

// triageCount is one state's number of opinions, for the triage queue's tabs.
type triageCount struct {
	State domain.State
	Count int
	// URL is the queue of that state, with the other filters kept.
	URL string
}

// triageQuery is what the triage queue shows: a campaign (or all), a state (or
// every triage state) and a page, from 1.
type triageQuery struct {
	Campaign, State string
	Page            int
	// The triage filters: a keyword, the channel, the suggested category, the
	// collection dates and the kind of target (service.Filter's).
	Q, Channel, Suggested, From, To, TargetKind string
}

// triageQueryOf reads the queue's query from a request's parameters (the queue's
// own link, or the bulk form that came back).
func triageQueryOf(q url.Values) triageQuery {
	page, _ := strconv.Atoi(q.Get("page"))
	return triageQuery{Campaign: q.Get("campaign"), State: q.Get("state"), Page: page,
		Q: strings.TrimSpace(q.Get("q")), Channel: q.Get("channel"), Suggested: strings.TrimSpace(q.Get("suggested")),
		From: q.Get("from"), To: q.Get("to"), TargetKind: q.Get("target_kind")}
}

// valid reports whether the filters can be read: dates written YYYY-MM-DD, a
// known kind of target.
func (tq triageQuery) valid() bool {
	for _, d := range []string{tq.From, tq.To} {
		if _, err := time.Parse(domain.DateLayout, d); d != "" && err != nil {
			return false
		}
	}
	switch tq.TargetKind {
	case "", service.TargetTeam, service.TargetIndividual:
		return true
	}
	return false
}

// states are the states the queue shows: the one tab asked for, or every triage
// state when none (or one that is not a triage state) is asked for.
func (tq triageQuery) states() (domain.State, []domain.State) {
	for _, st := range triageStates {
		if string(st) == tq.State {
			return st, []domain.State{st}
		}
	}
	return "", triageStates
}

// filter is the part of the list's filter the triage filters set.
func (tq triageQuery) filter(f service.Filter) service.Filter {
	f.Query, f.Channel, f.SuggestedCategory = tq.Q, tq.Channel, tq.Suggested
	f.CollectedFrom, f.CollectedTo, f.TargetKind = tq.From, tq.To, tq.TargetKind
	return f
}

// values are the triage filters as a link's parameters (campaign included, state
// and page not).
func (tq triageQuery) values(campaignID string) url.Values {
	out := url.Values{}
	for k, v := range map[string]string{"campaign": campaignID, "q": tq.Q, "channel": tq.Channel,
		"suggested": tq.Suggested, "from": tq.From, "to": tq.To, "target_kind": tq.TargetKind} {
		if v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// triage is the queue of opinions the office has to sort, in the ledger's order,
// which for these states is the oldest first (none carries a deadline: a return
// clears it).
func (s *Server) triage(w http.ResponseWriter, r *http.Request, v *visit) {
	tq := triageQueryOf(r.URL.Query())
	tq.Page = listPage(r)
	if !tq.valid() {
		s.renderError(w, r, v, http.StatusBadRequest, "err.bad_form")
		return
	}
	s.renderTriage(w, r, v, http.StatusOK, tq, bulkForm{})
}

// renderTriage shows the queue as tq asks, with the bulk form of a campaign's
// queue as form holds it (empty, or as it came back refused).
func (s *Server) renderTriage(w http.ResponseWriter, r *http.Request, v *visit, status int, tq triageQuery, form bulkForm) {
	ctx := r.Context()
	choices, names, err := s.officeCampaigns(ctx)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	campaignID := tq.Campaign
	if _, ok := names[campaignID]; !ok {
		campaignID = ""
	}
	state, states := tq.states()
	pageNo := max(tq.Page, 1)
	views, total, err := s.svc.OpinionViews(ctx, v.User, tq.filter(service.Filter{
		CampaignID: campaignID, States: states, Limit: listPageSize, Offset: (pageNo - 1) * listPageSize,
	}))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	filters := tq.values(campaignID)
	tab := func(st domain.State) string {
		q := tq.values(campaignID)
		if st != "" {
			q.Set("state", string(st))
		}
		if len(q) == 0 {
			return "/triage"
		}
		return "/triage?" + q.Encode()
	}
	if state != "" {
		filters.Set("state", string(state))
	}
	pages := newPager("/triage", filters, pageNo, len(views), total)
	if pages.Last != "" {
		http.Redirect(w, r, pages.Last, http.StatusSeeOther)
		return
	}
	counts := make([]triageCount, len(triageStates))
	all := 0
	for i, st := range triageStates {
		_, n, err := s.svc.OpinionViews(ctx, v.User, tq.filter(service.Filter{CampaignID: campaignID, State: st, Limit: 1}))
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		counts[i] = triageCount{State: st, Count: n, URL: tab(st)}
		all += n
	}
	data := map[string]any{
		"Opinions": views, "All": all, "Counts": counts, "Campaigns": choices, "Names": names,
		"Campaign": campaignID, "State": string(state), "Pager": pages, "AllURL": tab(""),
		"Filters": tq, "Channels": campaign.KnownChannels(),
	}
	if campaignID != "" && len(views) > 0 {
		c, err := s.svc.Campaign(ctx, campaignID)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		data["Bulk"] = s.bulkFormOf(v, c, views, total, form)
	}
	s.render(w, r, status, "triage", v, data)
}

// decisionSection is one list of the decisions page.
type decisionSection struct {
	Kind      string // extensions, returned, callbacks
	Opinions  []service.OpinionView
	Total     int
	Truncated bool
	// Returns holds, for returned items, who sent each back, when and why.
	Returns map[string]domain.Event
}

// decisions lists what waits on a decision: extension requests (for a leader, those
// on items they are the responsible leader of), returned items to reassign and
// closed-out items awaiting their follow-up call (both the office's).
func (s *Server) decisions(w http.ResponseWriter, r *http.Request, v *visit) {
	office := v.User.Has(domain.RoleOffice)
	ctx := r.Context()
	choices, names, err := s.officeCampaigns(ctx)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	campaignID := r.URL.Query().Get("campaign")
	if _, ok := names[campaignID]; !ok {
		campaignID = ""
	}
	extensions := service.Filter{CampaignID: campaignID, PendingExtension: true}
	if !office {
		extensions.Leader = v.User.Username
	}
	kinds := []string{"extensions"}
	filters := map[string]service.Filter{"extensions": extensions}
	if office {
		kinds = append(kinds, "returned", "callbacks")
		filters["returned"] = service.Filter{CampaignID: campaignID, State: domain.StateReturned}
		filters["callbacks"] = service.Filter{CampaignID: campaignID, State: domain.StateAwaitingCallback}
	}
	// The problems' tasks waiting on the same decisions come first: an extension
	// asked (of the office, or of the leader who answers for the task) or a return.
	tasks, err := s.svc.Tasks(ctx, v.User, service.TaskFilter{Campaign: campaignID, Open: true})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	waiting := map[string][]service.OpinionView{}
	for _, t := range tasks {
		switch {
		case t.PendingExtension != nil && (office || t.Leader == v.User.Username):
			waiting["extensions"] = append(waiting["extensions"], t)
		case t.State == domain.StateReturned && office:
			waiting["returned"] = append(waiting["returned"], t)
		}
	}
	var sections []decisionSection
	for _, kind := range kinds {
		f := filters[kind]
		f.Limit = decisionsShown
		views, total, err := s.svc.OpinionViews(ctx, v.User, f)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		truncated := total > len(views)
		views, total = append(waiting[kind], views...), total+len(waiting[kind])
		sec := decisionSection{Kind: kind, Opinions: views, Total: total, Truncated: truncated}
		if kind == "returned" {
			if sec.Returns, err = s.returns(ctx, v, views); err != nil {
				s.fail(w, r, v, err)
				return
			}
		}
		sections = append(sections, sec)
	}
	s.render(w, r, http.StatusOK, "decisions", v, map[string]any{
		"Sections": sections, "Campaigns": choices, "Names": names, "Campaign": campaignID, "Office": office,
	})
}

// returns finds the event that sent each returned opinion back: the office reads
// the official's reason before assigning it again. Lists leave timelines out, so
// each one is read (a page holds at most decisionsShown).
func (s *Server) returns(ctx context.Context, v *visit, views []service.OpinionView) (map[string]domain.Event, error) {
	out := make(map[string]domain.Event, len(views))
	for _, ov := range views {
		o, err := s.svc.Opinion(ctx, v.User, ov.ID)
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for i := len(o.Timeline) - 1; i >= 0; i-- {
			if o.Timeline[i].Action == domain.ActionReturn {
				out[o.ID] = o.Timeline[i]
				break
			}
		}
	}
	return out, nil
}

// importForm is what the import form holds, kept when it comes back with an error.
type importForm struct {
	Campaign string
	Strict   bool
	DryRun   bool
	// Errors are messages by field (campaign, file), in the visitor's language: a
	// file refused whole is named with what it lacks (the columns missing, each
	// with the headers that name it), as the API words it.
	Errors map[string]string
}

// ledgerColumn is a column a ledger must have, with the headers accepted for it.
type ledgerColumn struct {
	Name    string
	Aliases string
}

func ledgerColumns(fields []spreadsheet.Field) []ledgerColumn {
	out := make([]ledgerColumn, len(fields))
	for i, f := range fields {
		out[i] = ledgerColumn{Name: spreadsheet.Aliases[f][0], Aliases: strings.Join(spreadsheet.Aliases[f], " / ")}
	}
	return out
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request, v *visit) {
	form := importForm{Campaign: r.URL.Query().Get("campaign"), Errors: map[string]string{}}
	s.renderImport(w, r, v, http.StatusOK, form, nil)
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, v *visit, status int, form importForm, report *service.BatchView) {
	choices, _, err := s.officeCampaigns(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if form.Campaign == "" && len(choices) == 1 {
		form.Campaign = choices[0].ID
	}
	s.render(w, r, status, "import", v, map[string]any{
		"Form": form, "Campaigns": choices, "Report": report,
		"Required": ledgerColumns(spreadsheet.Required), "Optional": ledgerColumns(optionalLedgerFields()),
		"Progress": ledgerColumns(spreadsheet.ProgressFields),
		"MaxMB":    s.svc.ImportLimits().MaxBytes >> 20,
	})
}

// optionalLedgerFields are the ledger columns of an opinion that may be left out
// (the progress columns are listed on their own).
func optionalLedgerFields() []spreadsheet.Field {
	var out []spreadsheet.Field
	for _, f := range spreadsheet.Fields {
		if !slices.Contains(spreadsheet.Required, f) && !slices.Contains(spreadsheet.ProgressFields, f) {
			out = append(out, f)
		}
	}
	return out
}

// importFile checks an uploaded ledger through the same service.Import as the
// API: a dry run shows its report here, a stored batch continues on its own page, and
// a whole-file problem comes back next to the file field.
func (s *Server) importFile(w http.ResponseWriter, r *http.Request, v *visit) {
	form := importForm{
		Campaign: strings.TrimSpace(r.PostFormValue("campaign")),
		Strict:   r.PostFormValue("strict") != "", DryRun: r.PostFormValue("dry_run") != "",
		Errors: map[string]string{},
	}
	c, err := s.svc.Campaign(r.Context(), form.Campaign)
	switch {
	case form.Campaign == "":
		form.Errors["campaign"] = v.T("imp.campaign_required")
	case notFound(err):
		form.Errors["campaign"] = v.T("code.campaign_not_found")
	case err != nil:
		s.fail(w, r, v, err)
		return
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File["file"]
	}
	switch {
	case len(files) == 0 || files[0].Filename == "":
		form.Errors["file"] = v.T("code.file_required")
	case len(files) > 1:
		form.Errors["file"] = v.T("code.two_files")
	}
	if len(form.Errors) > 0 {
		s.renderImport(w, r, v, http.StatusUnprocessableEntity, form, nil)
		return
	}
	limits := s.svc.ImportLimits()
	path, err := spoolUpload(files[0], limits.MaxBytes)
	if path != "" {
		defer os.Remove(path)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	// Like the API, finish checking the file even if the browser gives up waiting:
	// a stored batch must not be left half-written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), importCheckTimeout)
	defer cancel()
	report, err := s.svc.Import(ctx, v.User, c, path, filepath.Base(files[0].Filename),
		service.ImportOptions{Strict: form.Strict, DryRun: form.DryRun, Limits: limits})
	var apiErr *service.Error
	if errors.As(err, &apiErr) && strings.HasPrefix(apiErr.Code, "file_") {
		form.Errors["file"] = errorText(v, apiErr)
		s.renderImport(w, r, v, apiErr.Status, form, nil)
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if form.DryRun {
		report = report.In(v.Lang)
		s.renderImport(w, r, v, http.StatusOK, form, &report)
		return
	}
	http.Redirect(w, r, "/batches/"+report.ID, http.StatusSeeOther)
}

// spoolUpload copies an upload to a temporary file for the importer, never more than
// max+1 bytes: one byte over is enough for the importer to refuse the size.
func spoolUpload(fh *multipart.FileHeader, max int64) (string, error) {
	src, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer src.Close()
	dst, err := os.CreateTemp("", "rectify-upload-*")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(dst, io.LimitReader(src, max+1)); err != nil {
		_ = dst.Close()
		return dst.Name(), err
	}
	return dst.Name(), dst.Close()
}

// batchPage shows a stored batch: its progress (refreshing itself while the import
// runs), its rejected rows and the downloads of all of them.
func (s *Server) batchPage(w http.ResponseWriter, r *http.Request, v *visit) {
	b, err := s.svc.Batch(r.Context(), v.User, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	b = b.In(v.Lang)
	name := b.CampaignID
	if c, err := s.svc.Campaign(r.Context(), b.CampaignID); err == nil {
		name = c.Name
	}
	done := b.Started + b.AlreadyPresent + b.KeyConflicts
	importing := b.State == service.BatchImporting
	s.render(w, r, http.StatusOK, "batch", v, map[string]any{
		"B": b, "CampaignName": name, "Refresh": importing, "Done": done,
		"Percent": batchPercent(done, b.Accepted),
		// Every row is through, and the import waits for the ledger to show the
		// opinions it started.
		"Settling": importing && b.Accepted > 0 && done >= b.Accepted,
	})
}

func batchPercent(n, of int) int {
	if of <= 0 {
		return 100
	}
	return n * 100 / of
}

// batchDownload serves the rejected rows with the session, through the same writer
// as the API's download.
func (s *Server) batchDownload(w http.ResponseWriter, r *http.Request, v *visit) {
	format, ok := strings.CutPrefix(r.PathValue("file"), "rejections.")
	if !ok {
		s.renderError(w, r, v, http.StatusNotFound, "err.not_found")
		return
	}
	s.download(w, r, v, func() (*service.Download, error) {
		return s.svc.RejectionsFile(r.Context(), v.User, r.PathValue("id"), format, v.Lang)
	})
}

// download serves the file that file makes with the service's rules, answering
// with an error page when it cannot be made, or fails before sending anything.
func (s *Server) download(w http.ResponseWriter, r *http.Request, v *visit, file func() (*service.Download, error)) {
	d, err := file()
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	defer d.Close()
	tw := &downloadWriter{ResponseWriter: w}
	err = api.SendFile(tw, d)
	switch {
	case err == nil:
	case tw.wrote:
		// Too late for an error page: the browser has a broken file and the log says why.
		s.logger.Error("download failed", "path", r.URL.Path, "err", err)
	default:
		w.Header().Del("Content-Disposition")
		w.Header().Del("Content-Length")
		s.fail(w, r, v, err)
	}
}

// downloadWriter notes whether anything has been sent.
type downloadWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *downloadWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *downloadWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// campaignForm is the new-campaign form, kept with its errors when it comes back.
type campaignForm struct {
	ID, Name, Departments string
	CallbackRequired      bool
	// Numbers are the policy's numbers as typed, in the form's order.
	Numbers    []numberField
	Categories []categoryRow
	// Errors are messages by field: the form's names, category_<part>-<row> for a
	// category's cells, and categories for the table as a whole.
	Errors map[string]string
	Error  string
}

// numberField is one number of the deadline policy.
type numberField struct {
	Name, Value string
	Default     int
}

// categoryRow is one row of the form's category table, as typed.
type categoryRow struct {
	N                                  int // its number on the page, from 1
	Name, Speed, WorkingDays, Keywords string
}

// blankCategoryRows are the empty rows the form offers for new categories.
const blankCategoryRows = 3

// policyNumbers are the policy's numbers the form sets, by their API names.
func policyNumbers(p *domain.Policy) []struct {
	name string
	v    *int
} {
	return []struct {
		name string
		v    *int
	}{
		{"sign_working_days", &p.SignWorkingDays}, {"due_soon_working_days", &p.DueSoonWorkingDays},
		{"supervision_working_days", &p.SupervisionWorkingDays}, {"rework_working_days", &p.ReworkWorkingDays},
		{"max_extensions", &p.MaxExtensions}, {"reopen_window_days", &p.ReopenWindowDays},
	}
}

// newCampaignForm is the form filled with the default policy and categories.
func newCampaignForm() campaignForm {
	def := campaign.DefaultPolicy()
	form := campaignForm{CallbackRequired: def.CallbackRequired, Errors: map[string]string{}}
	for _, n := range policyNumbers(&def) {
		form.Numbers = append(form.Numbers, numberField{Name: n.name, Value: strconv.Itoa(*n.v), Default: *n.v})
	}
	for _, c := range def.Categories {
		form.Categories = append(form.Categories, categoryRow{Name: c.Name, Speed: string(c.Speed),
			WorkingDays: strconv.Itoa(c.WorkingDays), Keywords: strings.Join(c.Keywords, "、")})
	}
	form.Categories = withBlankRows(form.Categories)
	return form
}

// withBlankRows drops the trailing empty rows and adds blankCategoryRows fresh ones,
// numbering every row.
func withBlankRows(rows []categoryRow) []categoryRow {
	for len(rows) > 0 && rows[len(rows)-1].blank() {
		rows = rows[:len(rows)-1]
	}
	for range blankCategoryRows {
		rows = append(rows, categoryRow{Speed: string(domain.SpeedDeadline)})
	}
	for i := range rows {
		rows[i].N = i + 1
	}
	return rows
}

// blank reports whether nothing was typed into the row (its speed is always set).
func (c categoryRow) blank() bool {
	return c.Name == "" && c.WorkingDays == "" && c.Keywords == ""
}

// keywords splits a keyword list typed with any of the usual separators.
func keywords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("、,，;；", r)
	})
}

func (s *Server) campaignsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderCampaigns(w, r, v, http.StatusOK, newCampaignForm(), r.URL.Query().Get("created"))
}

func (s *Server) renderCampaigns(w http.ResponseWriter, r *http.Request, v *visit, status int, form campaignForm, created string) {
	cs, err := s.svc.Campaigns(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	speeds := []domain.Speed{domain.SpeedImmediate, domain.SpeedDeadline, domain.SpeedLongTerm}
	data := map[string]any{"Campaigns": cs, "Form": form, "Speeds": speeds,
		"SpeedDays":     []int{campaign.ImmediateWorkingDays, campaign.DeadlineWorkingDays, campaign.LongTermWorkingDays},
		"CategoryParts": []string{"name", "speed", "working_days", "keywords"}}
	for _, c := range cs {
		if c.ID == created {
			data["Created"] = c.Name
		}
	}
	s.render(w, r, status, "campaigns", v, data)
}

// createCampaign creates a campaign with the categories and deadline policy the
// form sets; every rule is campaign.Normalize's, shown next to its field.
func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request, v *visit) {
	form := campaignForm{
		ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Departments:      r.PostFormValue("departments"),
		CallbackRequired: r.PostFormValue("callback_required") != "",
		Errors:           map[string]string{},
	}
	policy := campaign.DefaultPolicy()
	policy.CallbackRequired = form.CallbackRequired
	var departments []string
	for _, line := range strings.Split(form.Departments, "\n") {
		if d := strings.TrimSpace(line); d != "" {
			departments = append(departments, d)
		}
	}
	policy.Departments = departments
	for _, n := range policyNumbers(&policy) {
		f := numberField{Name: n.name, Value: strings.TrimSpace(r.PostFormValue(n.name)), Default: *n.v}
		form.Numbers = append(form.Numbers, f)
		if f.Value == "" {
			continue // the default
		}
		// Zero means "the default" to campaign.Normalize, so it cannot be asked for.
		x, err := strconv.Atoi(f.Value)
		if err != nil || x < 1 {
			form.Errors[n.name] = v.T("camp.err.positive")
			continue
		}
		*n.v = x
	}
	// The category table: one value per row in each column; rows left empty are
	// dropped, and rowOf maps a category back to its row for messages.
	col := func(name string, i int) string {
		if vals := r.PostForm[name]; i < len(vals) {
			return strings.TrimSpace(vals[i])
		}
		return ""
	}
	rows := max(len(r.PostForm["category_name"]), len(r.PostForm["category_speed"]),
		len(r.PostForm["category_working_days"]), len(r.PostForm["category_keywords"]))
	policy.Categories = nil
	var rowOf []int
	for i := range rows {
		row := categoryRow{Name: col("category_name", i), Speed: col("category_speed", i),
			WorkingDays: col("category_working_days", i), Keywords: col("category_keywords", i)}
		form.Categories = append(form.Categories, row)
		if row.blank() {
			continue
		}
		cat := domain.CategoryPolicy{Name: row.Name, Speed: domain.Speed(row.Speed), Keywords: keywords(row.Keywords)}
		if row.WorkingDays != "" {
			x, err := strconv.Atoi(row.WorkingDays)
			if err != nil || x < 1 {
				form.Errors[fmt.Sprintf("category_working_days-%d", i)] = v.T("camp.err.positive_days")
			}
			cat.WorkingDays = x
		}
		policy.Categories = append(policy.Categories, cat)
		rowOf = append(rowOf, i)
	}
	form.Categories = withBlankRows(form.Categories)
	if len(policy.Categories) == 0 {
		form.Errors["categories"] = v.T("camp.err.categories_required")
	}
	// Check with the same rules CreateCampaign applies, to put each message next to
	// its field (the API answers with one message for the whole request).
	check := campaign.Campaign{ID: form.ID, Name: form.Name, Policy: policy}
	check.Policy.Departments = slices.Clone(departments)
	check.Policy.Categories = slices.Clone(policy.Categories)
	var fe *campaign.FieldError
	if err := campaign.Normalize(&check); errors.As(err, &fe) {
		field, msg := campaignFieldError(v, fe, departments, rowOf)
		if field == "" {
			form.Error = msg
		} else if _, taken := form.Errors[field]; !taken {
			form.Errors[field] = msg
		}
	}
	if len(form.Errors) > 0 || form.Error != "" {
		s.renderCampaigns(w, r, v, http.StatusUnprocessableEntity, form, "")
		return
	}
	c, err := s.svc.CreateCampaign(r.Context(), v.User, service.CampaignRequest{ID: form.ID, Name: form.Name, Policy: &policy})
	var apiErr *service.Error
	if errors.As(err, &apiErr) && apiErr.Status != http.StatusForbidden {
		if apiErr.Code == "campaign_exists" {
			form.Errors["id"] = errorText(v, apiErr)
		} else {
			form.Error = errorText(v, apiErr)
		}
		s.renderCampaigns(w, r, v, apiErr.Status, form, "")
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/campaigns?created="+c.ID, http.StatusSeeOther)
}

// campaignFieldError turns a campaign rule into the form field it is about ("" for
// the form as a whole) and a message in the visitor's language: the rule's own,
// with its values, but for the few this form words as its fields ask (a category
// row's name, its speed chosen from a list). departments are the ones Normalize
// checked, rowOf the form's row of each category it checked.
func campaignFieldError(v *visit, fe *campaign.FieldError, departments []string, rowOf []int) (string, string) {
	rule := fe.Rule.In(v.Lang)
	var i int
	var part string
	switch {
	case fe.Field == "name" && fe.Rule.Key == "campaign.rule.required":
		return "name", v.T("camp.err.name_required")
	case fe.Field == "name":
		return "name", rule
	case fe.Field == "id":
		return "id", rule
	case strings.HasPrefix(fe.Field, "departments["):
		return "departments", rule
	case strings.HasPrefix(fe.Field, "categories["):
		if _, err := fmt.Sscanf(strings.Replace(fe.Field, "].", "] ", 1), "categories[%d] %s", &i, &part); err != nil || i < 0 || i >= len(rowOf) {
			return "categories", rule
		}
		field := fmt.Sprintf("category_%s-%d", part, rowOf[i])
		switch {
		case part == "name" && fe.Rule.Key == "campaign.rule.required":
			return field, v.T("camp.err.category_name_required")
		case part == "name" && fe.Rule.Key == "campaign.rule.twice":
			return field, v.T("camp.err.category_twice")
		case part == "speed":
			return field, v.T("camp.err.speed")
		}
		return field, rule
	case strings.HasPrefix(fe.Field, "policy."):
		return strings.TrimPrefix(fe.Field, "policy."), rule
	}
	return "", rule
}

// campaignPage shows a campaign's settings, with a link to change them and the
// record of every change made (settings.go).
func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request, v *visit) {
	c, err := s.svc.Campaign(r.Context(), r.PathValue("id"))
	if notFound(err) {
		s.renderError(w, r, v, http.StatusNotFound, "err.not_found")
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	offset := c.Policy.UTCOffsetSeconds
	zone := fmt.Sprintf("UTC%+d", offset/3600)
	if m := (offset % 3600) / 60; m != 0 {
		zone += fmt.Sprintf(":%02d", max(m, -m))
	}
	changes, err := s.changeRows(r.Context(), v, c.ID)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, http.StatusOK, "campaign", v, map[string]any{"C": c, "Zone": zone,
		"Changes": changes, "ChangesShown": changesShown, "Saved": r.URL.Query().Get("saved") != ""})
}
