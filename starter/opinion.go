package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// states are the opinion states of the API contract, in lifecycle order. starter
// checks --state against them so a typo fails here, with the list, not as an empty
// result.
var states = []string{
	"received", "categorized", "assigned", "in_progress", "submitted",
	"awaiting_callback", "closed", "returned", "rejected", "merged", "cancelled",
}

// opinion is an opinion as the API returns it (the list omits the timeline). Fields
// whose shape the contract leaves open are kept raw and only displayed.
type opinion struct {
	ID                  string          `json:"id"`
	CampaignID          string          `json:"campaign_id"`
	Key                 string          `json:"key"`
	Content             string          `json:"content"`
	Channel             string          `json:"channel"`
	CollectedAt         string          `json:"collected_at"`
	State               string          `json:"state"`
	Category            string          `json:"category"`
	SuggestedCategory   string          `json:"suggested_category"`
	Department          string          `json:"department"`
	Official            string          `json:"official"`
	Leader              string          `json:"leader"`
	Deadline            string          `json:"deadline"`
	DeadlineExplanation string          `json:"deadline_explanation"`
	OverdueLevel        string          `json:"overdue_level"`
	WorkingDaysLeft     json.RawMessage `json:"working_days_left"`
	Extensions          json.RawMessage `json:"extensions"`
	ReworkCount         json.RawMessage `json:"rework_count"`
	OnTheSpot           bool            `json:"on_the_spot"`
	FixedOn             string          `json:"fixed_on"`
	LongTerm            bool            `json:"long_term"`
	Reports             []struct {
		Due     string `json:"due"`
		Percent int    `json:"percent"`
		Late    bool   `json:"late"`
	} `json:"reports"`
	Timeline []event `json:"timeline"`
}

// event is one timeline line: who did what, when, and why.
type event struct {
	Seq    json.RawMessage `json:"seq"`
	At     string          `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	From   string          `json:"from"`
	To     string          `json:"to"`
	Reason string          `json:"reason"`
	Detail json.RawMessage `json:"detail"`
}

// checkState says what is wrong with a --state value, or "" when it is a state.
func (e *env) checkState(s string) string {
	if !slices.Contains(states, s) {
		return e.t("cli.opinion.unknown_state", s, strings.Join(states, ", "))
	}
	return ""
}

// opinionPage is one page of the opinion list (GET /api/v1/opinions): total counts
// every match, and next_page_token is there while more follow.
type opinionPage struct {
	Opinions      []opinion `json:"opinions"`
	Total         int       `json:"total"`
	NextPageToken string    `json:"next_page_token"`
}

var opinionSubmitCmd = &command{
	name:     "submit",
	synopsis: "--campaign ID --file opinions.json",
	example:  "starter opinion submit --campaign <campaign-id> --file opinions.json",
	run:      opinionSubmit,
}

// submitResult is one item's outcome in --json mode: the body the server answered,
// or the error.
type submitResult struct {
	Index   int             `json:"index"`
	Opinion json.RawMessage `json:"opinion,omitempty"`
	Status  int             `json:"status,omitempty"`
	Error   *submitError    `json:"error,omitempty"`
}

// submitError mirrors the API's error envelope so --json output reads the same way.
type submitError struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

func opinionSubmit(e *env, c *cmdline) int {
	campaignID := c.fs.String("campaign", "", e.t("cli.flag.opinion.submit.campaign"))
	file := c.fs.String("file", "", e.t("cli.flag.opinion.submit.file"))
	if _, code, ok := c.parse(0, 0); !ok {
		return code
	}
	switch {
	case *campaignID == "":
		return c.usageError(e.t("cli.err.required", "--campaign"))
	case *file == "":
		return c.usageError(e.t("cli.err.required", "--file"))
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}
	items, err := loadItems(e, *file)
	if err != nil {
		return e.fail(err)
	}

	path := apiPath("campaigns", *campaignID, "opinions")
	var results []submitResult
	failed := 0
	for i, item := range items {
		label := itemLabel(i, item)
		if k := jsonKind(item); k != "an object" {
			failed++
			msg := e.t("cli.opinion.want_object", e.kind(k))
			results = append(results, submitResult{Index: i, Error: &submitError{Code: "invalid_item", Message: msg}})
			if !e.jsonOut {
				fmt.Fprintf(e.stdout, "%s: %s\n", label, e.t("cli.msg.error", msg))
			}
			continue
		}
		resp, err := cl.do(e.ctx, http.MethodPost, path, nil, item)
		var ae *apiError
		switch {
		case err == nil:
			results = append(results, submitResult{Index: i, Opinion: resp})
			if !e.jsonOut {
				var op opinion
				_ = json.Unmarshal(resp, &op) // a surprising body still counts as submitted
				fmt.Fprintf(e.stdout, "%s: %s %s\n", label, dash(op.ID), e.word("state.", op.State))
			}
		case errors.As(err, &ae):
			failed++
			results = append(results, submitResult{Index: i, Status: ae.Status, Error: &submitError{Code: ae.Code, Message: ae.Message}})
			if !e.jsonOut {
				fmt.Fprintf(e.stdout, "%s: %s\n", label, e.t("cli.msg.error", err))
			}
		default:
			// Unreachable server or Ctrl-C: sending the rest would only repeat the
			// failure (or wait out a timeout per item), so stop and say what is left.
			if e.jsonOut {
				printResults(e.stdout, results)
			}
			fmt.Fprintln(e.stderr, e.t("cli.msg.error", e.t("cli.opinion.item_error", i, err)))
			fmt.Fprintln(e.stderr, e.t("cli.opinion.stopped", i-failed, len(items), i, len(items)-1))
			return exitFail
		}
	}
	if e.jsonOut {
		printResults(e.stdout, results)
	}
	if failed > 0 {
		fmt.Fprintln(e.stderr, e.t("cli.opinion.failed", failed, len(items)))
		return exitFail
	}
	return exitOK
}

// loadItems reads a submit file: one object, or an array of items.
func loadItems(e *env, file string) ([]json.RawMessage, error) {
	raw, err := readJSONFile(e, file)
	if err != nil {
		return nil, err
	}
	if jsonKind(raw) != "an array" {
		if k := jsonKind(raw); k != "an object" {
			return nil, errors.New(e.t("cli.opinion.want_items", file, e.kind(k)))
		}
		return []json.RawMessage{raw}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, e.jsonError(file, raw, err)
	}
	if len(items) == 0 {
		return nil, errors.New(e.t("cli.opinion.empty_array", file))
	}
	return items, nil
}

// itemLabel names an item by index and, when it has one, by its key, so a failure can
// be found in the source spreadsheet.
func itemLabel(i int, item json.RawMessage) string {
	var k struct {
		Key string `json:"key"`
	}
	if json.Unmarshal(item, &k) == nil && k.Key != "" {
		return fmt.Sprintf("item %d (key %s)", i, k.Key)
	}
	return fmt.Sprintf("item %d", i)
}

// printResults writes the --json form of a submit run.
func printResults(w io.Writer, results []submitResult) {
	if results == nil {
		results = []submitResult{}
	}
	data, _ := json.MarshalIndent(results, "", "  ")
	fmt.Fprintf(w, "%s\n", data)
}

var opinionListCmd = &command{
	name:     "list",
	synopsis: "[flags]",
	example: "starter opinion list --campaign <campaign-id> --state in_progress\n" +
		"starter opinion list --campaign <campaign-id> --state received --q 路灯 --collected-from 2025-03-01\n" +
		"starter opinion list --mine --overdue --limit 20",
	run: opinionList,
}

func opinionList(e *env, c *cmdline) int {
	campaignID := c.fs.String("campaign", "", e.t("cli.flag.opinion.list.campaign"))
	state := c.fs.String("state", "", e.t("cli.flag.opinion.list.state", strings.Join(states, ", ")))
	cat := c.fs.String("category", "", e.t("cli.flag.opinion.list.category"))
	dept := c.fs.String("department", "", e.t("cli.flag.opinion.list.department"))
	filters := addTriageFilters(e, c.fs)
	mine := c.fs.Bool("mine", false, e.t("cli.flag.opinion.list.mine"))
	overdue := c.fs.Bool("overdue", false, e.t("cli.flag.opinion.list.overdue"))
	limit := c.fs.Int("limit", 0, e.t("cli.flag.opinion.list.limit"))
	pageToken := c.fs.String("page-token", "", e.t("cli.flag.opinion.list.page-token"))
	if _, code, ok := c.parse(0, 0); !ok {
		return code
	}
	set := c.set()
	if *state != "" {
		if msg := e.checkState(*state); msg != "" {
			return c.usageError(msg)
		}
	}
	if msg := filters.check(e); msg != "" {
		return c.usageError(msg)
	}
	if set["limit"] && *limit <= 0 {
		return c.usageError(e.t("cli.opinion.limit"))
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}

	q := filters.query()
	for name, v := range map[string]string{"campaign": *campaignID, "state": *state, "category": *cat, "department": *dept,
		"page_token": *pageToken} {
		if v != "" {
			q.Set(name, v)
		}
	}
	if *mine {
		q.Set("assignee", "me")
	}
	if *overdue {
		q.Set("overdue", "true")
	}
	if set["limit"] {
		q.Set("limit", strconv.Itoa(*limit))
	}

	resp, err := cl.do(e.ctx, http.MethodGet, apiPath("opinions"), q, nil)
	if err != nil {
		return e.fail(err)
	}
	return e.show(resp, func(w io.Writer, body []byte) error {
		var list opinionPage
		if err := json.Unmarshal(body, &list); err != nil {
			return err
		}
		if len(list.Opinions) == 0 {
			fmt.Fprintln(w, e.t("cli.opinion.none"))
			return nil
		}
		var t table
		t.row("ID", e.t("cli.head.state"), e.t("cli.head.category"), e.t("cli.head.department"), e.t("cli.head.official"),
			e.t("cli.head.deadline"), e.t("cli.head.overdue"), e.t("cli.head.days_left"), e.t("cli.head.content"))
		for _, op := range list.Opinions {
			t.row(op.ID, e.word("state.", op.State), dash(op.Category), dash(op.Department), dash(op.Official),
				dash(op.Deadline), e.word("level.", op.OverdueLevel), rawText(op.WorkingDaysLeft), truncate(oneLine(op.Content), 40))
		}
		t.write(w)
		fmt.Fprintf(w, "\n%s\n", e.t("cli.opinion.shown", len(list.Opinions), list.Total))
		if list.NextPageToken != "" {
			fmt.Fprintln(w, e.t("cli.opinion.next_page", list.NextPageToken))
		}
		return nil
	})
}

// triageFilters are the filters of the opinion list that narrow the triage queue,
// each a flag named after its parameter with '-' for '_'. opinion list and bulk take
// them all, so a bulk selects what the list shows for the same flags.
var triageFilters = []string{"q", "channel", "suggested_category", "collected_from", "collected_to", "target", "target_kind"}

// targetKinds are the values target_kind takes.
var targetKinds = []string{"team", "individual"}

// filterFlags holds the triage filters' flags, by parameter name.
type filterFlags map[string]*string

// addTriageFilters registers the triage filters on fs.
func addTriageFilters(e *env, fs *flag.FlagSet) filterFlags {
	f := filterFlags{}
	for _, param := range triageFilters {
		f[param] = fs.String(strings.ReplaceAll(param, "_", "-"), "", e.t("cli.flag.filter."+param))
	}
	return f
}

// check says what is wrong with the filters given, or "": dates and the target kind
// are checked here, so a typo fails before a round trip.
func (f filterFlags) check(e *env) string {
	for _, p := range []string{"collected_from", "collected_to"} {
		if v := *f[p]; v != "" {
			if msg := e.checkDate("--"+strings.ReplaceAll(p, "_", "-"), v); msg != "" {
				return msg
			}
		}
	}
	if v := *f["target_kind"]; v != "" && !slices.Contains(targetKinds, v) {
		return e.t("cli.opinion.target_kind", v)
	}
	return ""
}

// any reports whether a filter was given.
func (f filterFlags) any() bool {
	for _, v := range f {
		if *v != "" {
			return true
		}
	}
	return false
}

// query is the filters given as the list's parameters.
func (f filterFlags) query() url.Values {
	q := url.Values{}
	for p, v := range f {
		if *v != "" {
			q.Set(p, *v)
		}
	}
	return q
}

var opinionShowCmd = &command{
	name:     "show",
	synopsis: "<opinion-id>",
	example:  "starter opinion show <opinion-id>",
	run:      opinionShow,
}

func opinionShow(e *env, c *cmdline) int {
	return showOne(e, c, func(id string) string { return apiPath("opinions", id) }, func(w io.Writer, body []byte) error {
		var op opinion
		if err := json.Unmarshal(body, &op); err != nil {
			return err
		}
		e.printOpinion(w, op, true)
		return nil
	})
}

// printOpinion shows an opinion's fields and, if asked, its timeline.
func (e *env) printOpinion(w io.Writer, op opinion, withTimeline bool) {
	var t table
	t.row("ID", dash(op.ID))
	t.row(e.t("cli.label.campaign"), dash(op.CampaignID))
	t.row(e.t("cli.label.key"), dash(op.Key))
	t.row(e.t("cli.label.state"), e.word("state.", op.State))
	cat := dash(op.Category)
	if op.SuggestedCategory != "" && op.SuggestedCategory != op.Category {
		cat += e.t("cli.opinion.suggested", op.SuggestedCategory)
	}
	t.row(e.t("cli.label.category"), cat)
	t.row(e.t("cli.label.department"), dash(op.Department))
	t.row(e.t("cli.label.official"), dash(op.Official))
	t.row(e.t("cli.label.leader"), dash(op.Leader))
	deadline := dash(op.Deadline)
	if op.DeadlineExplanation != "" {
		deadline += " (" + op.DeadlineExplanation + ")"
	}
	if op.LongTerm {
		t.row(e.t("cli.label.track"), e.t("cli.opinion.long_term", len(op.Reports)))
	}
	if op.OnTheSpot {
		t.row(e.t("cli.label.on_the_spot"), op.FixedOn)
	}
	t.row(e.t("cli.label.deadline"), deadline)
	t.row(e.t("cli.label.overdue"), e.word("level.", op.OverdueLevel))
	t.row(e.t("cli.label.days_left"), rawText(op.WorkingDaysLeft))
	t.row(e.t("cli.label.extensions"), rawText(op.Extensions))
	t.row(e.t("cli.label.rework"), rawText(op.ReworkCount))
	t.row(e.t("cli.label.channel"), dash(op.Channel))
	t.row(e.t("cli.label.collected_at"), dash(op.CollectedAt))
	t.row(e.t("cli.label.content"), dash(op.Content))
	t.write(w)
	if !withTimeline {
		return
	}
	fmt.Fprintf(w, "\n%s\n", e.t("cli.opinion.timeline"))
	if len(op.Timeline) == 0 {
		fmt.Fprintf(w, "  %s\n", e.t("cli.opinion.empty"))
		return
	}
	var tl table
	tl.row(e.t("cli.head.seq"), e.t("cli.head.at"), e.t("cli.head.actor"), e.t("cli.head.action"), e.t("cli.head.transition"), e.t("cli.head.reason"))
	for _, ev := range op.Timeline {
		tl.row(rawText(ev.Seq), dash(ev.At), dash(ev.Actor), e.word("action.", ev.Action), e.transition(ev.From, ev.To), dash(ev.Reason))
	}
	tl.write(w)
}

// transition renders a state change; events that change nothing (a reminder, an
// escalation) show only the state they left the opinion in.
func (e *env) transition(from, to string) string {
	switch {
	case from == "" && to == "":
		return "-"
	case from == "" || from == to:
		return e.word("state.", to)
	case to == "":
		return e.word("state.", from)
	}
	return e.word("state.", from) + " → " + e.word("state.", to)
}
