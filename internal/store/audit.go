package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// auditSchema is the access log: who was shown or handed citizens' personal data
// (names, phones, the original cells of an imported file, Temporal's payloads in
// clear), when, from where, and what it was about. It is append-only: the store has
// no statement that changes or removes a row, and the database refuses one
// (dialect.appendOnly). Entries are kept for good; an installation that must
// discard old ones does so in the database, deliberately (docs/security.md).
//
// object is the opinion, batch or campaign the entry is about; detail the request
// that did it (method and path: ids, never a name or a phone); count how many
// records of personal data it showed or handed out (1 for an opinion, the rows of
// a file, the payloads decrypted).
const auditSchema = `
CREATE TABLE IF NOT EXISTS audit_log (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	at       BIGINT NOT NULL,
	username TEXT NOT NULL,
	action   TEXT NOT NULL,
	object   TEXT NOT NULL,
	detail   TEXT NOT NULL,
	count    INTEGER NOT NULL,
	client   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_username ON audit_log (username, id);
CREATE INDEX IF NOT EXISTS audit_log_object ON audit_log (object, id);
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log (action, id);
`

// What the access log records (AuditEntry.Action).
const (
	// AuditReadPersonalData: a citizen's name or phone, or an imported file's
	// original cells, shown in an answer or a page.
	AuditReadPersonalData = "read_personal_data"
	// AuditExportPersonalData: a file or ledger that holds them, downloaded.
	AuditExportPersonalData = "export_personal_data"
	// AuditDecryptPayloads: Temporal's payloads decrypted for a reader of its
	// histories (the Web UI's codec endpoint).
	AuditDecryptPayloads = "decrypt_payloads"
	// AuditPublish: opinions published to the public (公示), their text masked;
	// the object is the publication, the count its items.
	AuditPublish = "publish"
	// AuditResendNotification: a failed notification sent again by the office;
	// the object is the delivery (the delivery record says what and to whom).
	AuditResendNotification = "resend_notification"
)

// AuditActions are the actions the access log records, in the order lists offer them.
var AuditActions = append([]string{AuditReadPersonalData, AuditExportPersonalData, AuditDecryptPayloads, AuditPublish, AuditResendNotification},
	UserAuditActions...)

// AuditEntry is one row of the access log.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	User   string    `json:"user"`
	Action string    `json:"action"`
	Object string    `json:"object"`
	Detail string    `json:"detail"`
	Count  int       `json:"count"`
	Client string    `json:"client"`
}

// Bounds on what one entry keeps: the detail and client come from the request.
const (
	auditDetailMax = 200
	auditClientMax = 100
)

// AppendAudit adds entries to the access log in one transaction: all of them, or
// none and an error. Their ids are the store's.
func (s *Store) AppendAudit(ctx context.Context, entries ...AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: audit log: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := appendAudit(ctx, tx, entries...); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: audit log: %w", err)
	}
	return nil
}

// appendAudit adds entries to the access log within tx, so they land with the
// writes they record (a publication) or not at all.
func appendAudit(ctx context.Context, tx *sql.Tx, entries ...AuditEntry) error {
	stmt, err := tx.PrepareContext(ctx, `
INSERT INTO audit_log (at, username, action, object, detail, count, client) VALUES ($1, $2, $3, $4, $5, $6, $7)`)
	if err != nil {
		return fmt.Errorf("store: audit log: %w", err)
	}
	defer stmt.Close()
	for _, e := range entries {
		if _, err := stmt.ExecContext(ctx, e.At.UnixMilli(), e.User, e.Action, e.Object,
			cut(e.Detail, auditDetailMax), e.Count, cut(e.Client, auditClientMax)); err != nil {
			return fmt.Errorf("store: audit log: %w", err)
		}
	}
	return nil
}

// cut keeps at most n bytes of s, dropping a character the cut would split.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// AuditFilter narrows the access log. Empty fields do not filter.
type AuditFilter struct {
	User, Action, Object string
	// Since (inclusive) and Until (exclusive) bound when; zero leaves that end open.
	Since, Until time.Time
	// Before keeps entries older than the one with this id: the next page's cursor
	// (AuditPage.Next). 0 starts with the newest.
	Before int64
	// Limit is the page's size (0: 50).
	Limit int
}

// AuditPage is a page of the access log, newest first.
type AuditPage struct {
	Entries []AuditEntry
	// Next is the Before of the page after this one; 0 when this is the last.
	Next int64
}

// AuditLog reads a page of the access log, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) (AuditPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var p params
	var conds []string
	for _, c := range []struct{ column, value string }{{"username", f.User}, {"action", f.Action}, {"object", f.Object}} {
		if c.value != "" {
			conds = append(conds, c.column+" = "+p.add(c.value))
		}
	}
	if !f.Since.IsZero() {
		conds = append(conds, "at >= "+p.add(f.Since.UnixMilli()))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "at < "+p.add(f.Until.UnixMilli()))
	}
	if f.Before > 0 {
		conds = append(conds, "id < "+p.add(f.Before))
	}
	q := `SELECT id, at, username, action, object, detail, count, client FROM audit_log`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	// One more than the page: whether there is a next one.
	q += " ORDER BY id DESC LIMIT " + p.add(f.Limit+1)
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return AuditPage{}, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	page := AuditPage{Entries: []AuditEntry{}}
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.User, &e.Action, &e.Object, &e.Detail, &e.Count, &e.Client); err != nil {
			return AuditPage{}, err
		}
		e.At = time.UnixMilli(at).UTC()
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return AuditPage{}, err
	}
	if len(page.Entries) > f.Limit {
		page.Entries = page.Entries[:f.Limit]
		page.Next = page.Entries[f.Limit-1].ID
	}
	return page, nil
}
