package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// testBatches writes an import in several transactions, records row outcomes and
// finishes it; a batch never committed leaves nothing behind.
func testBatches(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)

	w, err := s.NewBatch(ctx, store.Batch{ID: "b1", CampaignID: "c1", FileName: "意见.xlsx", CreatedBy: "office", CreatedAt: base})
	require.NoError(t, err)
	defer w.Rollback()
	const accepted = 2500 // more than one write transaction's worth
	for i := range accepted {
		require.NoError(t, w.Accept(ctx, map[string]any{"row": i, "content": "路灯不亮"}))
	}
	for i := range 3 {
		require.NoError(t, w.Reject(ctx, store.Rejection{Sheet: "Sheet1", Line: 10 + i, Column: "内容", Code: "required",
			Reason: "内容不能为空", Cells: []string{"", "hotline"}}))
	}
	require.NoError(t, w.Reject(ctx, store.Rejection{Sheet: "Sheet1", Line: 20, Column: "日期", Code: "date", Reason: "日期无法识别"}))
	got, err := w.Commit(ctx, accepted+4, store.BatchImporting, []string{"说明"}, map[string][]string{"Sheet1": {"内容", "渠道"}})
	require.NoError(t, err)
	require.Equal(t, accepted, got.Accepted)
	require.Equal(t, 4, got.Rejected)

	ids, err := s.BatchesIn(ctx, store.BatchImporting)
	require.NoError(t, err)
	require.Equal(t, []string{"b1"}, ids)
	rows, err := s.PendingRows(ctx, "b1", 10, 13)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Equal(t, 10, rows[0].Seq)
	require.JSONEq(t, `{"row": 10, "content": "路灯不亮"}`, string(rows[0].Opinion))

	require.NoError(t, s.RecordOutcomes(ctx, "b1", map[int]string{10: store.OutcomeStarted, 11: store.OutcomeAlreadyPresent}))
	require.NoError(t, s.RecordOutcomes(ctx, "b1", map[int]string{10: store.OutcomeAlreadyPresent, 12: store.OutcomeStarted}),
		"a row keeps its first outcome")
	rows, err = s.PendingRows(ctx, "b1", 0, accepted)
	require.NoError(t, err)
	require.Len(t, rows, accepted-3)

	require.NoError(t, s.FinishBatch(ctx, "b1", base.Add(time.Hour)))
	require.NoError(t, s.FinishBatch(ctx, "b1", base.Add(2*time.Hour)), "finishing twice changes nothing")
	got, err = s.Batch(ctx, "b1")
	require.NoError(t, err)
	require.Equal(t, store.BatchDone, got.State)
	require.Equal(t, base.Add(time.Hour), got.FinishedAt.UTC())
	require.Equal(t, 2, got.Started)
	require.Equal(t, 1, got.AlreadyPresent)
	require.Equal(t, []string{"说明"}, got.SkippedSheets)
	ids, err = s.BatchesIn(ctx, store.BatchImporting)
	require.NoError(t, err)
	require.Empty(t, ids)

	rejections, err := s.Rejections(ctx, "b1", 2)
	require.NoError(t, err)
	require.Equal(t, []store.Rejection{
		{Sheet: "Sheet1", Line: 10, Column: "内容", Code: "required", Reason: "内容不能为空", Cells: []string{"", "hotline"}},
		{Sheet: "Sheet1", Line: 11, Column: "内容", Code: "required", Reason: "内容不能为空", Cells: []string{"", "hotline"}},
	}, rejections)
	rejections, err = s.Rejections(ctx, "b1", 0)
	require.NoError(t, err)
	require.Len(t, rejections, 4)

	f, err := s.Figures(ctx, store.FiguresRequest{})
	require.NoError(t, err)
	require.Equal(t, []store.BatchFigures{{ID: "b1", CampaignID: "c1", State: store.BatchDone, Accepted: accepted, Rejected: 4,
		RejectedByCode: map[string]int{"required": 3, "date": 1}}}, f.Batches)

	// A batch abandoned before Commit leaves no rows.
	abandoned, err := s.NewBatch(ctx, store.Batch{ID: "b2", CampaignID: "c1", CreatedAt: base})
	require.NoError(t, err)
	for i := range 1500 {
		require.NoError(t, abandoned.Accept(ctx, map[string]int{"row": i}))
	}
	abandoned.Rollback()
	rows, err = s.PendingRows(ctx, "b2", 0, 1500)
	require.NoError(t, err)
	require.Empty(t, rows)
	_, err = s.Batch(ctx, "b2")
	require.ErrorIs(t, err, store.ErrNotFound)

	// The opinion a batch started knows its batch.
	o := newOpinion("op-1", "c1", domain.StateReceived, 1)
	o.BatchID = "b1"
	require.NoError(t, s.ProjectOpinion(ctx, o))
	batchID, found, err := s.OpinionBatch(ctx, "op-1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "b1", batchID)
	require.NoError(t, s.ProjectOpinion(ctx, newOpinion("op-2", "c1", domain.StateReceived, 1)))
	batchID, found, err = s.OpinionBatch(ctx, "op-2")
	require.NoError(t, err)
	require.True(t, found)
	require.Empty(t, batchID)
	_, found, err = s.OpinionBatch(ctx, "op-3")
	require.NoError(t, err)
	require.False(t, found)
}

// testSessionsAndLanguage keeps sessions until they expire or end, under the
// digest of their id, and a language per user.
func testSessionsAndLanguage(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.dsn(t)
	s := openAt(t, dsn)
	sess := store.Session{ID: "s1", Username: "official", CSRF: "csrf-1", ExpiresAt: base.Add(time.Hour), LastSeen: base}
	require.NoError(t, s.CreateSession(ctx, sess))
	require.NoError(t, s.CreateSession(ctx, store.Session{ID: "s2", Username: "leader", CSRF: "csrf-2", ExpiresAt: base.Add(time.Minute), LastSeen: base}))

	got, err := s.Session(ctx, "s1", base)
	require.NoError(t, err)
	require.Equal(t, "s1", got.ID)
	require.Equal(t, sess.Username, got.Username)
	require.Equal(t, sess.CSRF, got.CSRF)
	require.True(t, sess.ExpiresAt.Equal(got.ExpiresAt))
	require.True(t, base.Equal(got.LastSeen))
	_, err = s.Session(ctx, "s1", base.Add(time.Hour))
	require.ErrorIs(t, err, store.ErrNotFound, "expired")

	// The table holds digests: what it holds opens no session.
	ids := rawQuery(t, b, dsn, `SELECT id FROM sessions ORDER BY username`)
	require.Equal(t, []string{sha256Hex("s2"), sha256Hex("s1")}, ids)
	_, err = s.Session(ctx, ids[1], base)
	require.ErrorIs(t, err, store.ErrNotFound)

	// Use moves last_seen on, never back.
	require.NoError(t, s.TouchSession(ctx, "s1", base.Add(5*time.Minute)))
	require.NoError(t, s.TouchSession(ctx, "s1", base.Add(2*time.Minute)))
	got, err = s.Session(ctx, "s1", base)
	require.NoError(t, err)
	require.True(t, base.Add(5*time.Minute).Equal(got.LastSeen), "last seen %s", got.LastSeen)

	require.NoError(t, s.DeleteSession(ctx, "s1", base.Add(2*time.Minute)))
	for _, id := range []string{"s1", "s2"} {
		_, err = s.Session(ctx, id, base)
		require.ErrorIs(t, err, store.ErrNotFound, "%s: ended, or removed with the expired ones", id)
	}

	// Signing out everywhere ends every session of one user, and only theirs.
	for _, id := range []string{"a1", "a2", "a3"} {
		require.NoError(t, s.CreateSession(ctx, store.Session{ID: id, Username: "office", CSRF: "c", ExpiresAt: base.Add(time.Hour), LastSeen: base}))
	}
	require.NoError(t, s.CreateSession(ctx, store.Session{ID: "b1", Username: "leader", CSRF: "c", ExpiresAt: base.Add(time.Hour), LastSeen: base}))
	n, err := s.DeleteUserSessions(ctx, "office")
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	for _, id := range []string{"a1", "a2", "a3"} {
		_, err = s.Session(ctx, id, base)
		require.ErrorIs(t, err, store.ErrNotFound, id)
	}
	_, err = s.Session(ctx, "b1", base)
	require.NoError(t, err, "another user's session stays")
	n, err = s.DeleteUserSessions(ctx, "office")
	require.NoError(t, err)
	require.Zero(t, n)

	lang, err := s.Language(ctx, "official")
	require.NoError(t, err)
	require.Empty(t, lang)
	require.NoError(t, s.SetLanguage(ctx, "official", "en"))
	require.NoError(t, s.SetLanguage(ctx, "official", "zh"))
	lang, err = s.Language(ctx, "official")
	require.NoError(t, err)
	require.Equal(t, "zh", lang)
}

// testSessionsFromBeforeHashing opens a store whose sessions table is the first
// release's, ids kept as they are: opening it adds last_seen and drops those rows
// (no cookie finds them any more), and new sessions work.
func testSessionsFromBeforeHashing(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.dsn(t)
	rawExec(t, b, dsn,
		`CREATE TABLE sessions (id TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL, expires_at BIGINT NOT NULL)`,
		`INSERT INTO sessions (id, username, csrf, expires_at) VALUES ('plain-id', 'office', 'x', `+strconv.FormatInt(base.Add(time.Hour).UnixMilli(), 10)+`)`)
	s := openAt(t, dsn)
	_, err := s.Session(ctx, "plain-id", base)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.Empty(t, rawQuery(t, b, dsn, `SELECT id FROM sessions`), "the stored ids are gone")
	require.NoError(t, s.CreateSession(ctx, store.Session{ID: "new", Username: "office", CSRF: "c", ExpiresAt: base.Add(time.Hour), LastSeen: base}))
	got, err := s.Session(ctx, "new", base)
	require.NoError(t, err)
	require.True(t, base.Equal(got.LastSeen))
	require.NoError(t, s.Close())

	// Opening it again keeps the sessions.
	s = openAt(t, dsn)
	_, err = s.Session(ctx, "new", base)
	require.NoError(t, err)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// rawDB opens the database behind a store's dsn directly, as another program would.
func rawDB(t *testing.T, b backend, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if b.name == "postgres" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func rawExec(t *testing.T, b backend, dsn string, statements ...string) {
	t.Helper()
	db := rawDB(t, b, dsn)
	for _, q := range statements {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())
}

// rawQuery reads one text column.
func rawQuery(t *testing.T, b backend, dsn, query string) []string {
	t.Helper()
	db := rawDB(t, b, dsn)
	defer db.Close()
	rows, err := db.Query(query)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		require.NoError(t, rows.Scan(&v))
		out = append(out, v)
	}
	require.NoError(t, rows.Err())
	return out
}

// testPublishedAndClosures reads what is published of a campaign, the closures by
// day in the campaign's time zone, and the opinions awaiting an extension decision.
func testPublishedAndClosures(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mk := func(id string, state domain.State, category string, closed time.Time) domain.Opinion {
		o := newOpinion(id, "c1", state, 3)
		o.Category, o.Department, o.Measures = category, "城管科", "更换灯具 "+id
		o.Schedule.Deadline = "2026-10-10"
		o.ClosedAt = closed
		return o
	}
	// 23:30 UTC is the next morning in Beijing (UTC+8).
	late := time.Date(2026, 9, 3, 23, 30, 0, 0, time.UTC)
	early := time.Date(2026, 9, 3, 1, 0, 0, 0, time.UTC)
	waiting := mk("op-wait", domain.StateInProgress, "形式主义", time.Time{})
	waiting.PendingExtension = &domain.Extension{Until: "2026-10-20", Reason: "材料未到", RequestedBy: "official", RequestedAt: base}
	for _, o := range []domain.Opinion{
		mk("op-late", domain.StateClosed, "形式主义", late),
		mk("op-early", domain.StateClosed, "形式主义", early),
		mk("op-other", domain.StateClosed, "官僚主义", early),
		waiting,
		mk("op-uncat", domain.StateReceived, "", time.Time{}),
		mk("op-rej", domain.StateRejected, "形式主义", time.Time{}),
	} {
		require.NoError(t, s.ProjectOpinion(ctx, o))
	}

	days, err := s.ClosuresByDay(ctx, "c1", 8*60*60)
	require.NoError(t, err)
	require.Equal(t, []store.DayCount{{Day: "2026-09-03", Count: 2}, {Day: "2026-09-04", Count: 1}}, days)
	days, err = s.ClosuresByDay(ctx, "c1", 0)
	require.NoError(t, err)
	require.Equal(t, []store.DayCount{{Day: "2026-09-03", Count: 3}}, days)
	due, err := s.DueByDay(ctx, "c1", 8*60*60)
	require.NoError(t, err)
	require.Equal(t, []store.DayCount{{Day: "2026-09-01", Count: 5}}, due, "every opinion but the rejected one, by the day it came in")

	items, err := s.PublicResults(ctx, "c1")
	require.NoError(t, err)
	var got []string
	for _, it := range items {
		got = append(got, it.Measures)
		require.Equal(t, "城管科", it.Department)
	}
	// Categories in order; in each, closed items by the day they closed, then the rest.
	require.Equal(t, []string{"更换灯具 op-other", "更换灯具 op-early", "更换灯具 op-late", "更换灯具 op-wait"}, got)
	require.Equal(t, "小区路灯不亮 op-other", items[0].Content)
	require.True(t, early.Equal(items[0].ClosedAt))
	require.True(t, items[3].ClosedAt.IsZero())

	page, err := s.Opinions(ctx, store.Filter{CampaignID: "c1", PendingExtension: true})
	require.NoError(t, err)
	require.Equal(t, []string{"op-wait"}, ids(page))
	b2, err := json.Marshal(page.Opinions[0].PendingExtension)
	require.NoError(t, err)
	require.Contains(t, string(b2), "材料未到")
}

// testBulks: a bulk is stored with its opinions in order; each item keeps its
// first outcome, whatever is recorded again, and the counts are read from them.
func testBulks(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	ids := make([]string, 1500) // more than one chunk's worth
	for i := range ids {
		ids[i] = fmt.Sprintf("op-%04d", i)
	}
	bulk := store.Bulk{ID: "k1", CampaignID: "c1", Action: domain.ActionReject, Body: domain.ActionBody{Reason: "与整改无关"},
		CreatedBy: "office", CreatedAt: base}
	got, err := s.CreateBulk(ctx, bulk, ids)
	require.NoError(t, err)
	require.Equal(t, 1500, got.Total)
	_, err = s.CreateBulk(ctx, bulk, ids)
	require.ErrorIs(t, err, store.ErrExists)

	running, err := s.BulksIn(ctx, store.BulkRunning)
	require.NoError(t, err)
	require.Equal(t, []string{"k1"}, running)
	items, err := s.BulkItems(ctx, "k1", 10, 13)
	require.NoError(t, err)
	require.Equal(t, []store.BulkItem{{Seq: 10, OpinionID: "op-0010"}, {Seq: 11, OpinionID: "op-0011"}, {Seq: 12, OpinionID: "op-0012"}}, items)

	require.NoError(t, s.MarkBulkItemSent(ctx, "k1", 10))
	require.NoError(t, s.MarkBulkItemSent(ctx, "k1", 11))
	require.NoError(t, s.RecordBulkOutcomes(ctx, "k1", []store.BulkItem{
		{Seq: 10, Status: store.BulkItemDone},
		{Seq: 11, Status: store.BulkItemRefused, Code: "wrong_state", Message: "cannot reject an opinion that is assigned"},
	}))
	// Recorded again (a retried chunk), or sent again: the first outcome stays.
	require.NoError(t, s.RecordBulkOutcomes(ctx, "k1", []store.BulkItem{{Seq: 11, Status: store.BulkItemDone}}))
	require.NoError(t, s.MarkBulkItemSent(ctx, "k1", 10))
	require.Error(t, s.RecordBulkOutcomes(ctx, "k1", []store.BulkItem{{Seq: 12, Status: store.BulkItemSent}}), "not an outcome")
	items, err = s.BulkItems(ctx, "k1", 10, 13)
	require.NoError(t, err)
	require.Equal(t, []store.BulkItem{
		{Seq: 10, OpinionID: "op-0010", Status: store.BulkItemDone},
		{Seq: 11, OpinionID: "op-0011", Status: store.BulkItemRefused, Code: "wrong_state", Message: "cannot reject an opinion that is assigned"},
		{Seq: 12, OpinionID: "op-0012"},
	}, items)
	refused, err := s.RefusedBulkItems(ctx, "k1", 10)
	require.NoError(t, err)
	require.Equal(t, []store.BulkItem{items[1]}, refused, "only the refused one")
	all, err := s.BulkItems(ctx, "k1", 1490, -1)
	require.NoError(t, err)
	require.Len(t, all, 10, "to the end")

	got, err = s.Bulk(ctx, "k1")
	require.NoError(t, err)
	require.Equal(t, [4]int{1500, 1, 1, 0}, [4]int{got.Total, got.Done, got.Refused, len(got.Body.Category)})
	require.Equal(t, domain.ActionReject, got.Action)
	require.Equal(t, "与整改无关", got.Body.Reason)
	require.Equal(t, store.BulkRunning, got.State)

	require.NoError(t, s.FinishBulk(ctx, "k1", base.Add(time.Hour)))
	require.NoError(t, s.FinishBulk(ctx, "k1", base.Add(2*time.Hour)), "idempotent")
	got, err = s.Bulk(ctx, "k1")
	require.NoError(t, err)
	require.Equal(t, store.BulkDone, got.State)
	require.True(t, got.FinishedAt.Equal(base.Add(time.Hour)), "finished once")
	require.Equal(t, 1, got.Done, "the counts are the items'")
	running, err = s.BulksIn(ctx, store.BulkRunning)
	require.NoError(t, err)
	require.Empty(t, running)
	_, err = s.Bulk(ctx, "none")
	require.ErrorIs(t, err, store.ErrNotFound)
}
