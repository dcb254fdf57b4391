package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/service"
)

// The triage queue's bulk form: the office checks opinions of one campaign's
// queue, picks a triage action and fills what it needs once, and the service
// takes it on each of them (service.CreateBulk); the bulk's page follows it.

const (
	// bulkRefusalsShown is how many refused opinions a bulk's page lists; its
	// count is always the whole number.
	bulkRefusalsShown = 200
	// bulkCreateTimeout bounds checking, storing and starting a bulk, as the API's
	// request bound does.
	bulkCreateTimeout = 30 * time.Second
)

// triageActions are what the bulk form offers: the bulk actions, and grouping
// the checked opinions into a new problem (service.CreateProblem).
var triageActions = append(slices.Clip(service.BulkActions), domain.ActionGroup)

// bulkField is one input of the bulk form: the single action's field, and the
// bulk actions that read it.
type bulkField struct {
	field
	Actions []domain.Action
}

// For reports whether the field is read by action (a string, as the form posts it).
func (f bulkField) For(action string) bool {
	return slices.Contains(f.Actions, domain.Action(action))
}

// bulkForm is the bulk form as it was posted: the action, the opinions checked,
// the values typed, and the errors by field and for the form as a whole.
type bulkForm struct {
	Action   string
	Selected map[string]bool
	// AllMatching is set when the office chose every opinion the queue's filters
	// match, on every page, rather than the ones checked.
	AllMatching bool
	Values      map[string]string
	Errors      map[string]string
	Error       string
}

// bulkFormView is the bulk form as triage.html shows it.
type bulkFormView struct {
	bulkForm
	Actions []domain.Action
	Fields  []bulkField
	// Matching is how many opinions the queue's filters match when they are more
	// than its page shows, so that the form offers to act on all of them.
	Matching int
}

// bulkFields are the bulk form's inputs for campaign c, each once, in the order
// of the actions that read them: the single actions' own fields (opinion.go),
// but for merge's into, which offers the opinions of the page (into); an opinion
// of another page is named by its key (into_key), as on the opinion page. A field
// is required when every action that reads it requires it.
func (s *Server) bulkFields(v *visit, c campaign.Campaign, into []option) []bulkField {
	single := s.forms(v, domain.Opinion{CampaignID: c.ID}, c.Policy, nil, nil)
	// Grouping the checked opinions makes a new problem of them: its title.
	single[domain.ActionGroup] = []field{{Name: "title", Kind: "text", Required: true, Hint: "problem.title_hint"}}
	single[domain.ActionMerge] = slices.DeleteFunc(slices.Clone(single[domain.ActionMerge]), func(f field) bool {
		return f.Name == "into"
	})
	single[domain.ActionMerge] = append([]field{{Name: "into", Kind: "select", Options: into, Hint: "bulk.into_hint"}},
		single[domain.ActionMerge]...)
	var out []bulkField
	for _, a := range triageActions {
		for _, f := range single[a] {
			i := slices.IndexFunc(out, func(b bulkField) bool { return b.Name == f.Name })
			if i < 0 {
				out = append(out, bulkField{field: f, Actions: []domain.Action{a}})
				continue
			}
			out[i].Actions = append(out[i].Actions, a)
			out[i].Required = out[i].Required && f.Required
		}
	}
	return out
}

// bulkFormOf is the bulk form of campaign c's queue, showing views of the total
// its filters match: form as it came back, or a fresh one.
func (s *Server) bulkFormOf(v *visit, c campaign.Campaign, views []service.OpinionView, total int, form bulkForm) bulkFormView {
	into := make([]option, len(views))
	for i, o := range views {
		into[i] = option{o.ID, v.T("merge.candidate", o.Key, short(o.Content, 30), v.T("state."+string(o.State)))}
	}
	view := bulkFormView{bulkForm: form, Actions: triageActions, Fields: s.bulkFields(v, c, into)}
	if total > len(views) {
		view.Matching = total
	}
	return view
}

// createBulk makes a bulk of the checked opinions through service.CreateBulk, as
// the API does, and goes on to its page; a refusal comes back to the queue with
// the message next to its field and the boxes still checked.
func (s *Server) createBulk(w http.ResponseWriter, r *http.Request, v *visit) {
	tq := triageQueryOf(r.PostForm)
	if !tq.valid() {
		s.renderError(w, r, v, http.StatusBadRequest, "err.bad_form")
		return
	}
	form := bulkForm{Action: strings.TrimSpace(r.PostFormValue("action")), Selected: map[string]bool{},
		Values: map[string]string{}, Errors: map[string]string{}}
	ids := r.PostForm["opinions"]
	for _, id := range ids {
		form.Selected[id] = true
	}
	c, err := s.svc.Campaign(r.Context(), tq.Campaign)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if shown := r.PostFormValue("all_matching"); shown != "" {
		form.AllMatching = true
		var refusal string
		ids, refusal, err = s.matchingIDs(r.Context(), v, tq, shown)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		if refusal != "" {
			form.Error = refusal
			s.renderTriage(w, r, v, http.StatusConflict, tq, form)
			return
		}
	}
	body := domain.ActionBody{}
	dst := map[string]*string{"category": &body.Category, "into": &body.Into, "reason": &body.Reason, "department": &body.Department,
		"official": &body.Official, "leader": &body.Leader, "measures": &body.Measures, "deadline": &body.Deadline}
	for _, f := range s.bulkFields(v, c, nil) {
		form.Values[f.Name] = strings.TrimSpace(r.PostFormValue(f.Name))
		// Only what the action reads is sent: a value left in another action's
		// field (the form keeps them all) would end up in the timeline.
		if f.For(form.Action) && dst[f.Name] != nil {
			*dst[f.Name] = form.Values[f.Name]
		}
	}
	// Like the API, store and start the bulk even if the browser gives up waiting:
	// a bulk stored and not started would wait for the next restart.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), bulkCreateTimeout)
	defer cancel()
	if key := form.Values["into_key"]; form.Action == string(domain.ActionMerge) && key != "" && len(ids) > 0 {
		// The key names an opinion of the campaign, which all the checked ones are of.
		into, msgKey := s.resolveInto(ctx, v, ids[0], key)
		if msgKey != "" {
			form.Errors["into_key"] = v.T(msgKey, key)
			s.renderTriage(w, r, v, http.StatusUnprocessableEntity, tq, form)
			return
		}
		body.Into = into
	}
	var next string
	if form.Action == string(domain.ActionGroup) {
		var p service.ProblemView
		p, _, err = s.svc.CreateProblem(ctx, v.User, c, service.ProblemRequest{Title: form.Values["title"], Opinions: ids})
		next = "/problems/" + p.ID
	} else {
		var b service.BulkView
		b, err = s.svc.CreateBulk(ctx, v.User, c.ID, domain.Action(form.Action), ids, body)
		next = "/bulks/" + b.ID
	}
	var refusal *service.Error
	switch {
	case err == nil:
		http.Redirect(w, r, next, http.StatusSeeOther)
	case errors.As(err, &refusal) && refusal.Status != http.StatusNotFound:
		s.bulkRefused(w, r, v, tq, form, refusal)
	default:
		s.fail(w, r, v, err)
	}
}

// matchingIDs are the ids of every opinion of the queue tq on every page, when
// the office chose them all having been shown that they were shown many. When
// the number differs now (an import or another clerk's triage meanwhile) or is
// more than a bulk takes, refusal says so instead: nothing is acted on that the
// office did not see counted.
func (s *Server) matchingIDs(ctx context.Context, v *visit, tq triageQuery, shown string) (ids []string, refusal string, err error) {
	_, states := tq.states()
	seen := map[string]bool{}
	for offset := 0; ; offset += matchingPage {
		views, total, err := s.svc.OpinionViews(ctx, v.User, tq.filter(service.Filter{
			CampaignID: tq.Campaign, States: states, Limit: matchingPage, Offset: offset,
		}))
		if err != nil {
			return nil, "", err
		}
		switch {
		case total > service.MaxBulkOpinions:
			return nil, v.T("bulk.too_many_matching", total, service.MaxBulkOpinions), nil
		case strconv.Itoa(total) != shown:
			return nil, v.T("bulk.matching_changed", shown, total), nil
		}
		for _, o := range views {
			if !seen[o.ID] {
				seen[o.ID] = true
				ids = append(ids, o.ID)
			}
		}
		if len(views) < matchingPage || offset+matchingPage >= total {
			// Pages read one after another can shift when an opinion leaves the
			// queue between them: then one is missed, and the count says so.
			if len(ids) != total {
				return nil, v.T("bulk.matching_changed", shown, len(ids)), nil
			}
			return ids, "", nil
		}
	}
}

// matchingPage is how many opinions matchingIDs reads at once, the most a list
// page of the store gives.
const matchingPage = 500

// bulkRefused shows the queue again with the bulk form as it was posted and the
// refusal next to the field it is about: the action, a field of the action's
// (a date on a day off replaced by the next working day), or the form as a whole.
func (s *Server) bulkRefused(w http.ResponseWriter, r *http.Request, v *visit, tq triageQuery, form bulkForm, refusal *service.Error) {
	field := fieldOfCode(refusal.Code)
	switch {
	case refusal.Code == "bulk_action_unsupported":
		form.Errors["action"] = v.T("bulk.action_required")
	case strings.HasSuffix(refusal.Code, "_not_workday"):
		form.Errors[field] = s.offerWorkingDay(v, form.Values, field)
	case field != "":
		form.Errors[field] = errorText(v, refusal)
	default:
		form.Error = errorText(v, refusal)
	}
	s.renderTriage(w, r, v, refusal.Status, tq, form)
}

// bulkRefusal is a refused opinion of a bulk as its page lists it.
type bulkRefusal struct {
	ID, Key, Content string
	// Reason is the refusal in the visitor's language.
	Reason string
}

// bulkPage shows a bulk: its progress (refreshing itself while it runs), what it
// does, and the opinions it was refused for, each with why.
func (s *Server) bulkPage(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	b, err := s.svc.Bulk(ctx, v.User, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	refused, err := s.svc.BulkRefusals(ctx, v.User, b.ID, bulkRefusalsShown)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	rows := make([]bulkRefusal, len(refused))
	for i, res := range refused {
		row := bulkRefusal{ID: res.OpinionID}
		if res.Error != nil {
			row.Reason = res.Error.In(v.Lang)
		}
		if o, err := s.svc.Opinion(ctx, v.User, res.OpinionID); err == nil {
			row.Key, row.Content = o.Key, o.Content
		}
		rows[i] = row
	}
	name := b.CampaignID
	if c, err := s.svc.Campaign(ctx, b.CampaignID); err == nil {
		name = c.Name
	}
	through := b.Done + b.Refused
	s.render(w, r, http.StatusOK, "bulk", v, map[string]any{
		"B": b, "CampaignName": name, "Refresh": b.State == service.BulkRunning,
		"Through": through, "Percent": batchPercent(through, b.Total), "Refusals": rows,
	})
}
