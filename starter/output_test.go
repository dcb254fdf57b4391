package main

import (
	"bytes"
	"testing"
)

func TestJSONFlagPrintsBodyIndented(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 200, map[string]any{"campaigns": []any{map[string]any{"id": "c1", "name": "群众路线"}}}
	})
	// --json after the command works as well as before it.
	for _, args := range [][]string{{"--json", "campaign", "list"}, {"campaign", "list", "--json"}} {
		code, out, _ := runCLI(t, api.URL, args...)
		want := "{\n  \"campaigns\": [\n    {\n      \"id\": \"c1\",\n      \"name\": \"群众路线\"\n    }\n  ]\n}\n"
		if code != 0 || out != want {
			t.Errorf("%v: exit %d, stdout:\n%s\nwant:\n%s", args, code, out, want)
		}
	}
}

func TestTableAlignsChineseText(t *testing.T) {
	var tb table
	tb.row("城建科", "x")
	tb.row("ab", "y")
	var out bytes.Buffer
	tb.write(&out)
	// 城建科 takes six terminal columns, so "ab" is padded to six as well.
	if want := "城建科  x\nab      y\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
