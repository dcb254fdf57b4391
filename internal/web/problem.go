package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/service"
)

// Problems (问题清单) and their tasks (任务清单): a campaign's problems with their
// tasks by lead unit, one problem with its opinions and tasks and the office's
// form to add a task. Problems are made from the triage queue (group); a task is
// acted on from its own page, as an opinion is.

// problemReaders may read problems: who reads the whole ledger.
var problemReaders = service.Rule{domain.RoleOffice, domain.RoleLeader, domain.RoleVerifier}

func (s *Server) problemPages(page func(string, pageHandler)) {
	page("GET /campaigns/{id}/problems", s.only(problemReaders, s.problemsPage))
	page("GET /problems/{id}", s.problemPage)
	page("POST /problems/{id}/tasks", s.only(service.CampaignWork, s.addTask))
}

// openProblems are the options of the campaign's problems still open, for group.
func (s *Server) openProblems(ctx context.Context, v *visit, campaignID string) ([]option, error) {
	ps, err := s.svc.Problems(ctx, v.User, campaignID)
	if err != nil {
		return nil, err
	}
	var out []option
	for _, p := range ps {
		if p.State == domain.ProblemOpen {
			out = append(out, option{p.ID, p.Title})
		}
	}
	return out, nil
}

// leadUnitRow counts one lead unit's tasks: all, open, overdue (at or past the
// rung), closed, and the problems they serve.
type leadUnitRow struct {
	Lead                         string
	Tasks, Open, Overdue, Closed int
	Problems                     int
}

// leadRows is what the "byLead" template shows: the rows, for a visit.
type leadRows struct {
	V    *visit
	Rows []leadUnitRow
}

// problemRow is a problem as the campaign's list shows it.
type problemRow struct {
	domain.Problem
	Closed int
	Leads  string
}

func (s *Server) problemsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	c, err := s.svc.Campaign(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	ps, err := s.svc.Problems(ctx, v.User, c.ID)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	tasks, err := s.svc.Tasks(ctx, v.User, service.TaskFilter{Campaign: c.ID})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	rows := make([]problemRow, len(ps))
	for i, p := range ps {
		var leads []string
		for _, t := range p.Tasks {
			if !slices.Contains(leads, t.Lead) {
				leads = append(leads, t.Lead)
			}
		}
		rows[i] = problemRow{Problem: p, Closed: len(p.Tasks) - p.Open(), Leads: strings.Join(leads, "、")}
	}
	s.render(w, r, http.StatusOK, "problems", v, map[string]any{"C": c, "Problems": rows, "Leads": byLeadUnit(tasks)})
}

// byLeadUnit counts tasks by lead unit, the units with the most open first.
func byLeadUnit(tasks []service.OpinionView) []leadUnitRow {
	rows := map[string]*leadUnitRow{}
	problems := map[string]map[string]bool{}
	for _, t := range tasks {
		row := rows[t.Department]
		if row == nil {
			row = &leadUnitRow{Lead: t.Department}
			rows[t.Department], problems[t.Department] = row, map[string]bool{}
		}
		row.Tasks++
		problems[t.Department][t.Task.Problem] = true
		switch {
		case t.State == domain.StateClosed:
			row.Closed++
		default:
			row.Open++
			if t.OverdueLevel.Rank() >= domain.LevelOverdue.Rank() {
				row.Overdue++
			}
		}
	}
	out := make([]leadUnitRow, 0, len(rows))
	for lead, row := range rows {
		row.Problems = len(problems[lead])
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b leadUnitRow) int {
		if a.Open != b.Open {
			return b.Open - a.Open
		}
		return strings.Compare(a.Lead, b.Lead)
	})
	return out
}

func (s *Server) problemPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showProblem(w, r, v, http.StatusOK, nil, nil, "")
}

// showProblem renders a problem; values, errs and general are the add-task form
// as posted and what was wrong with it.
func (s *Server) showProblem(w http.ResponseWriter, r *http.Request, v *visit, status int, values, errs map[string]string, general string) {
	ctx := r.Context()
	p, err := s.svc.ProblemView(ctx, v.User, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	c, err := s.svc.Campaign(ctx, p.CampaignID)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := map[string]any{"P": p, "C": c}
	if p.State == domain.ProblemOpen && service.CampaignWork.Allows(v.User) {
		if values == nil {
			values = map[string]string{}
		}
		data["TaskForm"] = actionForm{Action: "add-task", Fields: s.taskFields(v, c), Values: values, Errors: errs, Error: general,
			Open: len(errs) > 0 || general != "" || len(p.Tasks) == 0}
	}
	s.render(w, r, status, "problem", v, data)
}

// taskFields are the add-task form's inputs: an assignment's, with the lead unit
// for its department and the co-units to tick.
func (s *Server) taskFields(v *visit, c campaign.Campaign) []field {
	assign := s.forms(v, domain.Opinion{CampaignID: c.ID}, c.Policy, nil, nil)[domain.ActionAssign]
	var units []option
	for _, d := range c.Policy.Departments {
		if !c.Policy.DepartmentRetired(d) {
			units = append(units, option{d, d})
		}
	}
	var out []field
	for _, f := range assign {
		if f.Name == "department" {
			f.Name = "lead"
			out = append(out, f, field{Name: "co_units", Kind: "checkboxes", Options: units, Hint: "task.co_units_hint"})
			continue
		}
		if f.Name != "report_every_months" {
			out = append(out, f)
		}
	}
	return out
}

// addTask makes a task from the problem page's form and goes to the task.
func (s *Server) addTask(w http.ResponseWriter, r *http.Request, v *visit) {
	values := map[string]string{}
	for _, name := range []string{"lead", "official", "leader", "measures", "deadline"} {
		values[name] = strings.TrimSpace(r.PostFormValue(name))
	}
	coUnits := r.PostForm["co_units"]
	values["co_units"] = strings.Join(coUnits, "\n")
	t, err := s.svc.AddTask(r.Context(), v.User, r.PathValue("id"), service.TaskRequest{Lead: values["lead"], CoUnits: coUnits,
		Official: values["official"], Leader: values["leader"], Measures: values["measures"], Deadline: values["deadline"]})
	var refusal *service.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/opinions/"+t.ID, http.StatusSeeOther)
	case errors.As(err, &refusal) && refusal.Status != http.StatusNotFound:
		field := fieldOfCode(refusal.Code)
		errs := map[string]string{}
		general := ""
		switch {
		case strings.HasSuffix(refusal.Code, "_not_workday"):
			errs[field] = s.offerWorkingDay(v, values, field)
		case field != "":
			errs[field] = errorText(v, refusal)
		default:
			general = errorText(v, refusal)
		}
		s.showProblem(w, r, v, refusal.Status, values, errs, general)
	default:
		s.fail(w, r, v, err)
	}
}
