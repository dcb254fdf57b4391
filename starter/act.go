package main

import (
	"encoding/json"
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
	{"sign", "(no fields)"},
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
}

// satisfactions are the follow-up answers the API accepts.
var satisfactions = []string{"satisfied", "basically", "dissatisfied"}

// actStringFlags are the text fields of an action body; each flag is named after the
// JSON field it fills.
var actStringFlags = []struct{ name, usage string }{
	{"reason", "why (reject, return, request-extension, decide-extension, verify, reopen, cancel)"},
	{"category", "category `NAME` to confirm (categorize)"},
	{"into", "`ID` of the opinion to merge into (merge)"},
	{"department", "responsible department `NAME` (assign, resolve)"},
	{"official", "responsible official's `USERNAME` (assign; resolve: who fixed it)"},
	{"leader", "responsible leader's `USERNAME` (assign, resolve)"},
	{"measures", "rectification measures (assign, resolve, submit; report-progress: what was done; conclude: what is institutionalised)"},
	{"deadline", "new deadline, `YYYY-MM-DD` (assign: overrides the category default; reopen)"},
	{"until", "requested deadline, `YYYY-MM-DD` (request-extension)"},
	{"evidence", "evidence of the fix (resolve, submit, report-progress, conclude)"},
	{"fixed_on", "the day it was fixed on the spot, `YYYY-MM-DD` (resolve)"},
	{"next", "what comes next (report-progress)"},
	{"satisfaction", "`LEVEL`: satisfied, basically or dissatisfied (callback)"},
	{"note", "follow-up note (callback)"},
}

// dateFlags must be calendar dates; checking them here catches "2025-3-1" before a
// round trip.
var dateFlags = []string{"deadline", "until", "fixed_on"}

var actCmd = &command{
	name:     "act",
	summary:  "perform a lifecycle action on an opinion",
	synopsis: "<opinion-id> <action> [flags]",
	about:    actAbout(),
	example: "starter act <opinion-id> assign --department 城建科 --official official --leader leader --measures '...'\n" +
		"starter act <opinion-id> decide-extension --approve=false --reason 'no new facts'\n" +
		"starter act <opinion-id> verify --body '{\"pass\": true}' --reason 'checked on site'",
	run: act,
}

// actAbout explains act and lists every action with the flags it reads.
func actAbout() string {
	var b strings.Builder
	b.WriteString("Performs one action (POST /api/v1/opinions/{id}/actions/{action}) and shows the\n" +
		"opinion as it stands afterwards. The JSON body is --body merged with the flags\n" +
		"given; only flags you set are sent, and a flag wins over the same key in --body.\n" +
		"Dates are YYYY-MM-DD in the campaign's time zone. A refused action (wrong role,\n" +
		"person or state, bad input) changes nothing and exits 1.\n\nActions:\n")
	var t table
	for _, a := range actions {
		t.row("  "+a.name, a.fields)
	}
	var sb strings.Builder
	t.write(&sb)
	b.WriteString(strings.TrimRight(sb.String(), "\n"))
	return b.String()
}

func act(e *env, c *cmdline) int {
	bodyFlag := c.fs.String("body", "", "base JSON `OBJECT` for the body, e.g. '{\"reason\":\"...\"}'")
	text := map[string]*string{}
	for _, f := range actStringFlags {
		text[f.name] = c.fs.String(f.name, "", f.usage)
	}
	var approve, pass explicitBool
	c.fs.Var(&approve, "approve", "true approves, false refuses the extension (decide-extension)")
	c.fs.Var(&pass, "pass", "true passes, false fails the fix (verify)")
	percent := c.fs.Int("percent", 0, "how far along the work is, `0-100` (report-progress)")
	cycle := c.fs.Int("report_every_months", 0, "a long-term item's reporting cycle, `1-12` months (assign)")
	pos, code, ok := c.parse(2, 2)
	if !ok {
		return code
	}
	id, action := pos[0], pos[1]
	if !slices.ContainsFunc(actions, func(a struct{ name, fields string }) bool { return a.name == action }) {
		names := make([]string, len(actions))
		for i, a := range actions {
			names[i] = a.name
		}
		return c.usageError(fmt.Sprintf("unknown action %q (one of: %s)", action, strings.Join(names, ", ")))
	}

	set := c.set()
	body := map[string]any{}
	if set["body"] {
		if err := json.Unmarshal([]byte(*bodyFlag), &body); err != nil || body == nil {
			return c.usageError(fmt.Sprintf("--body must be a JSON object, like '{\"reason\":\"...\"}': got %s", *bodyFlag))
		}
	}
	for _, f := range actStringFlags {
		if set[f.name] {
			body[f.name] = *text[f.name]
		}
	}
	if set["approve"] {
		body["approve"] = approve.v
	}
	if set["pass"] {
		body["pass"] = pass.v
	}
	if set["percent"] {
		if *percent < 0 || *percent > 100 {
			return c.usageError(fmt.Sprintf("--percent %d: want a whole number from 0 to 100", *percent))
		}
		body["percent"] = *percent
	}
	if set["report_every_months"] {
		body["report_every_months"] = *cycle
	}
	for _, name := range dateFlags {
		if v := *text[name]; set[name] {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return c.usageError(fmt.Sprintf("--%s %q is not a date: want YYYY-MM-DD", name, v))
			}
		}
	}
	if s := *text["satisfaction"]; set["satisfaction"] && !slices.Contains(satisfactions, s) {
		return c.usageError(fmt.Sprintf("--satisfaction %q: want one of %s", s, strings.Join(satisfactions, ", ")))
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
		fmt.Fprintf(w, "%s: done, opinion %s is now %s\n\n", action, dash(op.ID), dash(op.State))
		printOpinion(w, op, false)
		return nil
	})
}

// explicitBool is a boolean flag whose help reads --name=true|false: for approve and
// pass, false is an answer (refuse, fail) that must be sent, not the flag's absence.
type explicitBool struct{ v bool }

func (b *explicitBool) String() string { return strconv.FormatBool(b.v) }

// Set accepts what strconv.ParseBool does, like the standard boolean flags.
func (b *explicitBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	b.v = v
	return nil
}

// IsBoolFlag lets a bare --approve mean --approve=true.
func (b *explicitBool) IsBoolFlag() bool { return true }
