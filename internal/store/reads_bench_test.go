package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// The shape of the 100k-opinion ledger the read benchmarks run on: a few campaigns of
// unequal size, every official in one department, most items finished.
const (
	readsOpinions    = 100_000
	readsCategories  = 8
	readsDepartments = 20
	readsOfficials   = 200 // official-i works in dept-(i % readsDepartments)
)

// choice is one value of a weighted pick.
type choice[T any] struct {
	v      T
	weight int
}

// pick picks a value with probability proportional to its weight.
func pick[T any](r *rand.Rand, cs []choice[T]) T {
	total := 0
	for _, c := range cs {
		total += c.weight
	}
	n := r.IntN(total)
	for _, c := range cs {
		if n -= c.weight; n < 0 {
			return c.v
		}
	}
	return cs[len(cs)-1].v
}

var (
	readsCampaigns = []choice[string]{{"c0", 40}, {"c1", 25}, {"c2", 15}, {"c3", 12}, {"c4", 8}}
	readsStates    = []choice[domain.State]{
		{domain.StateClosed, 45}, {domain.StateInProgress, 15}, {domain.StateAssigned, 8},
		{domain.StateSubmitted, 6}, {domain.StateAwaitingCallback, 5}, {domain.StateReceived, 5},
		{domain.StateCategorized, 4}, {domain.StateReturned, 2}, {domain.StateRejected, 4},
		{domain.StateMerged, 3}, {domain.StateCancelled, 3},
	}
	readsLevels = []choice[domain.OverdueLevel]{
		{domain.LevelNone, 60}, {domain.LevelDueSoon, 15}, {domain.LevelOverdue, 15},
		{domain.LevelSupervised, 7}, {domain.LevelAccountability, 3},
	}
	readsSatisfactions = []choice[string]{
		{domain.SatisfactionSatisfied, 60}, {domain.SatisfactionBasically, 25},
		{domain.SatisfactionDissatisfied, 10}, {"", 5},
	}
)

// What the benchmark ledger's opinions were collected with: Chinese without spaces
// between words, full-width punctuation, now and then a Latin word; a place, one to
// three problems, sometimes a detail or two, a request (about 10 to 70 characters,
// 34 on average).
var (
	readsPlaces   = []string{"小区", "东门路口", "菜市场", "第三中学门口", "人民医院", "公交站台", "老旧小区", "幸福路", "图书馆", "社区服务中心"}
	readsProblems = []string{"停车位不足", "路灯不亮", "垃圾清运不及时", "噪音扰民", "电梯经常故障", "道路坑洼不平", "供暖温度不够",
		"WiFi信号差", "排水不畅，雨天积水", "违章搭建", "办事窗口排队时间长", "物业服务态度差"}
	readsDetails  = []string{"晚上尤其严重", "老人和孩子出行不便", "周边居民意见很大", "存在安全隐患", "已持续两个多月"}
	readsAsks     = []string{"希望尽快解决。", "请相关部门处理。", "已经反映多次，至今没有答复！", "建议增加巡查。", "。"}
	readsChannels = []choice[string]{{"hotline", 35}, {"online", 30}, {"suggestion_box", 10}, {"symposium", 10},
		{"visit", 10}, {"letter", 5}}
	readsTargets = []choice[string]{{"", 40}, {store.TargetTeam, 30}, {store.TargetIndividual, 20}, {"person", 10}}
)

// readsRare is a place in about one opinion in a thousand: a rare keyword.
const readsRare = "明珠花园"

// readsContent is one opinion's content.
func readsContent(r *rand.Rand) string {
	var c strings.Builder
	c.WriteString(readsPlaces[r.IntN(len(readsPlaces))])
	if r.IntN(1000) == 0 {
		c.WriteString(readsRare)
	}
	for range 1 + r.IntN(3) {
		c.WriteString(readsProblems[r.IntN(len(readsProblems))])
		c.WriteString("，")
	}
	for range r.IntN(3) {
		c.WriteString(readsDetails[r.IntN(len(readsDetails))])
		c.WriteString("，")
	}
	c.WriteString(readsAsks[r.IntN(len(readsAsks))])
	return c.String()
}

// readsOpinion is the i-th opinion of the benchmark ledger, with a timeline as long
// as the steps its state took.
func readsOpinion(r *rand.Rand, i int) domain.Opinion {
	campaign := pick(r, readsCampaigns)
	st := pick(r, readsStates)
	rev := 1 + slices.Index(domain.AllStates, st)
	o := newOpinion(fmt.Sprintf("op-%06d", i), campaign, st, min(rev, 8))
	o.CreatedAt = base.Add(time.Duration(r.IntN(120*24)) * time.Hour)
	o.Content = readsContent(r)
	o.Channel = pick(r, readsChannels)
	o.CollectedAt = o.CreatedAt.AddDate(0, 0, -r.IntN(7)).Format(domain.DateLayout)
	if r.IntN(2) == 0 {
		o.SuggestedCategory = fmt.Sprintf("cat-%d", r.IntN(readsCategories))
	}
	if o.Target = pick(r, readsTargets); o.Target == "person" {
		o.Target = fmt.Sprintf("person-%d", r.IntN(50))
	}
	if st != domain.StateReceived {
		o.Category = fmt.Sprintf("cat-%d", r.IntN(readsCategories))
	}
	switch st {
	case domain.StateReceived, domain.StateCategorized, domain.StateRejected, domain.StateMerged:
	default:
		official := r.IntN(readsOfficials)
		o.Official = fmt.Sprintf("official-%d", official)
		o.Department = fmt.Sprintf("dept-%d", official%readsDepartments)
		o.Leader = fmt.Sprintf("leader-%d", official%readsDepartments)
		o.Schedule.Deadline = o.CreatedAt.AddDate(0, 0, 5+r.IntN(60)).Format(domain.DateLayout)
	}
	if st == domain.StateAssigned || st == domain.StateInProgress {
		o.OverdueLevel = pick(r, readsLevels)
	}
	if st == domain.StateClosed {
		o.ClosedAt = o.CreatedAt.Add(time.Duration(1+r.IntN(90*24)) * time.Hour)
		o.OnTime = r.IntN(5) > 0
		o.Satisfaction = pick(r, readsSatisfactions)
	}
	return o
}

// seedReads projects the benchmark ledger through ProjectOpinion, from a few
// goroutines as workers would.
func seedReads(b *testing.B, s *store.Store) {
	b.Helper()
	const writers = 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 42))
			for i := w; i < readsOpinions; i += writers {
				if err := s.ProjectOpinion(context.Background(), readsOpinion(r, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkReads measures the reads people wait for, on a ledger of 100k opinions:
// an official's list (their items and their department's), a page of the office's
// campaign list, one opinion with its timeline, a campaign's stats, and the triage
// queue's filters (a keyword above all, a substring test of every opinion the other
// filters leave). Each reports its 95th percentile, which the product bounds at
// 50 ms; docs/performance.md has the triage figures.
func BenchmarkReads(b *testing.B) {
	for _, bk := range backends {
		b.Run(bk.name, func(b *testing.B) {
			s := bk.start(b).open(b)
			start := time.Now()
			seedReads(b, s)
			b.Logf("seeded %d opinions in %s", readsOpinions, time.Since(start).Round(time.Millisecond))
			for _, r := range reads(s) {
				b.Run(r.name, func(b *testing.B) {
					var took []time.Duration
					for i := 0; b.Loop(); i++ {
						t0 := time.Now()
						if err := r.read(i); err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(t0))
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
				})
			}
		})
	}
}

// ledgerRead is one read BenchmarkReads measures; read(i) varies who reads what with i.
type ledgerRead struct {
	name string
	read func(i int) error
}

// reads are the reads BenchmarkReads measures.
func reads(s *store.Store) []ledgerRead {
	ctx := context.Background()
	viewer := func(i int) *store.Viewer {
		k := i % readsOfficials
		return &store.Viewer{Username: fmt.Sprintf("official-%d", k), Department: fmt.Sprintf("dept-%d", k%readsDepartments)}
	}
	list := func(f func(i int) store.Filter) func(i int) error {
		return func(i int) error {
			page, err := s.Opinions(ctx, f(i))
			if err == nil && (len(page.Opinions) == 0 || page.Total < len(page.Opinions)) {
				err = fmt.Errorf("got %d of %d", len(page.Opinions), page.Total)
			}
			return err
		}
	}
	return []ledgerRead{
		{"official-list", list(func(i int) store.Filter {
			return store.Filter{VisibleTo: viewer(i), Limit: 50}
		})},
		{"official-list-campaign", list(func(i int) store.Filter {
			return store.Filter{CampaignID: readsCampaigns[i%len(readsCampaigns)].v, VisibleTo: viewer(i), Limit: 50}
		})},
		{"official-tasks", list(func(i int) store.Filter {
			v := viewer(i)
			return store.Filter{Official: v.Username, VisibleTo: v, Limit: 50,
				States: []domain.State{domain.StateAssigned, domain.StateInProgress}}
		})},
		{"office-list", list(func(i int) store.Filter {
			return store.Filter{CampaignID: readsCampaigns[i%len(readsCampaigns)].v, Limit: 50, Offset: 50 * (i % 3)}
		})},
		{"opinion", func(i int) error {
			_, err := s.Opinion(ctx, fmt.Sprintf("op-%06d", (i*7919)%readsOpinions))
			return err
		}},
		// The triage queue: a campaign's opinions with a common keyword (in about one
		// opinion in six), then one in a thousand and one in none over the whole
		// ledger, which each such read scans; an official's view with a keyword; the
		// filters on what an opinion was collected with, with and without a keyword.
		{"triage-keyword", list(func(i int) store.Filter {
			return store.Filter{CampaignID: readsCampaigns[i%len(readsCampaigns)].v, Query: "停车", Limit: 50}
		})},
		{"triage-keyword-rare", list(func(int) store.Filter {
			return store.Filter{Query: readsRare, Limit: 50}
		})},
		{"triage-keyword-none", func(int) error {
			page, err := s.Opinions(ctx, store.Filter{Query: "不存在的词", Limit: 50})
			if err == nil && page.Total != 0 {
				err = fmt.Errorf("found %d", page.Total)
			}
			return err
		}},
		{"triage-keyword-official", list(func(i int) store.Filter {
			return store.Filter{Query: "停车", VisibleTo: viewer(i), Limit: 50}
		})},
		{"triage-filters", list(func(i int) store.Filter {
			return store.Filter{CampaignID: readsCampaigns[i%len(readsCampaigns)].v, Channel: "online",
				SuggestedCategory: fmt.Sprintf("cat-%d", i%readsCategories), TargetKind: store.TargetIndividual,
				CollectedFrom: "2026-09-01", CollectedTo: "2026-10-31", Limit: 50}
		})},
		{"triage-filters-keyword", list(func(i int) store.Filter {
			return store.Filter{CampaignID: readsCampaigns[i%len(readsCampaigns)].v, Channel: "hotline",
				CollectedFrom: "2026-10-01", CollectedTo: "2026-10-31", Query: "路灯", Limit: 50}
		})},
		{"stats", func(i int) error {
			st, err := s.Stats(ctx, readsCampaigns[i%len(readsCampaigns)].v)
			if err == nil && st.Collected == 0 {
				err = fmt.Errorf("empty stats")
			}
			return err
		}},
	}
}
