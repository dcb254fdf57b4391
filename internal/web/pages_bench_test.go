package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/store"
)

// BenchmarkPages measures the pages people open most — an official's inbox, an
// opinion's page and the leader's dashboard — with 10,000 opinions in the store,
// against the dashboard of a 50-opinion campaign, reporting p95 latency.
func BenchmarkPages(b *testing.B) {
	e := newLeaderEnv(b)
	e.createCampaign(b, "big", "万条意见")
	e.createCampaign(b, "small", "五十条意见")
	leaderBenchSeed(b, e, "big", 10_000)
	leaderBenchSeed(b, e, "small", 50)
	ctx := context.Background()
	sessions := map[string]string{}
	for _, who := range []string{ldLeader, ldOfficial} {
		sess := store.Session{ID: "bench-" + who, Username: who, CSRF: "bench", ExpiresAt: leaderNow.Add(time.Hour), LastSeen: leaderNow}
		require.NoError(b, e.store.CreateSession(ctx, sess))
		sessions[who] = sess.ID
	}
	web, err := New(e.svc, e.api, slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	h := web.Handler()
	for _, bc := range []struct{ name, who, path string }{
		{"baseline-dashboard-50-opinions", ldLeader, "/dashboard?campaign=small"},
		{"inbox-10k", ldOfficial, "/tasks"},
		{"opinion-page-10k", ldLeader, "/opinions/big-00003"},
		{"dashboard-10k", ldLeader, "/dashboard?campaign=big"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, bc.path, nil)
				req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sessions[bc.who]})
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				took = append(took, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d", bc.path, rec.Code)
				}
			}
			b.ReportMetric(float64(leaderP95(took).Microseconds())/1000, "p95-ms")
		})
	}
}
