package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"rectify/internal/web/i18n"
)

// bulkActions are the actions a bulk takes: triage's. starter refuses any other
// itself, listing these, before anything is sent.
var bulkActions = []string{"categorize", "assign", "merge", "reject", "cancel"}

// bulkFields are the body flags bulk takes: the fields its actions read.
var bulkFields = []string{"category", "into", "reason", "department", "official", "leader", "measures", "deadline", "report_every_months"}

// triageStates are the states in which an opinion waits on the office to be sorted,
// the web app's triage queue: what filters select unless --state says otherwise.
var triageStates = []string{"received", "categorized", "returned"}

const (
	// maxBulkOpinions is the most opinions one bulk takes.
	maxBulkOpinions = 10_000
	// listPageSize is the most opinions one page of the list has.
	listPageSize = 500
	// shownMatches is how many of the opinions selected a dry run or the question
	// before a bulk shows.
	shownMatches = 10
	// bulkRunning is the state of a bulk still working through its opinions.
	bulkRunning = "running"
)

// bulkJob is a bulk as the API returns it (POST /api/v1/campaigns/{id}/bulk,
// GET /api/v1/bulks/{id}): its counts, total = done + refused + waiting, and a page
// of what became of each opinion, in the order they were listed.
type bulkJob struct {
	ID            string       `json:"id"`
	CampaignID    string       `json:"campaign_id"`
	Action        string       `json:"action"`
	CreatedBy     string       `json:"created_by"`
	CreatedAt     string       `json:"created_at"`
	FinishedAt    string       `json:"finished_at"`
	State         string       `json:"state"`
	Total         int          `json:"total"`
	Done          int          `json:"done"`
	Refused       int          `json:"refused"`
	Waiting       int          `json:"waiting"`
	Results       []bulkResult `json:"results"`
	NextPageToken string       `json:"next_page_token"`
}

// bulkResult is what became of one opinion of a bulk: waiting, done, or refused with
// the error a single action would have got.
type bulkResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

var bulkCmd = &command{
	name:     "bulk",
	synopsis: "--campaign ID <action> [action flags] (--opinions ID,… | --file FILE | filters) [--dry-run] [--yes]",
	more:     func(e *env) string { return actionTable(e, bulkActions) },
	example: "starter bulk --campaign <campaign-id> assign --opinions <id>,<id> --department 城管科 --official official --leader leader\n" +
		"starter bulk --campaign <campaign-id> categorize --file ids.txt --category 群众需要解决的问题\n" +
		"starter bulk --campaign <campaign-id> reject --state received --q 测试 --reason '测试数据' --dry-run\n" +
		"starter bulk --campaign <campaign-id> assign --state categorized --q 路灯 --department 城管科 --official official --leader leader --yes",
	run: bulkRun,
}

func bulkRun(e *env, c *cmdline) int {
	campaignID := c.fs.String("campaign", "", e.t("cli.flag.bulk.campaign"))
	idList := c.fs.String("opinions", "", e.t("cli.flag.bulk.opinions"))
	idFile := c.fs.String("file", "", e.t("cli.flag.bulk.file"))
	stateList := c.fs.String("state", "", e.t("cli.flag.bulk.state", strings.Join(triageStates, ",")))
	filters := addTriageFilters(e, c.fs)
	dryRun := c.fs.Bool("dry-run", false, e.t("cli.flag.bulk.dry-run"))
	yes := c.fs.Bool("yes", false, e.t("cli.flag.bulk.yes"))
	flags := addActionFlags(e, c.fs, bulkFields...)
	pos, code, ok := c.parse(1, 1)
	if !ok {
		return code
	}
	action := pos[0]
	if !slices.Contains(bulkActions, action) {
		msg := unknownAction(e, action, bulkActions)
		if slices.Contains(actionNames(), action) {
			msg += e.t("cli.bulk.one_at_a_time", action)
		}
		return c.usageError(msg)
	}
	set := c.set()
	body, msg := flags.body(set)
	if msg != "" {
		return c.usageError(msg)
	}
	byID := set["opinions"] || set["file"]
	byFilter := *stateList != "" || filters.any()
	switch {
	case *campaignID == "":
		return c.usageError(e.t("cli.err.required", "--campaign"))
	case byID && byFilter:
		return c.usageError(e.t("cli.bulk.not_both"))
	case !byID && !byFilter:
		return c.usageError(e.t("cli.bulk.which"))
	}
	selected := triageStates
	if *stateList != "" {
		selected, _ = unique(splitList(*stateList))
		if len(selected) == 0 {
			return c.usageError(e.t("cli.bulk.no_state"))
		}
		for _, s := range selected {
			if msg := e.checkState(s); msg != "" {
				return c.usageError(msg)
			}
		}
	}
	if msg := filters.check(e); msg != "" {
		return c.usageError(msg)
	}
	ids := splitList(*idList)
	if set["opinions"] && len(ids) == 0 {
		return c.usageError(e.t("cli.bulk.no_id"))
	}
	if set["file"] && *idFile == "" {
		return c.usageError(e.t("cli.bulk.no_file"))
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}

	pw := e.notes()
	var shown []opinion // with filters, the first opinions selected, to show
	if byFilter {
		var matched int
		var err error
		ids, shown, matched, err = selectOpinions(e, cl, *campaignID, selected, filters.query())
		if err != nil {
			return e.fail(err)
		}
		if matched > maxBulkOpinions {
			fmt.Fprintln(e.stderr, e.t("cli.msg.error", e.t("cli.bulk.too_many_match", thousands(matched), thousands(maxBulkOpinions))))
			return exitFail
		}
		if len(ids) == 0 {
			fmt.Fprintln(pw, e.t("cli.bulk.none"))
			return exitOK
		}
	} else if set["file"] {
		fromFile, err := readIDs(e, *idFile)
		if err != nil {
			return e.fail(err)
		}
		ids = append(ids, fromFile...)
	}
	ids, repeated := unique(ids)
	if repeated > 0 {
		fmt.Fprintln(e.stderr, e.count(repeated, "cli.bulk.repeated"))
	}
	if len(ids) > maxBulkOpinions {
		return c.usageError(e.t("cli.bulk.too_many_listed", thousands(len(ids)), thousands(maxBulkOpinions)))
	}

	request := map[string]any{"action": action, "opinions": ids, "body": body}
	if *dryRun || (byFilter && !*yes) {
		e.printSelection(pw, ids, shown, byFilter)
	}
	if *dryRun {
		if e.jsonOut {
			data, _ := json.Marshal(request)
			printJSON(e.stdout, data)
		}
		fmt.Fprintln(pw, e.t("cli.bulk.dry_run", action, e.count(len(ids), "cli.bulk.opinions")))
		return exitOK
	}
	if byFilter && !*yes && !confirm(e, pw, e.t("cli.bulk.confirm", e.t("cli.bulk.verb."+action), e.count(len(ids), "cli.bulk.opinions"))) {
		fmt.Fprintln(e.stderr, e.t("cli.bulk.not_confirmed"))
		return exitFail
	}

	payload, err := json.Marshal(request)
	if err != nil {
		return e.fail(err)
	}
	status, resp, err := cl.doStatus(e.ctx, http.MethodPost, apiPath("campaigns", *campaignID, "bulk"), nil, payload)
	if err != nil {
		code := e.fail(err)
		var ae *apiError
		if e.ctx.Err() != nil || (errors.As(err, &ae) && ae.Status == http.StatusServiceUnavailable) {
			fmt.Fprintln(e.stderr, e.t("cli.bulk.may_have_started", *campaignID))
		}
		return code
	}
	var b bulkJob
	if err := json.Unmarshal(resp, &b); err != nil || b.ID == "" {
		fmt.Fprintln(e.stderr, e.t("cli.bulk.not_a_bulk"))
		printJSON(e.stderr, resp)
		return exitFail
	}
	if status == http.StatusAccepted || b.State == bulkRunning {
		if b, resp, err = followBulk(e, cl, b, resp, pw); err != nil {
			if e.ctx.Err() != nil {
				fmt.Fprintln(e.stderr, e.t("cli.bulk.stopped_waiting", b.ID))
				return exitFail
			}
			e.fail(err)
			fmt.Fprintln(e.stderr, e.t("cli.bulk.may_be_running", b.ID))
			return exitFail
		}
	}
	return finishBulk(e, cl, b, resp)
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// readIDs reads a file of opinion ids, one a line ("-" is stdin). Blank lines are
// skipped and # starts a comment; a line holding more than one word is refused,
// naming its line, rather than sent as one id. A spreadsheet's byte-order mark and
// Windows line ends are taken as they come.
func readIDs(e *env, path string) ([]string, error) {
	data, err := readInput(e, path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var ids []string
	for i, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.ContainsAny(line, " \t,;") {
			return nil, errors.New(e.t("cli.bulk.not_an_id", path, i+1, line))
		}
		ids = append(ids, line)
	}
	if len(ids) == 0 {
		return nil, errors.New(e.t("cli.bulk.file_no_id", path))
	}
	return ids, nil
}

// unique keeps the first of each value, in order, and counts the repeats dropped:
// the server refuses a bulk that lists an opinion twice.
func unique(values []string) ([]string, int) {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, len(values) - len(out)
}

// selectOpinions pages through the campaign's opinions in each of states that the
// filters in q select, and returns their ids, the first shownMatches of them, and
// how many match. The first page of each state tells how many match it: when that
// is more than a bulk takes, the rest is not fetched and ids is nil.
func selectOpinions(e *env, cl *client, campaignID string, states []string, q url.Values) (ids []string, shown []opinion, matched int, err error) {
	page := func(state, token string) (opinionPage, error) {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("campaign", campaignID)
		pq.Set("state", state)
		pq.Set("limit", strconv.Itoa(listPageSize))
		if token != "" {
			pq.Set("page_token", token)
		}
		p, _, err := getJSON[opinionPage](e, cl, apiPath("opinions"), pq)
		return p, err
	}
	var ops []opinion
	type rest struct{ state, token string }
	var more []rest
	for _, st := range states {
		p, err := page(st, "")
		if err != nil {
			return nil, nil, 0, err
		}
		matched += p.Total
		ops = append(ops, p.Opinions...)
		if p.NextPageToken != "" {
			more = append(more, rest{st, p.NextPageToken})
		}
	}
	if matched > maxBulkOpinions {
		return nil, nil, matched, nil
	}
	for _, r := range more {
		for token := r.token; token != "" && len(ops) <= maxBulkOpinions; {
			p, err := page(r.state, token)
			if err != nil {
				return nil, nil, 0, err
			}
			if len(p.Opinions) == 0 {
				break // the list shrank meanwhile
			}
			ops = append(ops, p.Opinions...)
			token = p.NextPageToken
		}
	}
	// The list is a position at each request, so an opinion whose urgency changed
	// meanwhile may come twice.
	seen := map[string]bool{}
	for _, op := range ops {
		if op.ID != "" && !seen[op.ID] {
			seen[op.ID] = true
			ids = append(ids, op.ID)
			if len(shown) < shownMatches {
				shown = append(shown, op)
			}
		}
	}
	return ids, shown, len(ids), nil
}

// printSelection says how many opinions were selected and shows the first: with
// filters the opinions themselves, by id only their ids.
func (e *env) printSelection(w io.Writer, ids []string, shown []opinion, byFilter bool) {
	if byFilter {
		fmt.Fprintf(w, "%s\n\n", e.t("cli.bulk.match", e.count(len(ids), "cli.bulk.opinions")))
		var t table
		t.row("ID", e.t("cli.head.state"), e.t("cli.head.channel"), e.t("cli.head.collected_at"), e.t("cli.head.suggested"), e.t("cli.head.content"))
		for _, op := range shown {
			t.row(op.ID, e.word("state.", op.State), dash(op.Channel), dash(op.CollectedAt), dash(op.SuggestedCategory),
				truncate(oneLine(op.Content), 40))
		}
		t.write(w)
	} else {
		fmt.Fprintln(w, e.t("cli.bulk.listed", e.count(len(ids), "cli.bulk.opinions")))
		for _, id := range ids[:min(len(ids), shownMatches)] {
			fmt.Fprintf(w, "  %s\n", id)
		}
	}
	if more := len(ids) - min(len(ids), shownMatches); more > 0 {
		fmt.Fprintln(w, e.t("cli.batch.more", thousands(more)))
	}
	fmt.Fprintln(w)
}

// confirm asks question on w and reads the answer from stdin: only y or yes is yes,
// and no answer at all (a script's closed stdin) is no, and so is Ctrl-C, which
// would otherwise wait for Enter.
func confirm(e *env, w io.Writer, question string) bool {
	fmt.Fprintf(w, "%s [y/N] ", question)
	answers := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(e.stdin).ReadString('\n') // a read error is no answer
		answers <- line
	}()
	var answer string
	select {
	case <-e.ctx.Done():
	case answer = <-answers:
	}
	if !strings.HasSuffix(answer, "\n") {
		fmt.Fprintln(w) // the user's Enter did not end the question's line
	}
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes"
}

// followBulk polls a running bulk until every opinion is through, showing the
// progress. It returns the last bulk seen and its body; the error is ctx's when the
// user pressed Ctrl-C.
func followBulk(e *env, cl *client, b bulkJob, body []byte, pw io.Writer) (bulkJob, []byte, error) {
	fmt.Fprintln(pw, e.t("cli.bulk.started", b.ID, b.Action, thousands(b.Total), dash(b.CampaignID)))
	prog := &progress{e: e, w: pw, terminal: isTerminal(pw), label: b.Action}
	show := func(b bulkJob) {
		prog.show(b.Done+b.Refused, b.Total, e.t("cli.bulk.progress", thousands(b.Done), thousands(b.Total), thousands(b.Refused)))
	}
	show(b)
	// Polls ask for one result: the counts are what is wanted, the results come after.
	one := url.Values{"limit": {"1"}}
	err := pollUntil(e, prog, func() (bool, error) {
		nb, resp, err := getJSON[bulkJob](e, cl, apiPath("bulks", b.ID), one)
		if err != nil {
			return false, err
		}
		if nb.ID == "" {
			nb.ID = b.ID
		}
		b, body = nb, resp
		show(b)
		return b.State != bulkRunning, nil
	})
	prog.end()
	if err == nil && !e.jsonOut {
		fmt.Fprintln(pw) // set the summary apart from the progress
	}
	return b, body, err
}

// bulkResults pages through a bulk's results from the page b carries on.
func bulkResults(e *env, cl *client, b bulkJob) ([]bulkResult, error) {
	results := b.Results
	for token := b.NextPageToken; token != ""; {
		p, _, err := getJSON[bulkJob](e, cl, apiPath("bulks", b.ID), url.Values{"page_token": {token}})
		if err != nil {
			return results, err
		}
		if len(p.Results) == 0 {
			break
		}
		results = append(results, p.Results...)
		token = p.NextPageToken
	}
	return results, nil
}

// finishBulk prints the finished bulk, every result included (or its JSON), and
// returns the exit status it calls for.
func finishBulk(e *env, cl *client, b bulkJob, body []byte) int {
	// When a page of results cannot be had, the counts are still known: they are
	// shown with the results there are, then the error.
	results, resultsErr := bulkResults(e, cl, b)
	if e.jsonOut {
		var whole map[string]json.RawMessage
		if json.Unmarshal(body, &whole) == nil {
			if data, err := json.Marshal(results); err == nil && results != nil {
				whole["results"] = data
			}
			if resultsErr == nil {
				delete(whole, "next_page_token")
			}
			body, _ = json.Marshal(whole)
		}
		printJSON(e.stdout, body)
	} else {
		e.printBulk(e.stdout, b, results)
	}
	if resultsErr != nil {
		return e.fail(fmt.Errorf("%s: %w", e.t("cli.bulk.results", b.ID), resultsErr))
	}
	if b.Refused > 0 || b.State != stateDone {
		return exitFail
	}
	return exitOK
}

// printBulk writes the summary of a bulk: its figures, every refused opinion with
// the reason, and a last line that says what happened.
func (e *env) printBulk(w io.Writer, b bulkJob, results []bulkResult) {
	var t table
	t.row(e.t("cli.bulk.row.bulk"), b.ID)
	t.row(e.t("cli.label.campaign"), dash(b.CampaignID))
	t.row(e.t("cli.bulk.row.action"), dash(b.Action))
	t.row(e.t("cli.label.state"), dash(b.State))
	t.row(e.t("cli.label.opinions"), thousands(b.Total))
	t.row(e.t("cli.bulk.row.done"), thousands(b.Done))
	t.row(e.t("cli.bulk.row.refused"), thousands(b.Refused))
	if b.Waiting > 0 {
		t.row(e.t("cli.bulk.row.waiting"), thousands(b.Waiting))
	}
	if b.FinishedAt != "" {
		t.row(e.t("cli.batch.row.finished"), b.FinishedAt)
	}
	t.write(w)
	var rt table
	rt.row("ID", e.t("cli.head.code"), e.t("cli.head.message"))
	for _, r := range results {
		if r.Status == "refused" {
			rt.row(r.ID, dash(r.Error.Code), dash(r.Error.Message))
		}
	}
	if len(rt.rows) > 1 {
		fmt.Fprintf(w, "\n%s\n", e.t("cli.bulk.refused"))
		rt.write(w)
	}
	done := e.t("cli.bulk.done.other")
	if _, ok := i18n.Lookup(e.lang, "cli.bulk.done."+b.Action); ok {
		done = e.t("cli.bulk.done." + b.Action)
	}
	switch {
	case b.State != stateDone:
		fmt.Fprintf(w, "\n%s\n", e.t("cli.bulk.outcome.running", thousands(b.Done+b.Refused), thousands(b.Total), b.ID))
	case b.Refused == 0:
		fmt.Fprintf(w, "\n%s\n", e.t("cli.bulk.outcome.done", e.count(b.Total, "cli.bulk.opinions"), done))
	default:
		fmt.Fprintf(w, "\n%s\n", e.t("cli.bulk.outcome.refused", thousands(b.Done), thousands(b.Total), done, thousands(b.Refused)))
	}
}

// count is n of something in starter's language: key.one for one ("1 opinion"),
// key.many with the number for any other ("466 opinions").
func (e *env) count(n int, key string) string {
	if n == 1 {
		return e.t(key + ".one")
	}
	return e.t(key+".many", thousands(n))
}
