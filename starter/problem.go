package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// problem is a problem (问题清单) as the API shows it, with its tasks and opinions.
type problem struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Category string   `json:"category"`
	State    string   `json:"state"`
	Opinions []string `json:"opinions"`
	Tasks    []struct {
		ID       string   `json:"id"`
		Lead     string   `json:"lead"`
		CoUnits  []string `json:"co_units"`
		Official string   `json:"official"`
		Leader   string   `json:"leader"`
		Closed   bool     `json:"closed"`
	} `json:"tasks"`
	Results []struct {
		ID     string `json:"id"`
		Status int    `json:"status"`
		Error  *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"error"`
	} `json:"results"`
}

var problemCreateCmd = &command{
	name:     "create",
	synopsis: "--campaign <campaign-id> --title <title> --opinions <id,id,...> [--category <name>] [--key <key>]",
	example:  "starter problem create --campaign demo --title 老旧小区照明设施失修 --opinions <id>,<id>",
	run:      problemCreate,
}

func problemCreate(e *env, c *cmdline) int {
	campaignID := c.fs.String("campaign", "", e.t("cli.flag.problem.create.campaign"))
	title := c.fs.String("title", "", e.t("cli.flag.problem.create.title"))
	ids := c.fs.String("opinions", "", e.t("cli.flag.problem.create.opinions"))
	category := c.fs.String("category", "", e.t("cli.flag.problem.create.category"))
	key := c.fs.String("key", "", e.t("cli.flag.problem.create.key"))
	if _, code, ok := c.parse(0, 0); !ok {
		return code
	}
	for flag, v := range map[string]string{"--campaign": *campaignID, "--title": *title, "--opinions": *ids} {
		if strings.TrimSpace(v) == "" {
			return c.usageError(e.t("cli.err.required", flag))
		}
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}
	body, err := json.Marshal(map[string]any{"title": *title, "opinions": splitList(*ids), "category": *category, "key": *key})
	if err != nil {
		return e.fail(err)
	}
	status, resp, err := cl.doStatus(e.ctx, http.MethodPost, apiPath("campaigns", *campaignID, "problems"), nil, body)
	if err != nil {
		return e.fail(err)
	}
	if code := e.show(resp, e.printProblem); code != 0 || status != http.StatusMultiStatus {
		return code
	}
	return 1 // made, but some opinion did not join
}

var problemTaskCmd = &command{
	name:     "add-task",
	synopsis: "<problem-id> --lead <unit> [--co-units <unit,unit>] --official <username> --leader <username> [--measures ...] [--deadline YYYY-MM-DD]",
	example:  "starter problem add-task <problem-id> --lead 城管科 --co-units 民政科 --official official --leader leader",
	run:      problemAddTask,
}

func problemAddTask(e *env, c *cmdline) int {
	lead := c.fs.String("lead", "", e.t("cli.flag.problem.add-task.lead"))
	coUnits := c.fs.String("co-units", "", e.t("cli.flag.problem.add-task.co-units"))
	official := c.fs.String("official", "", e.t("cli.flag.problem.add-task.official"))
	leader := c.fs.String("leader", "", e.t("cli.flag.problem.add-task.leader"))
	measures := c.fs.String("measures", "", e.t("cli.flag.problem.add-task.measures"))
	deadline := c.fs.String("deadline", "", e.t("cli.flag.problem.add-task.deadline"))
	pos, code, ok := c.parse(1, 1)
	if !ok {
		return code
	}
	if *deadline != "" {
		if msg := e.checkDate("--deadline", *deadline); msg != "" {
			return c.usageError(msg)
		}
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}
	body, err := json.Marshal(map[string]any{"lead": *lead, "co_units": splitList(*coUnits), "official": *official,
		"leader": *leader, "measures": *measures, "deadline": *deadline})
	if err != nil {
		return e.fail(err)
	}
	resp, err := cl.do(e.ctx, http.MethodPost, apiPath("problems", pos[0], "tasks"), nil, body)
	if err != nil {
		return e.fail(err)
	}
	return e.show(resp, func(w io.Writer, body []byte) error {
		var t struct {
			ID, State, Department, Official, Deadline string
		}
		if err := json.Unmarshal(body, &t); err != nil {
			return err
		}
		fmt.Fprintln(w, e.t("cli.problem.task_made", t.ID, e.word("state.", t.State), t.Department, t.Official, dash(t.Deadline)))
		return nil
	})
}

var problemShowCmd = &command{
	name:     "show",
	synopsis: "<problem-id>",
	example:  "starter problem show <problem-id>",
	run:      problemShow,
}

func problemShow(e *env, c *cmdline) int {
	return showOne(e, c, func(id string) string { return apiPath("problems", id) }, e.printProblem)
}

// printProblem shows a problem, its tasks, and the opinions a request could not group.
func (e *env) printProblem(w io.Writer, body []byte) error {
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		return err
	}
	var t table
	t.row("ID", dash(p.ID))
	t.row(e.t("cli.label.title"), dash(p.Title))
	t.row(e.t("cli.label.category"), dash(p.Category))
	t.row(e.t("cli.label.state"), e.word("problem.state_", p.State))
	t.row(e.t("cli.label.opinions"), fmt.Sprint(len(p.Opinions)))
	t.write(w)
	if len(p.Tasks) > 0 {
		fmt.Fprintf(w, "\n%s\n", e.t("cli.problem.tasks"))
		tt := table{}
		tt.row("ID", e.t("cli.head.lead"), e.t("cli.head.co_units"), e.t("cli.head.official"), e.t("cli.head.leader"), e.t("cli.head.done"))
		for _, task := range p.Tasks {
			tt.row(task.ID, dash(task.Lead), dash(strings.Join(task.CoUnits, ",")), dash(task.Official), dash(task.Leader), e.yesNo(task.Closed))
		}
		tt.write(w)
	}
	for _, r := range p.Results {
		if r.Error != nil {
			fmt.Fprintln(w, e.t("cli.problem.not_grouped", r.ID, r.Error.Message, r.Error.Code))
		}
	}
	return nil
}

// yesNo is a yes-or-no answer in starter's language.
func (e *env) yesNo(v bool) string {
	if v {
		return e.t("opinion.yes")
	}
	return e.t("opinion.no")
}
