package web

import (
	"cmp"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/calendar"
	"rectify/internal/deadline"
	"rectify/internal/domain"
	"rectify/internal/service"
)

// field is one input of an action's form.
type field struct {
	Name     string
	Kind     string // text, textarea, date, select, radio, checkboxes
	Required bool
	Options  []option
	// Groups are a select's options under headings, after Options.
	Groups []optionGroup
	// Hint is the key of a line of help under the input.
	Hint string
	// Label is the key of its label when not "field." and its name.
	Label string
	// MaxBytes bounds each file of a file input, which the form says and checks
	// before sending.
	MaxBytes int64
}

type option struct {
	Value, Label string
}

// optionGroup is an <optgroup>: options under a heading.
type optionGroup struct {
	Label   string
	Options []option
}

// mergeCandidateLimit bounds the merge form's list of opinions to merge into; any
// other one can be named by its key.
const mergeCandidateLimit = 50

// forms lists each action's inputs, in the order the page shows them. The names are
// the API's body fields, so a form posts exactly what a client would; the one
// exception is the merge form's into_key, which act turns into the API's into.
// into lists the opinions this one could be merged into.
func (s *Server) forms(v *visit, o domain.Opinion, p domain.Policy, into []optionGroup, problems []option) map[domain.Action][]field {
	// Retired categories and departments take nothing new: they are not offered.
	var cats []option
	for _, c := range p.Categories {
		if c.Retired {
			continue
		}
		opt := option{c.Name, c.Name}
		if c.Name == o.SuggestedCategory {
			opt.Label = v.T("opinion.suggested_option", c.Name)
		}
		cats = append(cats, opt)
	}
	var deps []option
	for _, d := range p.Departments {
		if !p.DepartmentRetired(d) {
			deps = append(deps, option{d, d})
		}
	}
	people := func(role domain.Role) []option {
		var out []option
		for _, u := range s.svc.Users() {
			if u.Has(role) {
				label := u.Username
				if u.Name != "" {
					label = u.Name + "（" + u.Username + "）"
				}
				out = append(out, option{u.Username, label})
			}
		}
		return out
	}
	department := field{Name: "department", Kind: "text", Required: true}
	if len(deps) > 0 {
		department = field{Name: "department", Kind: "select", Required: true, Options: deps}
	}
	// Photos and documents go with the evidence of a fix, a report or a conclusion.
	files := field{Name: "files", Kind: "file", Hint: "attach.hint", MaxBytes: s.svc.AttachmentLimits().MaxBytes}
	reason := field{Name: "reason", Kind: "textarea", Required: true}
	optionalReason := field{Name: "reason", Kind: "textarea"}
	assign := []field{department,
		{Name: "official", Kind: "select", Required: true, Options: people(domain.RoleOfficial)},
		{Name: "leader", Kind: "select", Required: true, Options: people(domain.RoleLeader)},
		{Name: "measures", Kind: "textarea"}, {Name: "deadline", Kind: "date"}}
	if cat, _ := p.CategoryOf(o.Category); cat.Speed == domain.SpeedLongTerm {
		// A long-term item goes on the long-term track: it may get its own cycle.
		assign = append(assign, field{Name: "report_every_months", Kind: "number", Hint: "report.cycle_hint"})
	}
	return map[domain.Action][]field{
		domain.ActionCategorize: {{Name: "category", Kind: "select", Required: true, Options: cats}},
		domain.ActionMerge: {{Name: "into", Kind: "select", Groups: into, Hint: "merge.into_hint"},
			{Name: "into_key", Kind: "text", Hint: "merge.into_key_hint"}, optionalReason},
		domain.ActionReject: {reason},
		domain.ActionCancel: {reason},
		domain.ActionAssign: assign,
		// Fixed on the spot: the category to confirm (or the one confirmed), who fixed
		// it and answers for it, how, the proof and the day.
		domain.ActionResolve: {{Name: "category", Kind: "select", Required: o.Category == "", Options: cats}, department,
			{Name: "official", Kind: "select", Required: true, Options: people(domain.RoleOfficial)},
			{Name: "leader", Kind: "select", Options: people(domain.RoleLeader)},
			{Name: "measures", Kind: "textarea", Required: true}, {Name: "evidence", Kind: "textarea", Required: true}, files,
			{Name: "fixed_on", Kind: "date", Required: true}},
		domain.ActionSign:             {},
		domain.ActionReturn:           {reason},
		domain.ActionRequestExtension: {{Name: "until", Kind: "date", Required: true}, reason},
		domain.ActionDecideExtension: {{Name: "approve", Kind: "radio", Required: true,
			Options: []option{{"true", v.T("opt.approve")}, {"false", v.T("opt.deny")}}}, optionalReason},
		domain.ActionSubmit: {{Name: "measures", Kind: "textarea", Required: true}, {Name: "evidence", Kind: "textarea", Required: true}, files},
		domain.ActionReportProgress: {{Name: "measures", Kind: "textarea", Required: true, Hint: "report.measures_hint"},
			{Name: "next", Kind: "textarea", Required: true}, {Name: "percent", Kind: "number", Required: true},
			{Name: "evidence", Kind: "textarea"}, files},
		domain.ActionConclude: {{Name: "measures", Kind: "textarea", Required: true, Hint: "report.conclude_hint"},
			{Name: "evidence", Kind: "textarea", Required: true}, files},
		domain.ActionVerify: {{Name: "pass", Kind: "radio", Required: true,
			Options: []option{{"true", v.T("opt.pass")}, {"false", v.T("opt.fail")}}}, optionalReason},
		domain.ActionCallback: {{Name: "satisfaction", Kind: "radio", Required: true, Options: []option{
			{"satisfied", v.T("sat.satisfied")}, {"basically", v.T("sat.basically")}, {"dissatisfied", v.T("sat.dissatisfied")}}},
			{Name: "note", Kind: "textarea"}},
		domain.ActionReopen: {reason, {Name: "deadline", Kind: "date"}},
		// Into one of the campaign's open problems; a new one is made from triage.
		domain.ActionGroup: {{Name: "problem", Kind: "select", Required: true, Options: problems, Hint: "problem.group_hint"}},
		// A co-unit's part: what it did, its proof.
		domain.ActionContribute: {{Name: "note", Kind: "textarea", Label: "task.note", Hint: "task.contribute_hint"}, {Name: "evidence", Kind: "textarea"}, files},
	}
}

// actionForm is one offered action with its fields, the values typed so far and the
// errors to show next to them.
type actionForm struct {
	Action domain.Action
	Fields []field
	Values map[string]string
	Errors map[string]string
	Error  string
	Open   bool
}

// Multipart reports whether the form sends files: it is then posted as
// multipart/form-data.
func (f actionForm) Multipart() bool {
	return slices.ContainsFunc(f.Fields, func(fd field) bool { return fd.Kind == "file" })
}

func (s *Server) opinionPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showOpinion(w, r, v, http.StatusOK, "", nil, nil, "")
}

// showOpinion renders an opinion with its timeline and the forms of what the visitor
// may do now; failed holds the action whose form failed, with its values and errors.
func (s *Server) showOpinion(w http.ResponseWriter, r *http.Request, v *visit, status int, failed domain.Action,
	values, errs map[string]string, general string) {
	id := r.PathValue("id")
	o, err := s.svc.Opinion(r.Context(), v.User, id)
	if notFound(err) {
		s.renderError(w, r, v, http.StatusNotFound, "err.not_found")
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	view, err := s.svc.OpinionView(r.Context(), v.User, o)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	c, err := s.svc.Campaign(r.Context(), o.CampaignID)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	allowed := domain.Allowed(&o, c.Policy, v.User.Actor())
	var into []optionGroup
	if slices.Contains(allowed, domain.ActionMerge) {
		if into, err = s.mergeCandidates(r.Context(), v, o); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	var problems []option
	if slices.Contains(allowed, domain.ActionGroup) {
		if problems, err = s.openProblems(r.Context(), v, o.CampaignID); err != nil {
			s.fail(w, r, v, err)
			return
		}
		if len(problems) == 0 { // a new problem is made from triage
			allowed = slices.DeleteFunc(allowed, func(a domain.Action) bool { return a == domain.ActionGroup })
		}
	}
	// The suggestion as the view reads it: a category or department written in the
	// file is pre-selected through its alias or closest known value.
	o.SuggestedCategory = view.SuggestedCategory
	forms := s.forms(v, o, c.Policy, into, problems)
	var offered []actionForm
	shown := failed == ""
	for _, a := range allowed {
		f := actionForm{Action: a, Fields: forms[a], Values: map[string]string{}}
		if a == domain.ActionCategorize && o.Category == "" {
			// Confirming the suggestion is then one click.
			f.Values["category"] = o.SuggestedCategory
		}
		if a == domain.ActionAssign || a == domain.ActionResolve {
			f.Values["department"] = cmp.Or(o.Department, view.SuggestedDepartment)
		}
		if a == domain.ActionResolve {
			// Fixed today, unless the office says otherwise; of the category the
			// opinion has, or the one suggested.
			f.Values["fixed_on"] = v.Now.In(c.Policy.Location()).Format(domain.DateLayout)
			f.Values["category"] = cmp.Or(o.Category, o.SuggestedCategory)
		}
		if a == failed {
			f.Values, f.Errors, f.Error, f.Open = values, errs, general, true
			shown = true
		}
		offered = append(offered, f)
	}
	data := map[string]any{"O": view, "Forms": offered, "Campaign": c,
		"Explain": deadline.Explain(o.Schedule, v.Lang), "Rounds": roundRows(view.Rounds)}
	if n := view.WorkingDaysToClose; n != nil {
		data["DaysToClose"] = v.T("opinion.working_days_n", *n) // 0 is an answer too
	}
	if !shown {
		// The refused action is no longer offered (the opinion moved on since the
		// page was loaded): say why above the forms.
		for _, msg := range errs {
			general = msg
		}
		data["Error"] = general
	}
	if o.State == domain.StateCategorized || o.State == domain.StateReturned {
		cat, _ := c.Policy.CategoryOf(o.Category)
		if sched, err := s.svc.PreviewSchedule(c.Policy, v.Now.In(c.Policy.Location()).Format(domain.DateLayout), cat.WorkingDays); err == nil {
			data["Preview"] = sched
			data["PreviewExplain"] = deadline.Explain(sched, v.Lang)
		}
	}
	if view.Submitter != "" || view.Phone != "" { // only the office's view has them, and the page shows them
		s.svc.AuditRead(r.Context(), v.User, o.ID)
	}
	s.render(w, r, status, "opinion", v, data)
}

// roundRow is one round of fix and verification as the page lists it, numbered
// from 1, with the verdict as pass, fail or "" (not verified yet).
type roundRow struct {
	domain.Round
	No      int
	Verdict string
}

func roundRows(rounds []domain.Round) []roundRow {
	rows := make([]roundRow, len(rounds))
	for i, r := range rounds {
		rows[i] = roundRow{Round: r, No: i + 1}
		if r.Passed != nil {
			rows[i].Verdict = map[bool]string{true: "pass", false: "fail"}[*r.Passed]
		}
	}
	return rows
}

// act performs a form's action through the same service as the API and returns to
// the opinion; a refusal re-renders the form with the message next to its field.
func (s *Server) act(w http.ResponseWriter, r *http.Request, v *visit) {
	action := domain.Action(r.PathValue("action"))
	if !slices.Contains(domain.Actions, action) {
		// As the API: only the lifecycle actions, never another Update of the workflow.
		s.renderError(w, r, v, http.StatusNotFound, "err.not_found")
		return
	}
	values := map[string]string{}
	for k := range r.PostForm {
		if k != "csrf" {
			values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
	}
	body := domain.ActionBody{
		Category: values["category"], Into: values["into"], Reason: values["reason"], Department: values["department"],
		Official: values["official"], Leader: values["leader"], Measures: values["measures"], Deadline: values["deadline"],
		Until: values["until"], Evidence: values["evidence"], Satisfaction: values["satisfaction"], Note: values["note"],
		FixedOn: values["fixed_on"], Next: values["next"], Problem: values["problem"],
	}
	if n, err := strconv.Atoi(values["report_every_months"]); err == nil {
		body.ReportEveryMonths = n
	} else if values["report_every_months"] != "" {
		s.showOpinion(w, r, v, http.StatusUnprocessableEntity, action, values,
			map[string]string{"report_every_months": v.T("code.report_every_months_invalid")}, "")
		return
	}
	if p, err := strconv.Atoi(values["percent"]); err == nil {
		body.Percent = &p
	} else if values["percent"] != "" {
		s.showOpinion(w, r, v, http.StatusUnprocessableEntity, action, values,
			map[string]string{"percent": v.T("code.percent_invalid")}, "")
		return
	}
	for name, dst := range map[string]**bool{"approve": &body.Approve, "pass": &body.Pass} {
		switch values[name] {
		case "true":
			t := true
			*dst = &t
		case "false":
			f := false
			*dst = &f
		}
	}
	if action == domain.ActionMerge && values["into_key"] != "" {
		into, msgKey := s.resolveInto(r.Context(), v, r.PathValue("id"), values["into_key"])
		if msgKey == "" && values["into"] != "" && values["into"] != into {
			msgKey = "merge.both"
		}
		if msgKey != "" {
			s.showOpinion(w, r, v, http.StatusUnprocessableEntity, action, values,
				map[string]string{"into_key": v.T(msgKey, values["into_key"])}, "")
			return
		}
		body.Into = into
	}
	id := r.PathValue("id")
	if slices.Contains(domain.EvidenceActions, action) {
		refs, name, err := s.attachFiles(r, v, id)
		var apiErr *service.Error
		if errors.As(err, &apiErr) && apiErr.Status != http.StatusNotFound {
			s.showOpinion(w, r, v, apiErr.Status, action, values, map[string]string{"files": fileErrorText(v, name, apiErr)}, "")
			return
		}
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		body.Attachments = refs
	}
	_, err := s.svc.Act(r.Context(), v.User, id, action, body)
	if err == nil {
		http.Redirect(w, r, "/opinions/"+id, http.StatusSeeOther)
		return
	}
	var apiErr *service.Error
	refused := errors.As(err, &apiErr) && apiErr.Status < http.StatusInternalServerError
	if refused && len(body.Attachments) > 0 {
		// The files were for this action alone; after a timeout it may still
		// happen, and they stay (unused ones are swept a day later).
		s.discardFiles(r.Context(), v, id, body.Attachments)
	}
	if !refused || apiErr.Status == http.StatusNotFound {
		s.fail(w, r, v, err)
		return
	}
	msg := errorText(v, apiErr)
	errs := map[string]string{}
	general := msg
	if f := fieldOfCode(apiErr.Code); f != "" {
		errs[f], general = msg, ""
		if strings.HasSuffix(apiErr.Code, "_not_workday") {
			errs[f] = s.offerWorkingDay(v, values, f)
		}
	}
	if len(body.Attachments) > 0 && errs["files"] == "" {
		// A browser never fills a file input in again.
		errs["files"] = v.T("attach.choose_again", len(body.Attachments))
	}
	s.showOpinion(w, r, v, apiErr.Status, action, values, errs, general)
}

// attachFiles stores the files chosen in the form's file input (service.Attach),
// for the action to name. A file that is refused discards those stored before it
// and is answered with its name; an input left empty stores nothing.
func (s *Server) attachFiles(r *http.Request, v *visit, id string) ([]domain.AttachmentRef, string, error) {
	if r.MultipartForm == nil {
		return nil, "", nil
	}
	var refs []domain.AttachmentRef
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty part a browser sends for an input with no file chosen
		}
		ref, err := s.attachFile(r.Context(), v, id, fh)
		if err != nil {
			s.discardFiles(r.Context(), v, id, refs)
			return nil, fh.Filename, err
		}
		refs = append(refs, ref)
	}
	return refs, "", nil
}

func (s *Server) attachFile(ctx context.Context, v *visit, id string, fh *multipart.FileHeader) (domain.AttachmentRef, error) {
	if fh.Size > s.svc.AttachmentLimits().MaxBytes {
		return domain.AttachmentRef{}, s.svc.AttachmentTooLarge(fh.Filename)
	}
	f, err := fh.Open()
	if err != nil {
		return domain.AttachmentRef{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return domain.AttachmentRef{}, err
	}
	return s.svc.Attach(ctx, v.User, id, fh.Filename, data)
}

// discardFiles deletes the files a form stored for an action that did not happen.
func (s *Server) discardFiles(ctx context.Context, v *visit, id string, refs []domain.AttachmentRef) {
	ids := make([]string, len(refs))
	for i, ref := range refs {
		ids[i] = ref.ID
	}
	if err := s.svc.DiscardAttachments(ctx, v.User, id, ids); err != nil {
		s.logger.Warn("discarding a refused action's files failed; they go a day later", "opinion", id, "err", err)
	}
}

// fileErrorText is a file's refusal in the visitor's language, naming the file:
// the translation of its code after the file's name, or the server's own words,
// which name it already.
func fileErrorText(v *visit, name string, e *service.Error) string {
	if msg, ok := messages[v.Lang]["code."+e.Code]; ok {
		return v.T("attach.refused", name, msg)
	}
	return e.Message
}

// attachment serves an evidence file, or the thumbnail of a photo, to whoever
// may see its opinion, through the same writer as the API's download: always as
// a download, never shown as a page.
func (s *Server) attachment(thumbnail bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		s.download(w, r, v, func() (*service.Download, error) {
			return s.svc.AttachmentFile(r.Context(), v.User, r.PathValue("id"), thumbnail)
		})
	}
}

// offerWorkingDay puts the next working day in place of a date on a day off the
// service refused, and says so: submitting the form again takes it.
func (s *Server) offerWorkingDay(v *visit, values map[string]string, field string) string {
	typed := values[field]
	d, err := time.Parse(domain.DateLayout, typed)
	if err != nil {
		return v.T("code." + field + "_not_workday")
	}
	next := service.NextWorkingDay(s.svc.Calendar(), d).Format(domain.DateLayout)
	values[field] = next
	why := v.T("weekday." + strings.ToLower(d.Weekday().String()))
	if name, ok := s.svc.Calendar().Holiday(d); ok {
		why = calendar.HolidayName(name, v.Lang)
	}
	return v.T("opinion.not_workday", typed, why, next)
}

// resolveInto finds the opinion a typed key names in the campaign of opinion id
// (service.MergeTarget). The second result is the message key of why it could not,
// if it could not. Someone who may not merge id learns nothing here: the service
// refuses them with the usual words when they act.
func (s *Server) resolveInto(ctx context.Context, v *visit, id, key string) (string, string) {
	into, found, err := s.svc.MergeTarget(ctx, v.User, id, key)
	switch {
	case err != nil:
		return key, ""
	case !found:
		return "", "merge.key_unknown"
	}
	return into, ""
}

// mergeCandidates lists the opinions o could be merged into (service.MergeCandidates),
// those of its category (or suggested category) first, at most mergeCandidateLimit
// in all.
func (s *Server) mergeCandidates(ctx context.Context, v *visit, o domain.Opinion) ([]optionGroup, error) {
	same, others, err := s.svc.MergeCandidates(ctx, v.User, o, mergeCandidateLimit)
	if err != nil {
		return nil, err
	}
	group := func(label string, opinions []domain.Opinion) optionGroup {
		g := optionGroup{Label: label}
		for _, c := range opinions {
			g.Options = append(g.Options, option{c.ID, v.T("merge.candidate", c.Key, short(c.Content, 30), v.T("state."+string(c.State)))})
		}
		return g
	}
	var out []optionGroup
	if cat := cmp.Or(o.Category, o.SuggestedCategory); cat != "" {
		out = append(out, group(v.T("merge.same_category", cat), same))
	}
	out = append(out, group(v.T("merge.others"), others))
	return slices.DeleteFunc(out, func(g optionGroup) bool { return len(g.Options) == 0 }), nil
}

// fieldOfCode names the field a rule code is about, checking the fields in a fixed
// order so a code naming two of them (leader_is_official) always lands on the same one.
func fieldOfCode(code string) string {
	if strings.HasPrefix(code, "attachment") || code == "image_too_large" {
		return "files"
	}
	for _, f := range []string{"category", "into", "reason", "department", "official", "leader", "measures",
		"deadline", "until", "approve", "evidence", "pass", "satisfaction", "note", "fixed_on", "next", "percent", "report_every_months",
		"lead", "co_units", "problem", "title"} {
		if strings.HasPrefix(code, f+"_") || strings.HasSuffix(code, "_"+f) {
			return f
		}
	}
	return ""
}

// list renders a list of opinions most urgent first, a page at a time; photos adds
// a column of each one's latest round's photos. A keyword (q) keeps the opinions
// whose content holds it, as the triage queue's does.
// The problems' tasks of the same queue (tf) come first, all of them: they are
// few, and each stands for several opinions. A keyword is about opinions'
// content, which tasks do not have: with one, they are left out.
func (s *Server) list(w http.ResponseWriter, r *http.Request, v *visit, title, empty string, f service.Filter, tf service.TaskFilter, photos bool) {
	n := listPage(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	f.Limit, f.Offset, f.Query = listPageSize, (n-1)*listPageSize, q
	views, total, err := s.svc.OpinionViews(r.Context(), v.User, f)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	var kept url.Values
	if q != "" {
		kept, empty = url.Values{"q": {q}}, "list.no_match"
	}
	pages := newPager(r.URL.Path, kept, n, len(views), total)
	if pages.Last != "" {
		http.Redirect(w, r, pages.Last, http.StatusSeeOther)
		return
	}
	var tasks []service.OpinionView
	if q == "" {
		if tasks, err = s.svc.Tasks(r.Context(), v.User, tf); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "list", v, map[string]any{"Title": title, "Empty": empty, "Opinions": views, "Pager": pages,
		"Photos": photos, "ProblemTasks": tasks, "Q": q, "Path": r.URL.Path})
}

func (s *Server) tasks(w http.ResponseWriter, r *http.Request, v *visit) {
	s.list(w, r, v, "tasks.title", "tasks.empty", service.Filter{Official: v.User.Username,
		States: []domain.State{domain.StateAssigned, domain.StateInProgress}},
		service.TaskFilter{Official: v.User.Username, Open: true}, false)
}

// verifyQueue lists the submitted fixes, each with the thumbnails of its latest
// round's photos: what there is to check, at a glance.
func (s *Server) verifyQueue(w http.ResponseWriter, r *http.Request, v *visit) {
	s.list(w, r, v, "verify.title", "verify.empty", service.Filter{State: domain.StateSubmitted},
		service.TaskFilter{State: domain.StateSubmitted}, true)
}
