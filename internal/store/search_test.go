package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/width"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/text"
)

// triaged is an opinion of the triage fixture: what it was collected with, and
// who it belongs to.
type triaged struct {
	id, campaign         string
	state                domain.State
	deadline             string
	content, channel     string
	collected, suggested string
	target               string
	department, official string
	created              int // minutes after base
}

// triageFixture holds campaign c1 in list order (what an official owes, then what
// waits, then what is finished), and one opinion of c2.
var triageFixture = []triaged{
	{"s-park", "c1", domain.StateInProgress, "2026-10-01", "小区停车位不足，晚上车辆乱停。", "hotline", "2026-09-01", "交通", "team", "dept-x", "zhang", 1},
	{"s-light", "c1", domain.StateAssigned, "2026-10-05", "东门路灯不亮（已三天）", "online", "2026-09-05", "市政", "individual", "dept-y", "li", 2},
	{"s-wifi", "c1", domain.StateReceived, "", "图书馆ＷｉＦｉ信号差，希望改善", "letter", "2026-09-10", "文化", "张三", "dept-x", "", 3},
	{"s-latin", "c1", domain.StateReceived, "", "Free WIFI needed at the Station", "online", "2026-09-15", "文化", "", "dept-y", "", 4},
	{"s-meta", "c1", domain.StateReceived, "", `满意度仅50%_左右\真的`, "hotline", "2026-09-20", "", "team", "", "", 5},
	{"s-fee", "c1", domain.StateReceived, "", "停车收费不合理", "hotline", "2026-09-05", "交通", "individual", "dept-x", "wang", 6},
	{"s-nodate", "c1", domain.StateReceived, "", "路面破损", "visit", "", "", "李四", "", "", 7},
	{"o-other", "c2", domain.StateReceived, "", "停车难", "hotline", "2026-09-01", "交通", "", "", "", 8},
	{"s-closed", "c1", domain.StateClosed, "", "停车场已整改完毕", "symposium", "2026-08-30", "交通", "team", "dept-y", "zhang", 0},
}

// triageKey is the key of s-nodate, which the keyword also finds.
const triageKey = "RX-2026-0042"

func (tr triaged) opinion() domain.Opinion {
	o := newOpinion(tr.id, tr.campaign, tr.state, 3)
	o.Schedule.Deadline = tr.deadline
	o.Content, o.Channel, o.CollectedAt, o.SuggestedCategory, o.Target = tr.content, tr.channel, tr.collected, tr.suggested, tr.target
	o.Department, o.Official = tr.department, tr.official
	o.CreatedAt = base.Add(time.Duration(tr.created) * time.Minute)
	if tr.id == "s-nodate" {
		o.Key = triageKey
	}
	return o
}

func projectTriageFixture(t *testing.T, s *store.Store) {
	t.Helper()
	for _, tr := range triageFixture {
		require.NoError(t, s.ProjectOpinion(context.Background(), tr.opinion()))
	}
}

// fixtureOrder is ids in the fixture's (list) order, whatever order they are given in.
func fixtureOrder(ids ...string) []string {
	out := []string{}
	for _, tr := range triageFixture {
		if slices.Contains(ids, tr.id) {
			out = append(out, tr.id)
		}
	}
	return out
}

func testOpinionsTriageFilters(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	projectTriageFixture(t, s)
	c1 := func(f store.Filter) store.Filter { f.CampaignID = "c1"; return f }
	all := fixtureOrder("s-park", "s-light", "s-wifi", "s-latin", "s-meta", "s-fee", "s-nodate", "s-closed")

	tests := []struct {
		name   string
		filter store.Filter
		want   []string
	}{
		{"no filter", c1(store.Filter{}), all},
		// The keyword alone.
		{"a two-character Chinese word inside text", c1(store.Filter{Query: "停车"}), fixtureOrder("s-park", "s-fee", "s-closed")},
		{"a longer word", c1(store.Filter{Query: "停车位"}), fixtureOrder("s-park")},
		{"every campaign", store.Filter{Query: "停车"}, fixtureOrder("s-park", "s-fee", "o-other", "s-closed")},
		{"blank ends trimmed, the ideographic space too", c1(store.Filter{Query: " 停车\u3000"}), fixtureOrder("s-park", "s-fee", "s-closed")},
		{"a blank keyword does not filter", c1(store.Filter{Query: " \u3000\t"}), all},
		{"full-width punctuation", c1(store.Filter{Query: "，晚上"}), fixtureOrder("s-park")},
		{"full-width brackets", c1(store.Filter{Query: "（已三天）"}), fixtureOrder("s-light")},
		{"full-width punctuation and its ASCII form find each other", c1(store.Filter{Query: ","}), fixtureOrder("s-park", "s-wifi")},
		{"Latin letters in lower case", c1(store.Filter{Query: "wifi"}), fixtureOrder("s-wifi", "s-latin")},
		{"Latin letters in mixed case", c1(store.Filter{Query: "WiFi"}), fixtureOrder("s-wifi", "s-latin")},
		{"full-width Latin letters", c1(store.Filter{Query: "ｗｉｆｉ"}), fixtureOrder("s-wifi", "s-latin")},
		{"upper case finds mixed case", c1(store.Filter{Query: "THE STATION"}), fixtureOrder("s-latin")},
		{"a Chinese word and a Latin one", c1(store.Filter{Query: "馆ＷｉＦｉ信"}), fixtureOrder("s-wifi")},
		{"no match", c1(store.Filter{Query: "噪音"}), []string{}},
		// LIKE's metacharacters and SQL are only text.
		{"percent sign", c1(store.Filter{Query: "%"}), fixtureOrder("s-meta")},
		{"underscore", c1(store.Filter{Query: "_"}), fixtureOrder("s-meta")},
		{"backslash", c1(store.Filter{Query: `\`}), fixtureOrder("s-meta")},
		{"all three together", c1(store.Filter{Query: `0%_左右\真`}), fixtureOrder("s-meta")},
		{"percent signs are no wildcards", c1(store.Filter{Query: "%停车%"}), []string{}},
		{"an underscore is no wildcard", c1(store.Filter{Query: "停_"}), []string{}},
		{"a quote and SQL", c1(store.Filter{Query: `'); DROP TABLE opinions; --`}), []string{}},
		// What PostgreSQL keeps in no text, in a filter value.
		{"bytes that are not UTF-8", c1(store.Filter{Query: "停车\xff", Target: "张\xfe三"}), []string{}},
		{"a NUL goes, as from stored text", c1(store.Filter{Channel: "hot\x00line"}), fixtureOrder("s-park", "s-meta", "s-fee")},
		// The key.
		{"the key exactly", c1(store.Filter{Query: triageKey}), fixtureOrder("s-nodate")},
		{"the key in full-width letters and digits", c1(store.Filter{Query: "ＲＸ-２０２６-００４２"}), fixtureOrder("s-nodate")},
		{"part of a key is no key", c1(store.Filter{Query: "RX-2026"}), []string{}},
		// Each other filter alone.
		{"channel", c1(store.Filter{Channel: "hotline"}), fixtureOrder("s-park", "s-meta", "s-fee")},
		{"channel as stored, exactly", c1(store.Filter{Channel: "HOTLINE"}), []string{}},
		{"suggested category", c1(store.Filter{SuggestedCategory: "交通"}), fixtureOrder("s-park", "s-fee", "s-closed")},
		{"collected from, inclusive", c1(store.Filter{CollectedFrom: "2026-09-05"}),
			fixtureOrder("s-light", "s-wifi", "s-latin", "s-meta", "s-fee")},
		{"collected to, inclusive, without the undated", c1(store.Filter{CollectedTo: "2026-09-05"}),
			fixtureOrder("s-park", "s-light", "s-fee", "s-closed")},
		{"one day", c1(store.Filter{CollectedFrom: "2026-09-05", CollectedTo: "2026-09-05"}), fixtureOrder("s-light", "s-fee")},
		{"a range", c1(store.Filter{CollectedFrom: "2026-09-02", CollectedTo: "2026-09-15"}),
			fixtureOrder("s-light", "s-wifi", "s-latin", "s-fee")},
		{"an empty range", c1(store.Filter{CollectedFrom: "2026-09-06", CollectedTo: "2026-09-04"}), []string{}},
		{"target as written", c1(store.Filter{Target: "张三"}), fixtureOrder("s-wifi")},
		{"target team as written", c1(store.Filter{Target: store.TargetTeam}), fixtureOrder("s-park", "s-meta", "s-closed")},
		{"target individual as written", c1(store.Filter{Target: store.TargetIndividual}), fixtureOrder("s-light", "s-fee")},
		{"target kind team", c1(store.Filter{TargetKind: store.TargetTeam}), fixtureOrder("s-park", "s-meta", "s-closed")},
		{"target kind individual: a person named, or individual", c1(store.Filter{TargetKind: store.TargetIndividual}),
			fixtureOrder("s-light", "s-wifi", "s-fee", "s-nodate")},
		// Combined, with each other and with the filters before them.
		{"keyword and channel", c1(store.Filter{Query: "停车", Channel: "hotline"}), fixtureOrder("s-park", "s-fee")},
		{"keyword, channel and a date", c1(store.Filter{Query: "停车", Channel: "hotline", CollectedFrom: "2026-09-02"}),
			fixtureOrder("s-fee")},
		{"keyword, suggested category and an end date",
			c1(store.Filter{Query: "停车", SuggestedCategory: "交通", CollectedTo: "2026-08-31"}), fixtureOrder("s-closed")},
		{"keyword and target kind", c1(store.Filter{Query: "停车", TargetKind: store.TargetIndividual}), fixtureOrder("s-fee")},
		{"keyword and target", c1(store.Filter{Query: "WIFI", Target: "张三"}), fixtureOrder("s-wifi")},
		{"keyword and state", c1(store.Filter{Query: "停车", State: domain.StateClosed}), fixtureOrder("s-closed")},
		{"keyword and states", c1(store.Filter{Query: "停车", States: []domain.State{domain.StateInProgress, domain.StateReceived}}),
			fixtureOrder("s-park", "s-fee")},
		{"keyword and department", c1(store.Filter{Query: "停车", Department: "dept-x"}), fixtureOrder("s-park", "s-fee")},
		{"keyword and official", c1(store.Filter{Query: "停车", Official: "zhang"}), fixtureOrder("s-park", "s-closed")},
		{"channel and target kind", c1(store.Filter{Channel: "online", TargetKind: store.TargetIndividual}), fixtureOrder("s-light")},
		// What an official sees, with a keyword.
		{"an official's department and own items, both halves",
			c1(store.Filter{Query: "停车", VisibleTo: &store.Viewer{Username: "zhang", Department: "dept-x"}}),
			fixtureOrder("s-park", "s-fee", "s-closed")},
		{"another official's view", c1(store.Filter{Query: "停车", VisibleTo: &store.Viewer{Username: "li", Department: "dept-y"}}),
			fixtureOrder("s-closed")},
		{"an official without a department", c1(store.Filter{Query: "停车", VisibleTo: &store.Viewer{Username: "wang"}}),
			fixtureOrder("s-fee")},
		{"a view, a keyword and a channel",
			c1(store.Filter{Query: "停车", Channel: "symposium", VisibleTo: &store.Viewer{Username: "zhang", Department: "dept-x"}}),
			fixtureOrder("s-closed")},
		{"another official's items in a view, with a keyword",
			c1(store.Filter{Query: "停车", Official: "zhang", VisibleTo: &store.Viewer{Username: "li", Department: "dept-y"}}),
			fixtureOrder("s-closed")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.Opinions(ctx, tc.filter)
			require.NoError(t, err)
			require.Equal(t, tc.want, ids(page))
			require.Equal(t, len(tc.want), page.Total)
		})
	}

	// The table is still there after the keyword that looked like SQL.
	page, err := s.Opinions(ctx, store.Filter{})
	require.NoError(t, err)
	require.Equal(t, len(triageFixture), page.Total)

	for _, f := range []store.Filter{
		{CollectedFrom: "2026-9-1"}, {CollectedTo: "2026/09/01"}, {CollectedTo: "yesterday"}, {TargetKind: "person"},
	} {
		_, err := s.Opinions(ctx, f)
		require.ErrorIs(t, err, store.ErrInvalidFilter, "%+v", f)
	}
}

// searchPieces are what the random opinions' content and keywords are made of:
// Chinese words, Latin letters in every case and width, punctuation in both
// widths, LIKE's metacharacters, blanks.
var searchPieces = []string{"停车", "车位", "小区", "不足", "路灯", "WiFi", "ｗｉｆｉ", "WIFI", "Station", "a", "Ａ",
	"%", "％", "_", `\`, "，", ",", "。", " ", "\u3000", "（", "(", "'"}

// wantMatch is the keyword's meaning (Filter.Query) written out without the store:
// the cleaned keyword is in the content, both with full-width forms of ASCII
// narrowed and letters in lower case.
func wantMatch(content, query string) bool {
	fold := func(s string) string { return strings.ToLower(width.Fold.String(s)) }
	return strings.Contains(fold(content), fold(text.Clean(query)))
}

// testOpinionsTriageRandom checks random combinations of the filters on random
// content against their meaning written out in Go: the same opinions, in the order
// of the whole list, with an exact Total, whole across pages.
func testOpinionsTriageRandom(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	r := rand.New(rand.NewPCG(3, 11))
	pieces := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteString(searchPieces[r.IntN(len(searchPieces))])
		}
		return sb.String()
	}
	one := func(vs ...string) string { return vs[r.IntN(len(vs))] }
	var opinions []domain.Opinion
	for i := range 150 {
		o := newOpinion(fmt.Sprintf("r-%03d", i), one("c1", "c2"), domain.AllStates[r.IntN(len(domain.AllStates))], 2)
		o.Content = pieces(1 + r.IntN(6))
		o.Channel = one("hotline", "online", "letter")
		o.CollectedAt = one("", "2026-09-01", "2026-09-02", "2026-09-03", "2026-09-04")
		o.SuggestedCategory = one("", "交通", "市政")
		o.Target = one("", store.TargetTeam, store.TargetIndividual, "张三")
		o.Department = one("", "dept-x", "dept-y")
		o.Official = one("", "zhang", "li")
		o.OverdueLevel = domain.LevelOverdue
		o.Schedule.Deadline = one("", "2026-10-01", "2026-10-02")
		o.CreatedAt = base.Add(time.Duration(r.IntN(1000)) * time.Minute)
		require.NoError(t, s.ProjectOpinion(ctx, o))
		opinions = append(opinions, o)
	}
	everything, err := s.Opinions(ctx, store.Filter{Limit: 500})
	require.NoError(t, err)
	require.Len(t, everything.Opinions, len(opinions))

	for i := range 60 {
		var f store.Filter
		if i%6 != 5 {
			f.Query = pieces(1 + r.IntN(2))
		}
		if r.IntN(3) == 0 {
			f.CampaignID = one("c1", "c2")
		}
		if r.IntN(4) == 0 {
			f.Channel = one("hotline", "online", "letter")
		}
		if r.IntN(4) == 0 {
			f.SuggestedCategory = one("交通", "市政")
		}
		if r.IntN(4) == 0 {
			f.CollectedFrom = one("2026-09-01", "2026-09-02", "2026-09-03")
		}
		if r.IntN(4) == 0 {
			f.CollectedTo = one("2026-09-02", "2026-09-03", "2026-09-04")
		}
		if r.IntN(5) == 0 {
			f.Target = one(store.TargetTeam, "张三")
		}
		if r.IntN(5) == 0 {
			f.TargetKind = one(store.TargetTeam, store.TargetIndividual)
		}
		if r.IntN(3) == 0 {
			f.VisibleTo = &store.Viewer{Username: one("zhang", "li"), Department: one("", "dept-x", "dept-y")}
		}
		keep := func(o domain.Opinion) bool {
			v := f.VisibleTo
			return (f.Query == "" || wantMatch(o.Content, f.Query)) &&
				(f.CampaignID == "" || o.CampaignID == f.CampaignID) &&
				(f.Channel == "" || o.Channel == f.Channel) &&
				(f.SuggestedCategory == "" || o.SuggestedCategory == f.SuggestedCategory) &&
				(f.CollectedFrom == "" || o.CollectedAt >= f.CollectedFrom) &&
				(f.CollectedTo == "" || o.CollectedAt != "" && o.CollectedAt <= f.CollectedTo) &&
				(f.Target == "" || o.Target == f.Target) &&
				(f.TargetKind == "" || store.TargetKind(o.Target) == f.TargetKind) &&
				(v == nil || o.Official == v.Username || v.Department != "" && o.Department == v.Department)
		}
		want := []string{}
		for _, o := range everything.Opinions {
			if keep(o) {
				want = append(want, o.ID)
			}
		}
		f.Limit = 500
		page, err := s.Opinions(ctx, f)
		require.NoError(t, err)
		require.Equal(t, want, ids(page), "%+v", f)
		require.Equal(t, len(want), page.Total, "%+v", f)

		// Page by page, the same list and the same Total.
		f.Limit = 4
		paged := []string{}
		for f.Offset = 0; f.Offset < len(want)+f.Limit; f.Offset += f.Limit {
			page, err := s.Opinions(ctx, f)
			require.NoError(t, err)
			require.Equal(t, len(want), page.Total, "%+v", f)
			paged = append(paged, ids(page)...)
		}
		require.Equal(t, want, paged, "%+v", f)
	}
}

// testTriageColumnsFilledIn opens a store written by the release before the triage
// filters — its opinions rows without their columns — and finds its opinions by
// them; opinions projected after are found too.
func testTriageColumnsFilledIn(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.dsn(t)
	s := openAt(t, dsn)
	projectTriageFixture(t, s)
	// A NUL in the content (intake removes control characters, the store does not
	// count on it): PostgreSQL keeps no NUL in a text, nor reads \u0000 in a jsonb;
	// the opinion is still filled in, and found.
	nul := triaged{"s-nul", "c1", domain.StateReceived, "", "停车\x00问题", "hotline", "2026-09-01", "", "王五", "", "", 9}
	require.NoError(t, s.ProjectOpinion(ctx, nul.opinion()))
	require.NoError(t, s.Close())
	// A store from before the triage columns, and so before numbered migrations.
	drop := []string{"DROP INDEX IF EXISTS opinions_triage", "DROP TABLE schema_migrations"}
	for _, c := range []string{"content_folded", "channel", "collected_at", "suggested_category", "target"} {
		drop = append(drop, "ALTER TABLE opinions DROP COLUMN "+c)
	}
	rawExec(t, b, dsn, drop...)

	s = openAt(t, dsn)
	for _, tc := range []struct {
		filter store.Filter
		want   []string
	}{
		{store.Filter{CampaignID: "c1", Query: "停车"}, []string{"s-park", "s-fee", "s-nul", "s-closed"}},
		{store.Filter{Query: "停车问题"}, []string{"s-nul"}},
		{store.Filter{Query: "WIFI"}, fixtureOrder("s-wifi", "s-latin")},
		{store.Filter{Channel: "online"}, fixtureOrder("s-light", "s-latin")},
		{store.Filter{SuggestedCategory: "文化"}, fixtureOrder("s-wifi", "s-latin")},
		{store.Filter{CollectedFrom: "2026-09-15"}, fixtureOrder("s-latin", "s-meta")},
		{store.Filter{Target: "张三"}, fixtureOrder("s-wifi")},
		{store.Filter{TargetKind: store.TargetIndividual, CampaignID: "c1"},
			[]string{"s-light", "s-wifi", "s-fee", "s-nodate", "s-nul"}},
	} {
		page, err := s.Opinions(ctx, tc.filter)
		require.NoError(t, err)
		require.Equal(t, tc.want, ids(page), "%+v", tc.filter)
		require.Equal(t, len(tc.want), page.Total, "%+v", tc.filter)
	}

	later := triaged{"s-later", "c1", domain.StateReceived, "", "夜间停车收费", "online", "2026-09-21", "交通", "team", "", "", 10}
	require.NoError(t, s.ProjectOpinion(ctx, later.opinion()))
	page, err := s.Opinions(ctx, store.Filter{Query: "停车", Channel: "online", CollectedFrom: "2026-09-21", TargetKind: store.TargetTeam})
	require.NoError(t, err)
	require.Equal(t, []string{"s-later"}, ids(page))
}
