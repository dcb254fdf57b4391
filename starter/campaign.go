package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// campaign is a campaign as the API returns it. Departments and policy are kept raw:
// starter only displays them, and the server owns their shape.
type campaign struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Categories  []category      `json:"categories"`
	Departments json.RawMessage `json:"departments"`
	Policy      json.RawMessage `json:"policy"`
	CreatedAt   string          `json:"created_at"`
}

// category is one of a campaign's categories with its default speed and time limit.
type category struct {
	Name        string          `json:"name"`
	Speed       string          `json:"speed"`
	WorkingDays json.RawMessage `json:"working_days"`
}

var campaignCreateCmd = &command{
	name:     "create",
	synopsis: "--file campaign.json",
	example:  "starter campaign create --file campaign.json",
	run:      campaignCreate,
}

func campaignCreate(e *env, c *cmdline) int {
	file := c.fs.String("file", "", e.t("cli.flag.campaign.create.file"))
	if _, code, ok := c.parse(0, 0); !ok {
		return code
	}
	if *file == "" {
		return c.usageError(e.t("cli.err.required", "--file"))
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}
	body, err := readJSONFile(e, *file)
	if err != nil {
		return e.fail(err)
	}
	if k := jsonKind(body); k != "an object" {
		return e.fail(errors.New(e.t("cli.campaign.want_object", *file, e.kind(k))))
	}
	resp, err := cl.do(e.ctx, http.MethodPost, apiPath("campaigns"), nil, body)
	if err != nil {
		return e.fail(err)
	}
	return e.show(resp, func(w io.Writer, body []byte) error {
		var cp campaign
		if err := json.Unmarshal(body, &cp); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n\n", e.t("cli.campaign.created", cp.ID))
		e.printCampaign(w, cp)
		return nil
	})
}

// printCampaign shows one campaign's definition.
func (e *env) printCampaign(w io.Writer, cp campaign) {
	var t table
	t.row("ID", dash(cp.ID))
	t.row(e.t("cli.label.name"), dash(cp.Name))
	t.row(e.t("cli.label.departments"), rawText(cp.Departments))
	t.row(e.t("cli.label.policy"), rawText(cp.Policy))
	t.row(e.t("cli.label.created"), dash(cp.CreatedAt))
	t.write(w)
	if len(cp.Categories) > 0 {
		fmt.Fprintf(w, "\n%s\n", e.t("cli.campaign.categories"))
		ct := table{}
		ct.row(e.t("cli.head.name"), e.t("cli.head.speed"), e.t("cli.head.working_days"))
		for _, cat := range cp.Categories {
			ct.row(dash(cat.Name), dash(cat.Speed), rawText(cat.WorkingDays))
		}
		ct.write(w)
	}
}

var campaignListCmd = &command{
	name:     "list",
	synopsis: "",
	example:  "starter campaign list\nstarter campaign list --json",
	run:      campaignList,
}

func campaignList(e *env, c *cmdline) int {
	if _, code, ok := c.parse(0, 0); !ok {
		return code
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}
	resp, err := cl.do(e.ctx, http.MethodGet, apiPath("campaigns"), nil, nil)
	if err != nil {
		return e.fail(err)
	}
	return e.show(resp, func(w io.Writer, body []byte) error {
		var list struct {
			Campaigns []campaign `json:"campaigns"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return err
		}
		if len(list.Campaigns) == 0 {
			fmt.Fprintln(w, e.t("cli.campaign.none"))
			return nil
		}
		var t table
		t.row("ID", e.t("cli.head.name"), e.t("cli.head.categories"), e.t("cli.head.created"))
		for _, cp := range list.Campaigns {
			t.row(cp.ID, dash(cp.Name), strconv.Itoa(len(cp.Categories)), dash(cp.CreatedAt))
		}
		t.write(w)
		return nil
	})
}

// stats is a campaign's dashboard figures. Rates are 0–1 and may be absent while
// nothing has been collected or closed.
type stats struct {
	CampaignID       string         `json:"campaign_id"`
	Collected        int            `json:"collected"`
	Pending          int            `json:"pending"`
	InProgress       int            `json:"in_progress"`
	Closed           int            `json:"closed"`
	Excluded         int            `json:"excluded"`
	Overdue          int            `json:"overdue"`
	Supervised       int            `json:"supervised"`
	Accountability   int            `json:"accountability"`
	ClosedOnTime     int            `json:"closed_on_time"`
	OnTheSpot        int            `json:"on_the_spot"`
	LongTerm         int            `json:"long_term"`
	CompletionRate   *float64       `json:"completion_rate"`
	OnTimeRate       *float64       `json:"on_time_rate"`
	SatisfactionRate *float64       `json:"satisfaction_rate"`
	ByState          map[string]int `json:"by_state"`
	ByCategory       []breakdown    `json:"by_category"`
	ByDepartment     []breakdown    `json:"by_department"`
}

// breakdown is one row of the per-category or per-department figures.
type breakdown struct {
	Name           string   `json:"name"`
	Collected      int      `json:"collected"`
	InProgress     int      `json:"in_progress"`
	Closed         int      `json:"closed"`
	Overdue        int      `json:"overdue"`
	CompletionRate *float64 `json:"completion_rate"`
	OnTimeRate     *float64 `json:"on_time_rate"`
}

var campaignLedgerCmd = &command{
	name:     "ledger",
	synopsis: "<campaign-id> --out PATH [--open]",
	example: "starter campaign ledger <campaign-id> --out 整改台账.xlsx\n" +
		"starter campaign ledger <campaign-id> --open --out open.csv",
	run: campaignLedger,
}

func campaignLedger(e *env, c *cmdline) int {
	out := c.fs.String("out", "", e.t("cli.flag.campaign.ledger.out"))
	open := c.fs.Bool("open", false, e.t("cli.flag.campaign.ledger.open"))
	pos, code, ok := c.parse(1, 1)
	if !ok {
		return code
	}
	if *out == "" {
		return c.usageError(e.t("cli.err.required", "--out"))
	}
	if msg := checkDownloadPath(e, "--out", *out); msg != "" {
		return c.usageError(msg)
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}
	ref := apiPath("campaigns", pos[0], "ledger"+strings.ToLower(filepath.Ext(*out)))
	if *open {
		ref += "?open=true"
	}
	if err := saveDownload(e, cl, ref, *out); err != nil {
		return e.fail(err)
	}
	fmt.Fprintln(e.stdout, e.t("cli.campaign.ledger_saved", pos[0], *out))
	return exitOK
}

var campaignStatsCmd = &command{
	name:     "stats",
	synopsis: "<campaign-id>",
	example:  "starter campaign stats <campaign-id>",
	run:      campaignStats,
}

func campaignStats(e *env, c *cmdline) int {
	return showOne(e, c, func(id string) string { return apiPath("campaigns", id, "stats") }, func(w io.Writer, body []byte) error {
		var s stats
		if err := json.Unmarshal(body, &s); err != nil {
			return err
		}
		e.printStats(w, s)
		return nil
	})
}

// printStats shows the headline figures first, then the breakdowns a leader drills
// into.
func (e *env) printStats(w io.Writer, s stats) {
	var t table
	t.row(e.t("cli.label.campaign"), dash(s.CampaignID))
	t.row(e.t("cli.stats.collected"), strconv.Itoa(s.Collected))
	t.row(e.t("cli.stats.pending"), strconv.Itoa(s.Pending))
	t.row(e.t("cli.stats.in_progress"), strconv.Itoa(s.InProgress))
	t.row(e.t("cli.stats.closed"), strconv.Itoa(s.Closed))
	t.row(e.t("cli.stats.excluded"), strconv.Itoa(s.Excluded))
	t.row(e.t("cli.stats.overdue"), strconv.Itoa(s.Overdue))
	t.row(e.t("cli.stats.supervised"), strconv.Itoa(s.Supervised))
	t.row(e.t("cli.stats.accountability"), strconv.Itoa(s.Accountability))
	t.row(e.t("cli.stats.closed_on_time"), strconv.Itoa(s.ClosedOnTime))
	t.row(e.t("cli.stats.on_the_spot"), strconv.Itoa(s.OnTheSpot))
	t.row(e.t("cli.stats.long_term"), strconv.Itoa(s.LongTerm))
	t.row(e.t("cli.stats.completion_rate"), pct(s.CompletionRate))
	t.row(e.t("cli.stats.on_time_rate"), pct(s.OnTimeRate))
	t.row(e.t("cli.stats.satisfaction_rate"), pct(s.SatisfactionRate))
	t.write(w)

	if len(s.ByState) > 0 {
		fmt.Fprintf(w, "\n%s\n", e.t("cli.stats.by_state"))
		var st table
		st.row(e.t("cli.head.state"), e.t("cli.head.count"))
		for _, name := range orderedStates(s.ByState) {
			st.row(e.word("state.", name), strconv.Itoa(s.ByState[name]))
		}
		st.write(w)
	}
	e.printBreakdown(w, e.t("cli.stats.by_category"), e.t("cli.head.category"), s.ByCategory)
	e.printBreakdown(w, e.t("cli.stats.by_department"), e.t("cli.head.department"), s.ByDepartment)
}

// printBreakdown shows per-category or per-department rows.
func (e *env) printBreakdown(w io.Writer, title, nameHeader string, rows []breakdown) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", title)
	var t table
	t.row(nameHeader, e.t("cli.head.collected"), e.t("cli.head.in_progress"), e.t("cli.head.closed"), e.t("cli.head.overdue"),
		e.t("cli.head.completion"), e.t("cli.head.on_time"))
	for _, r := range rows {
		t.row(dash(r.Name), strconv.Itoa(r.Collected), strconv.Itoa(r.InProgress),
			strconv.Itoa(r.Closed), strconv.Itoa(r.Overdue), pct(r.CompletionRate), pct(r.OnTimeRate))
	}
	t.write(w)
}

// orderedStates lists the states present in lifecycle order, so the table reads like
// the process; states this starter does not know come last, sorted.
func orderedStates(m map[string]int) []string {
	var out []string
	known := map[string]bool{}
	for _, s := range states {
		known[s] = true
		if _, ok := m[s]; ok {
			out = append(out, s)
		}
	}
	var extra []string
	for s := range m {
		if !known[s] {
			extra = append(extra, s)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

var campaignSettingsCmd = &command{
	name:     "settings",
	synopsis: "<campaign-id> [--file patch.json]",
	example: "starter campaign settings <campaign-id>\n" +
		"echo '{\"departments\": [{\"name\": \"城管科\", \"aliases\": [\"城市管理科\"]}]}' | starter campaign settings <campaign-id> --file -",
	run: campaignSettings,
}

// change is one recorded change of a campaign's settings.
type change struct {
	Revision int             `json:"revision"`
	At       string          `json:"at"`
	Actor    string          `json:"actor"`
	Field    string          `json:"field"`
	Before   json.RawMessage `json:"before"`
	After    json.RawMessage `json:"after"`
}

func campaignSettings(e *env, c *cmdline) int {
	file := c.fs.String("file", "", e.t("cli.flag.campaign.settings.file"))
	pos, code, ok := c.parse(1, 1)
	if !ok {
		return code
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}
	if *file != "" {
		body, err := readJSONFile(e, *file)
		if err != nil {
			return e.fail(err)
		}
		if k := jsonKind(body); k != "an object" {
			return e.fail(errors.New(e.t("cli.campaign.want_patch", *file, e.kind(k))))
		}
		resp, err := cl.do(e.ctx, http.MethodPatch, apiPath("campaigns", pos[0]), nil, body)
		if err != nil {
			return e.fail(err)
		}
		if e.jsonOut {
			return e.show(resp, nil)
		}
		var cp struct {
			campaign
			Revision int `json:"revision"`
		}
		if err := json.Unmarshal(resp, &cp); err == nil {
			fmt.Fprintf(e.stdout, "%s\n\n", e.t("cli.campaign.revision", cp.ID, cp.Revision))
		}
	}
	resp, err := cl.do(e.ctx, http.MethodGet, apiPath("campaigns", pos[0], "changes"), nil, nil)
	if err != nil {
		return e.fail(err)
	}
	return e.show(resp, func(w io.Writer, body []byte) error {
		var list struct {
			Changes []change `json:"changes"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return err
		}
		if len(list.Changes) == 0 {
			fmt.Fprintln(w, e.t("cli.campaign.no_changes"))
			return nil
		}
		var t table
		t.row(e.t("cli.head.revision"), e.t("cli.head.at"), e.t("cli.head.by"), e.t("cli.head.setting"), e.t("cli.head.before"), e.t("cli.head.after"))
		for _, ch := range list.Changes {
			t.row(strconv.Itoa(ch.Revision), dash(ch.At), dash(ch.Actor), ch.Field, rawText(ch.Before), rawText(ch.After))
		}
		t.write(w)
		return nil
	})
}
