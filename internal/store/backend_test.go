package store_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/pgtest"
	"rectify/internal/store"
)

// backend makes fresh, empty stores on one kind of database.
type backend struct {
	name string
	// dsn is where a fresh store lives for t alone (what Open takes).
	dsn func(t testing.TB) string
}

// open opens a fresh store and closes it when the test ends.
func (b backend) open(t testing.TB) *store.Store {
	t.Helper()
	return openAt(t, b.dsn(t))
}

// openAt opens the store at dsn and closes it when the test ends.
func openAt(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(dsn)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// sqliteFiles keeps each store in a SQLite file of its own. The write and list
// benchmarks run on it, the default store; BenchmarkReads runs on every backend.
var sqliteFiles = backend{name: "sqlite", dsn: func(t testing.TB) string { return filepath.Join(t.TempDir(), "rectify.db") }}

// backends start each database the store runs on, for the test or benchmark t: a
// SQLite file per store, and a database per store on one PostgreSQL server that
// lives as long as t (so every store of t shares it, and none sees another's data).
var backends = []struct {
	name  string
	start func(t testing.TB) backend
}{
	{"sqlite", func(testing.TB) backend { return sqliteFiles }},
	{"postgres", func(t testing.TB) backend {
		srv := pgtest.Start(t)
		var n atomic.Int64
		return backend{name: "postgres", dsn: func(t testing.TB) string {
			return srv.CreateDatabase(t, fmt.Sprintf("store_%d", n.Add(1)))
		}}
	}},
}

// TestStore runs every store test on every backend, so both behave the same.
func TestStore(t *testing.T) {
	tests := []struct {
		name string
		run  func(*testing.T, backend)
	}{
		{"ProjectOpinionIsIdempotentAndOrdered", testProjectOpinionIsIdempotentAndOrdered},
		{"OpinionTimeline", testOpinionTimeline},
		{"Campaigns", testCampaigns},
		{"OpinionsFiltersAndOrder", testOpinionsFiltersAndOrder},
		{"OpinionsPaging", testOpinionsPaging},
		{"OpinionsDefaultLimit", testOpinionsDefaultLimit},
		{"OpinionsTriageFilters", testOpinionsTriageFilters},
		{"OpinionsTriageRandom", testOpinionsTriageRandom},
		{"TriageColumnsFilledIn", testTriageColumnsFilledIn},
		{"StatsExact", testStatsExact},
		{"StatsEmptyCampaign", testStatsEmptyCampaign},
		{"QualityFiguresByHand", testQualityFiguresByHand},
		{"OpinionsFixedOnTheSpotCountAsImmediate", testOpinionsFixedOnTheSpotCountAsImmediate},
		{"LongTermItemsAreCountedAsSuch", testLongTermItemsAreCountedAsSuch},
		{"FiguresAreOneSnapshot", testFiguresAreOneSnapshot},
		{"ClusterWritersStayExact", testClusterWritersStayExact},
		{"OpenHidesPasswords", testOpenHidesPasswords},
		{"PayloadKeysMustBeTheInstallations", testPayloadKeysMustBeTheInstallations},
		{"Outbox", testOutbox},
		{"Batches", testBatches},
		{"Bulks", testBulks},
		{"SessionsAndLanguage", testSessionsAndLanguage},
		{"SessionsFromBeforeHashing", testSessionsFromBeforeHashing},
		{"PublishedAndClosures", testPublishedAndClosures},
		{"EachOpinion", testEachOpinion},
		{"ProjectionFollowsTheWorkflowTask", testProjectionFollowsTheWorkflowTask},
		{"UnconfirmedWritesSettle", testUnconfirmedWritesSettle},
		{"AuditLog", testAuditLog},
		{"Attachments", testAttachments},
		{"DeliveryRecord", testDeliveryRecord},
	}
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.start(t)
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, b) })
			}
		})
	}
}
