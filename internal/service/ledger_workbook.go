package service

import (
	"context"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/ledger"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
)

// ledgerCutOff reads the ledger's cut-off (until): today, campaign-local, when not
// given. The ledger shows every item as it stands when it is made, so its cut-off
// is today; a past day's figures are those of the progress report kept for it
// (ProgressReport), and a day to come has none.
func (s *Service) ledgerCutOff(c campaign.Campaign, until string) (string, error) {
	today := s.localToday(c)
	day, err := parseUntil(until, today)
	if err != nil {
		return "", err
	}
	if day < today {
		return "", Refuse(http.StatusUnprocessableEntity, "until_before_today", "api.until_before_today", day, today, c.ID)
	}
	return day, nil
}

// localToday is the campaign-local date now.
func (s *Service) localToday(c campaign.Campaign) string {
	return s.Now().In(c.Policy.Location()).Format(domain.DateLayout)
}

// parseUntil reads a cut-off: a real YYYY-MM-DD date not after today, or today
// when empty. Every refusal names until.
func parseUntil(until, today string) (string, error) {
	if until == "" {
		return today, nil
	}
	d, err := time.Parse(domain.DateLayout, until)
	if err != nil || d.Format(domain.DateLayout) != until {
		return "", Refuse(http.StatusUnprocessableEntity, "until_format", "api.until_format", today, until)
	}
	if until > today {
		return "", Refuse(http.StatusUnprocessableEntity, "until_after_today", "api.until_after_today", until, today)
	}
	return until, nil
}

// ledgerWorkbook writes the 整改台账 as offices hand it up (ledger.Workbook): the
// problems, tasks and responsibilities of c, the summary of its figures, and the
// opinions in states — the lists, the figures and the people's figures all read
// from one snapshot of the store (store.Ledger), the summary being the store's
// Stats as the dashboard shows them.
func (s *Service) ledgerWorkbook(ctx context.Context, w io.Writer, c campaign.Campaign, states []domain.State, cutOff string) error {
	loc := c.Policy.Location()
	var problems []ledger.ProblemRow
	var tasks []ledger.TaskRow
	var details [][]any
	people := newResponsibilities()
	keys := map[string]string{} // each opinion's key, for the problems that name it
	// Every opinion is read, so the people's figures count all their items; the
	// lists keep those in states.
	st, err := s.store.Ledger(ctx, c.ID, nil, func(o domain.Opinion) error {
		listed := len(states) == 0 || slices.Contains(states, o.State)
		keys[o.ID] = o.Key
		p, t, ok := ledger.OpinionRows(o, store.SpeedOf(c.Policy, o.Category), s.displayName, loc)
		if ok && listed {
			problems = append(problems, p)
			tasks = append(tasks, t)
		}
		taskID := ""
		if ok {
			taskID = t.ID
		}
		people.add(o, taskID)
		if listed {
			details = append(details, ledger.Row(o, s.displayName, loc))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if problems, tasks, err = s.withProblems(ctx, c, problems, tasks, people, keys); err != nil {
		return err
	}
	head := ledger.Head{Campaign: c.Name, FilingUnit: c.FilingUnit, CutOff: cutOff, MadeAt: s.Now(), Location: loc}
	opinions := ledger.Table(nil, s.displayName, loc)
	opinions.Rows = slices.Values(details)
	return spreadsheet.WriteWorkbook(w, ledger.Workbook(head, problems, tasks, people.rows(st, s.displayName), st, s.displayName, opinions)...)
}

// withProblems adds the campaign's problems and their tasks to the lists, after
// the problems its other opinions stand for, and the tasks to the items their
// people answer for. A problem's opinions are named by their keys (keys, by id).
func (s *Service) withProblems(ctx context.Context, c campaign.Campaign, problems []ledger.ProblemRow, tasks []ledger.TaskRow,
	people *responsibilities, keys map[string]string) ([]ledger.ProblemRow, []ledger.TaskRow, error) {
	ps, err := s.store.Problems(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	all, err := s.store.Tasks(ctx, store.TaskFilter{Campaign: c.ID})
	if err != nil {
		return nil, nil, err
	}
	byProblem := map[string][]domain.Opinion{}
	for _, t := range all {
		byProblem[t.Task.Problem] = append(byProblem[t.Task.Problem], t)
	}
	speed := func(category string) string { return store.SpeedOf(c.Policy, category) }
	loc := c.Policy.Location()
	for _, p := range ps {
		own := byProblem[p.ID]
		slices.SortFunc(own, func(a, b domain.Opinion) int { return strings.Compare(a.ID, b.ID) })
		row, taskRows := ledger.ProblemRows(p, own, keys, speed, s.displayName, loc)
		problems, tasks = append(problems, row), append(tasks, taskRows...)
		for _, t := range own {
			people.addTask(t)
		}
	}
	return problems, tasks, nil
}

// responsibilities gathers 责任清单: each responsible leader's and official's
// items and the units they are in, and the officials' figures (the leaders' are
// the store's Stats.ByLeader).
type responsibilities struct {
	leaders, officials map[string]*person
}

type person struct {
	units []string
	items []string
	slice *store.Slice
}

func newResponsibilities() *responsibilities {
	return &responsibilities{leaders: map[string]*person{}, officials: map[string]*person{}}
}

func (r *responsibilities) add(o domain.Opinion, taskID string) {
	for _, p := range r.of(o) {
		p.slice.Add(o)
		p.note(taskID, o.Department)
	}
}

// addTask lists a problem's task among the items of its official and leader, and
// its lead unit among their units; the figures count opinions only.
func (r *responsibilities) addTask(t domain.Opinion) {
	for _, p := range r.of(t) {
		p.note(t.ID, t.Department)
	}
}

// of are an item's leader and official (those it names), each made when first met.
func (r *responsibilities) of(o domain.Opinion) []*person {
	var out []*person
	for _, side := range []struct {
		m    map[string]*person
		name string
	}{{r.leaders, o.Leader}, {r.officials, o.Official}} {
		if side.name == "" {
			continue
		}
		p := side.m[side.name]
		if p == nil {
			p = &person{slice: store.NewSlice(side.name)}
			side.m[side.name] = p
		}
		out = append(out, p)
	}
	return out
}

// note lists an item (when it has an id) and a unit (once) of the person's.
func (p *person) note(item, unit string) {
	if item != "" {
		p.items = append(p.items, item)
	}
	if unit != "" && !slices.Contains(p.units, unit) {
		p.units = append(p.units, unit)
	}
}

// rows are 责任清单's rows: leaders, then officials, each by name; a leader's
// figures are st's (Stats.ByLeader), an official's counted by the same code.
func (r *responsibilities) rows(st store.Stats, name func(string) string) []ledger.ResponsibilityRow {
	var out []ledger.ResponsibilityRow
	byLeader := map[string]store.Counts{}
	for _, c := range st.ByLeader {
		byLeader[c.Name] = c
	}
	for _, u := range slices.Sorted(maps.Keys(r.leaders)) {
		p := r.leaders[u]
		figures, ok := byLeader[u]
		if !ok { // cannot be: both are read from one snapshot
			figures = p.slice.Counts()
		}
		out = append(out, ledger.ResponsibilityRow{Role: ledger.RoleLeader, Person: name(u), Units: p.units, Items: p.items, Figures: figures})
	}
	for _, u := range slices.Sorted(maps.Keys(r.officials)) {
		p := r.officials[u]
		out = append(out, ledger.ResponsibilityRow{Role: ledger.RoleOfficial, Person: name(u), Units: p.units, Items: p.items, Figures: p.slice.Counts()})
	}
	return out
}
