package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/store"
)

// testAuditLog keeps every entry, reads them newest first a page at a time with
// every filter, bounds what a request may write into one, and refuses to change or
// remove one even to someone who reaches the database with SQL.
func testAuditLog(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.dsn(t)
	s, other := openAt(t, dsn), openAt(t, dsn) // two processes write one log
	page, err := s.AuditLog(ctx, store.AuditFilter{})
	require.NoError(t, err)
	require.Empty(t, page.Entries)
	require.Zero(t, page.Next)

	at := func(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }
	read := func(user, object string, minutes int) store.AuditEntry {
		return store.AuditEntry{At: at(minutes), User: user, Action: store.AuditReadPersonalData, Object: object,
			Detail: "GET /api/v1/opinions/" + object, Count: 1, Client: "192.0.2.7"}
	}
	require.NoError(t, s.AppendAudit(ctx, read("office", "op-1", 0)))
	require.NoError(t, other.AppendAudit(ctx, read("office", "op-1", 1), read("office", "op-2", 1)), "a list: one entry per opinion, at once")
	require.NoError(t, s.AppendAudit(ctx, store.AuditEntry{At: at(2), User: "office2", Action: store.AuditExportPersonalData,
		Object: "b-1", Detail: "GET /batches/b-1/rejections.csv", Count: 12, Client: "198.51.100.4 via 10.0.0.2"}))
	require.NoError(t, other.AppendAudit(ctx, store.AuditEntry{At: at(3), User: "leader", Action: store.AuditDecryptPayloads,
		Detail: "POST /codec/decode", Count: 3, Client: "127.0.0.1"}))
	require.NoError(t, s.AppendAudit(ctx), "nothing to add is no error")

	objects := func(p store.AuditPage) []string {
		var out []string
		for _, e := range p.Entries {
			out = append(out, e.Action+":"+e.Object)
		}
		return out
	}
	page, err = s.AuditLog(ctx, store.AuditFilter{})
	require.NoError(t, err)
	require.Equal(t, []string{"decrypt_payloads:", "export_personal_data:b-1", "read_personal_data:op-2",
		"read_personal_data:op-1", "read_personal_data:op-1"}, objects(page), "newest first")
	require.Zero(t, page.Next, "one page holds them all")
	export := page.Entries[1]
	require.Equal(t, store.AuditEntry{ID: export.ID, At: at(2), User: "office2", Action: store.AuditExportPersonalData,
		Object: "b-1", Detail: "GET /batches/b-1/rejections.csv", Count: 12, Client: "198.51.100.4 via 10.0.0.2"}, export)
	require.Equal(t, time.UTC, export.At.Location())

	// A page at a time: the cursor is the last entry's id, and no entry is read twice.
	var seen []int64
	f := store.AuditFilter{Limit: 2}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 3)
		p, err := s.AuditLog(ctx, f)
		require.NoError(t, err)
		require.LessOrEqual(t, len(p.Entries), 2)
		for _, e := range p.Entries {
			seen = append(seen, e.ID)
		}
		if p.Next == 0 {
			break
		}
		require.Equal(t, p.Entries[len(p.Entries)-1].ID, p.Next)
		f.Before = p.Next
	}
	require.Len(t, seen, 5)
	for i := 1; i < len(seen); i++ {
		require.Greater(t, seen[i-1], seen[i], "ids fall from page to page")
	}

	for _, tc := range []struct {
		name string
		f    store.AuditFilter
		want []string
	}{
		{"by user", store.AuditFilter{User: "office"}, []string{"read_personal_data:op-2", "read_personal_data:op-1", "read_personal_data:op-1"}},
		{"by action", store.AuditFilter{Action: store.AuditExportPersonalData}, []string{"export_personal_data:b-1"}},
		{"by object", store.AuditFilter{Object: "op-1"}, []string{"read_personal_data:op-1", "read_personal_data:op-1"}},
		{"since is inclusive", store.AuditFilter{Since: at(2)}, []string{"decrypt_payloads:", "export_personal_data:b-1"}},
		{"until is exclusive", store.AuditFilter{Until: at(1)}, []string{"read_personal_data:op-1"}},
		{"both, and a user", store.AuditFilter{Since: at(1), Until: at(3), User: "office"}, []string{"read_personal_data:op-2", "read_personal_data:op-1"}},
		{"nothing matches", store.AuditFilter{User: "nobody"}, nil},
	} {
		p, err := s.AuditLog(ctx, tc.f)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, objects(p), tc.name)
	}

	// What comes from the request is bounded, and never cut inside a character.
	long := strings.Repeat("路", 100) // 300 bytes
	require.NoError(t, s.AppendAudit(ctx, store.AuditEntry{At: at(4), User: "office", Action: store.AuditReadPersonalData,
		Object: "op-3", Detail: "GET /opinions/" + long, Count: 1, Client: strings.Repeat("x", 300)}))
	p, err := s.AuditLog(ctx, store.AuditFilter{Object: "op-3"})
	require.NoError(t, err)
	require.Len(t, p.Entries, 1)
	require.LessOrEqual(t, len(p.Entries[0].Detail), 200)
	require.True(t, strings.HasSuffix(p.Entries[0].Detail, "路"), "whole characters only")
	require.Len(t, p.Entries[0].Client, 100)

	// Append-only, in the database itself.
	driver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[b.name]
	require.NotEmpty(t, driver, b.name)
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	defer db.Close()
	for _, q := range []string{`UPDATE audit_log SET username = 'someone'`, `DELETE FROM audit_log`, `DELETE FROM audit_log WHERE object = 'op-1'`} {
		_, err := db.ExecContext(ctx, q)
		require.Error(t, err, q)
		require.Contains(t, err.Error(), "append-only", q)
	}
	if b.name == "postgres" {
		_, err := db.ExecContext(ctx, `TRUNCATE audit_log`)
		require.ErrorContains(t, err, "append-only")
	}
	// Opening the store again (a restart, another process) keeps the log and the rule.
	again := openAt(t, dsn)
	p, err = again.AuditLog(ctx, store.AuditFilter{Limit: 100})
	require.NoError(t, err)
	require.Len(t, p.Entries, 6)
	_, err = db.ExecContext(ctx, `DELETE FROM audit_log`)
	require.ErrorContains(t, err, "append-only")
}
