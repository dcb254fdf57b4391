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
	summary:  "group opinions of one matter into a new problem",
	synopsis: "--campaign <campaign-id> --title <title> --opinions <id,id,...> [--category <name>] [--key <key>]",
	about: "Groups opinions into a new problem (POST /api/v1/campaigns/{id}/problems). Every\n" +
		"opinion is checked first and none is grouped unless all may be; --key makes the\n" +
		"command safe to run again (the same key, the same problem). Exits 1 when an\n" +
		"opinion could not join (each is listed with why).",
	example: "starter problem create --campaign demo --title 老旧小区照明设施失修 --opinions <id>,<id>",
	run:     problemCreate,
}

func problemCreate(e *env, c *cmdline) int {
	campaignID := c.fs.String("campaign", "", "`ID` of the campaign (required)")
	title := c.fs.String("title", "", "the problem's `TITLE` (required)")
	ids := c.fs.String("opinions", "", "comma-separated opinion `IDS` (required)")
	category := c.fs.String("category", "", "the problem's category `NAME` (default: the one most of its opinions have)")
	key := c.fs.String("key", "", "`KEY` naming the problem, so the command can be run again")
	if _, code, ok := c.parse(0, 0); !ok {
		return code
	}
	for flag, v := range map[string]string{"--campaign": *campaignID, "--title": *title, "--opinions": *ids} {
		if strings.TrimSpace(v) == "" {
			return c.usageError(flag + " is required")
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
	if code := e.show(resp, printProblem); code != 0 || status != http.StatusMultiStatus {
		return code
	}
	return 1 // made, but some opinion did not join
}

var problemTaskCmd = &command{
	name:     "add-task",
	summary:  "add a task with a lead unit and co-units to a problem",
	synopsis: "<problem-id> --lead <unit> [--co-units <unit,unit>] --official <username> --leader <username> [--measures ...] [--deadline YYYY-MM-DD]",
	about: "Makes a task of a problem (POST /api/v1/problems/{id}/tasks). The task starts\n" +
		"assigned to the official and is acted on like an opinion: starter act <task-id> sign.",
	example: "starter problem add-task <problem-id> --lead 城管科 --co-units 民政科 --official official --leader leader",
	run:     problemAddTask,
}

func problemAddTask(e *env, c *cmdline) int {
	lead := c.fs.String("lead", "", "the lead unit (牵头单位), a department `NAME` (required)")
	coUnits := c.fs.String("co-units", "", "comma-separated co-unit (配合单位) department `NAMES`")
	official := c.fs.String("official", "", "responsible official's `USERNAME` (required)")
	leader := c.fs.String("leader", "", "responsible leader's `USERNAME` (required)")
	measures := c.fs.String("measures", "", "rectification measures")
	deadline := c.fs.String("deadline", "", "deadline, `YYYY-MM-DD` (default: the category's working days)")
	pos, code, ok := c.parse(1, 1)
	if !ok {
		return code
	}
	if *deadline != "" {
		if msg := checkDate("--deadline", *deadline); msg != "" {
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
		fmt.Fprintf(w, "task %s: %s, lead unit %s, official %s, deadline %s\n", t.ID, t.State, t.Department, t.Official, dash(t.Deadline))
		return nil
	})
}

var problemShowCmd = &command{
	name:     "show",
	summary:  "show a problem with its tasks and opinions",
	synopsis: "<problem-id>",
	about:    "Shows a problem (GET /api/v1/problems/{id}): its state, opinions and tasks.",
	example:  "starter problem show <problem-id>",
	run:      problemShow,
}

func problemShow(e *env, c *cmdline) int {
	return showOne(e, c, func(id string) string { return apiPath("problems", id) }, printProblem)
}

// printProblem shows a problem, its tasks, and the opinions a request could not group.
func printProblem(w io.Writer, body []byte) error {
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		return err
	}
	var t table
	t.row("ID", dash(p.ID))
	t.row("Title", dash(p.Title))
	t.row("Category", dash(p.Category))
	t.row("State", dash(p.State))
	t.row("Opinions", fmt.Sprint(len(p.Opinions)))
	t.write(w)
	if len(p.Tasks) > 0 {
		fmt.Fprintln(w, "\nTasks")
		tt := table{}
		tt.row("ID", "LEAD", "CO-UNITS", "OFFICIAL", "LEADER", "DONE")
		for _, task := range p.Tasks {
			tt.row(task.ID, dash(task.Lead), dash(strings.Join(task.CoUnits, ",")), dash(task.Official), dash(task.Leader), fmt.Sprint(task.Closed))
		}
		tt.write(w)
	}
	for _, r := range p.Results {
		if r.Error != nil {
			fmt.Fprintf(w, "not grouped: %s: %s (%s)\n", r.ID, r.Error.Message, r.Error.Code)
		}
	}
	return nil
}
