package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// actions are the lifecycle actions of the API contract with the body fields each
// reads. starter refuses an unknown action itself, listing the valid ones, because the
// server can only answer "not found".
var actions = []struct{ name, fields string }{
	{"categorize", "--category"},
	{"merge", "--into"},
	{"reject", "--reason"},
	{"assign", "--department --official --leader --measures [--deadline] [--report_every_months]"},
	{"resolve", "--department --official [--leader] --measures --evidence --fixed_on [--category]"},
	{"sign", ""},
	{"return", "--reason"},
	{"request-extension", "--until --reason"},
	{"decide-extension", "--approve=true|false --reason"},
	{"report-progress", "--measures --next --percent [--evidence]"},
	{"submit", "--measures --evidence"},
	{"conclude", "--measures --evidence"},
	{"verify", "--pass=true|false --reason"},
	{"callback", "--satisfaction satisfied|basically|dissatisfied [--note]"},
	{"reopen", "--reason [--deadline]"},
	{"cancel", "--reason"},
	{"group", "--problem"},
	{"contribute", "--note [--evidence]"},
}

// satisfactions are the follow-up answers the API accepts.
var satisfactions = []string{"satisfied", "basically", "dissatisfied"}

// actStringFlags are the text fields of an action body; each flag is named after the
// JSON field it fills, and its help is cli.flag.act.<name>.
var actStringFlags = []string{"reason", "category", "into", "department", "official", "leader", "measures",
	"deadline", "until", "evidence", "fixed_on", "next", "satisfaction", "note", "problem"}

// dateFlags must be calendar dates; checking them here catches "2025-3-1" before a
// round trip.
var dateFlags = []string{"deadline", "until", "fixed_on"}

var actCmd = &command{
	name:     "act",
	synopsis: "<opinion-id> <action> [flags]",
	more:     func(e *env) string { return actionTable(e, actionNames()) },
	example: "starter act <opinion-id> assign --department 城建科 --official official --leader leader --measures '...'\n" +
		"starter act <opinion-id> decide-extension --approve=false --reason 'no new facts'\n" +
		"starter act <opinion-id> verify --body '{\"pass\": true}' --reason 'checked on site'",
	run: act,
}

// actionNames are the names of every action, in the contract's order.
func actionNames() []string {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.name
	}
	return names
}

// actionTable lists the named actions, each with the flags it reads, in e's
// language where an action reads none.
func actionTable(e *env, names []string) string {
	var t table
	for _, a := range actions {
		if slices.Contains(names, a.name) {
			fields := a.fields
			if fields == "" {
				fields = e.t("cli.act.no_fields")
			}
			t.row("  "+a.name, fields)
		}
	}
	var sb strings.Builder
	t.write(&sb)
	return strings.TrimRight(sb.String(), "\n")
}

// unknownAction is the message for an action not among names, listing them.
func unknownAction(e *env, action string, names []string) string {
	return e.t("cli.err.unknown_action", action, strings.Join(names, ", "))
}

func act(e *env, c *cmdline) int {
	flags := addActionFlags(e, c.fs)
	pos, code, ok := c.parse(2, 2)
	if !ok {
		return code
	}
	id, action := pos[0], pos[1]
	if names := actionNames(); !slices.Contains(names, action) {
		return c.usageError(unknownAction(e, action, names))
	}
	body, msg := flags.body(c.set())
	if msg != "" {
		return c.usageError(msg)
	}

	cl, code, ok := c.client()
	if !ok {
		return code
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return e.fail(err)
	}
	resp, err := cl.do(e.ctx, http.MethodPost, apiPath("opinions", id, "actions", action), nil, payload)
	if err != nil {
		return e.fail(err)
	}
	return e.show(resp, func(w io.Writer, body []byte) error {
		var op opinion
		if err := json.Unmarshal(body, &op); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n\n", e.t("cli.act.done", action, dash(op.ID), e.word("state.", op.State)))
		e.printOpinion(w, op, false)
		return nil
	})
}

// actionFlags are the flags that fill an action's JSON body. act and bulk share
// them, so the same flags make the same body whichever sends it.
type actionFlags struct {
	e             *env
	base          *string
	text          map[string]*string
	approve, pass explicitBool
	percent       *int
	cycle         *int
}

// addActionFlags registers the body flags on fs: every one, or with only given,
// --body and those named (bulk takes only the fields of the triage actions).
func addActionFlags(e *env, fs *flag.FlagSet, only ...string) *actionFlags {
	want := func(name string) bool { return len(only) == 0 || slices.Contains(only, name) }
	a := &actionFlags{e: e, text: map[string]*string{}}
	a.base = fs.String("body", "", e.t("cli.flag.act.body"))
	for _, name := range actStringFlags {
		if want(name) {
			a.text[name] = fs.String(name, "", e.t("cli.flag.act."+name))
		}
	}
	if want("approve") {
		fs.Var(&a.approve, "approve", e.t("cli.flag.act.approve"))
	}
	if want("pass") {
		fs.Var(&a.pass, "pass", e.t("cli.flag.act.pass"))
	}
	if want("percent") {
		a.percent = fs.Int("percent", 0, e.t("cli.flag.act.percent"))
	}
	if want("report_every_months") {
		a.cycle = fs.Int("report_every_months", 0, e.t("cli.flag.act.report_every_months"))
	}
	return a
}

// body is --body merged with the flags set (a flag wins over the same key), or a
// message saying what is wrong with the command line. Only flags that were set reach
// the body, so set must come from the flag set these flags were added to.
func (a *actionFlags) body(set map[string]bool) (map[string]any, string) {
	body := map[string]any{}
	if set["body"] {
		if err := json.Unmarshal([]byte(*a.base), &body); err != nil || body == nil {
			return nil, a.e.t("cli.act.body", *a.base)
		}
	}
	for _, name := range actStringFlags {
		if set[name] {
			body[name] = *a.text[name]
		}
	}
	if set["approve"] {
		body["approve"] = a.approve.v
	}
	if set["pass"] {
		body["pass"] = a.pass.v
	}
	if set["percent"] {
		if p := *a.percent; p < 0 || p > 100 {
			return nil, a.e.t("cli.act.percent", p)
		}
		body["percent"] = *a.percent
	}
	if set["report_every_months"] {
		body["report_every_months"] = *a.cycle
	}
	for _, name := range dateFlags {
		if set[name] {
			if msg := a.e.checkDate("--"+name, *a.text[name]); msg != "" {
				return nil, msg
			}
		}
	}
	if set["satisfaction"] {
		if s := *a.text["satisfaction"]; !slices.Contains(satisfactions, s) {
			return nil, a.e.t("cli.act.satisfaction", s, strings.Join(satisfactions, ", "))
		}
	}
	return body, ""
}

// checkDate says what is wrong with a date flag's value, or "" when it is a
// YYYY-MM-DD date.
func (e *env) checkDate(flag, v string) string {
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return e.t("cli.act.date", flag, v)
	}
	return ""
}

// explicitBool is a boolean flag whose help reads --name=true|false: for approve and
// pass, false is an answer (refuse, fail) that must be sent, not the flag's absence.
type explicitBool struct{ v bool }

func (b *explicitBool) String() string { return strconv.FormatBool(b.v) }

// Set accepts what strconv.ParseBool does, like the standard boolean flags; a
// refusal is worded by flagError, as theirs is.
func (b *explicitBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.v = v
	return nil
}

// IsBoolFlag lets a bare --approve mean --approve=true.
func (b *explicitBool) IsBoolFlag() bool { return true }
