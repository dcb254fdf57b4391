package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"rectify/internal/domain"
)

// Evidence files (整改佐证材料) live in the reporting store, bytes and all: every
// web node of a cluster serves every file, and a backup of the store has them. The
// record (attachments) is apart from the bytes (attachment_files), so that marking
// which round holds a file never rewrites megabytes.
//
// A file is uploaded before the action that names it. The projection marks the
// files an opinion's rounds and reports hold (used_action, used_round) from the
// workflow's own state, so after any crash the marks say what Temporal recorded.
// An upload no action has used for UnusedAttachmentLife is deleted by the next
// upload to its opinion; claimed_at, set when an action names a file, keeps it
// from that while the action is under way.
const attachmentSchema = `
CREATE TABLE IF NOT EXISTS attachments (
	id           TEXT PRIMARY KEY,
	opinion_id   TEXT NOT NULL,
	campaign_id  TEXT NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL,
	sha256       TEXT NOT NULL,
	thumbnail    INTEGER NOT NULL,
	uploaded_by  TEXT NOT NULL,
	uploaded_at  BIGINT NOT NULL,
	claimed_at   BIGINT NOT NULL DEFAULT 0,
	used_action  TEXT NOT NULL DEFAULT '',
	used_round   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS attachments_opinion ON attachments (opinion_id);
CREATE TABLE IF NOT EXISTS attachment_files (
	id        TEXT PRIMARY KEY,
	content   BLOB NOT NULL,
	thumbnail BLOB
);
`

// UnusedAttachmentLife is how long an upload no action has used is kept: a form
// sent again after a refusal uploads its files again, and what it left behind goes.
const UnusedAttachmentLife = 24 * time.Hour

// Attachment is a stored evidence file's record: everything but its bytes.
type Attachment struct {
	domain.AttachmentRef
	OpinionID  string
	CampaignID string
	UploadedBy string
	UploadedAt time.Time
	// UsedAction and UsedRound are the action whose round (for report-progress,
	// whose progress report) holds the file, numbered from 1; "" and 0 while no
	// action has used it.
	UsedAction domain.Action
	UsedRound  int
}

// AttachmentQuota bounds the files one opinion holds, used or not yet: how many
// and how many bytes in all.
type AttachmentQuota struct {
	Files int
	Bytes int64
}

// QuotaError refuses an upload past the opinion's AttachmentQuota: it holds Files
// files of Bytes bytes already.
type QuotaError struct {
	Files int
	Bytes int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("the opinion holds %d files of %d bytes already", e.Files, e.Bytes)
}

// SaveAttachment stores an uploaded file with its thumbnail (nil for none), unless
// its opinion would then hold more than quota allows (a *QuotaError). First it
// deletes the opinion's uploads unused for UnusedAttachmentLife before
// a.UploadedAt. Uploads to one opinion take turns (the projection's lock), so two
// at once cannot both squeeze under the quota.
func (s *Store) SaveAttachment(ctx context.Context, a Attachment, content, thumbnail []byte, quota AttachmentQuota) error {
	return s.inProjection(ctx, a.OpinionID, func(tx *sql.Tx) error {
		stale := a.UploadedAt.Add(-UnusedAttachmentLife).UnixMilli()
		unused := `FROM attachments WHERE opinion_id = $1 AND used_round = 0 AND uploaded_at < $2 AND claimed_at < $2`
		if _, err := tx.ExecContext(ctx, `DELETE FROM attachment_files WHERE id IN (SELECT id `+unused+`)`, a.OpinionID, stale); err != nil {
			return fmt.Errorf("store: attachment: sweep: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE `+unused, a.OpinionID, stale); err != nil {
			return fmt.Errorf("store: attachment: sweep: %w", err)
		}
		var held QuotaError
		if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(size), 0) FROM attachments WHERE opinion_id = $1`, a.OpinionID).
			Scan(&held.Files, &held.Bytes); err != nil {
			return fmt.Errorf("store: attachment: %w", err)
		}
		if held.Files+1 > quota.Files || held.Bytes+a.Size > quota.Bytes {
			return &held
		}
		if _, err := tx.ExecContext(ctx, `
INSERT INTO attachments (id, opinion_id, campaign_id, name, content_type, size, sha256, thumbnail, uploaded_by, uploaded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			a.ID, a.OpinionID, a.CampaignID, a.Name, a.ContentType, a.Size, a.SHA256, flag(a.Thumbnail), a.UploadedBy,
			a.UploadedAt.UnixMilli()); err != nil {
			return fmt.Errorf("store: attachment: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachment_files (id, content, thumbnail) VALUES ($1, $2, $3)`,
			a.ID, content, thumbnail); err != nil {
			return fmt.Errorf("store: attachment: %w", err)
		}
		return nil
	})
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

const attachmentColumns = `id, opinion_id, campaign_id, name, content_type, size, sha256, thumbnail, uploaded_by, uploaded_at,
	used_action, used_round`

func scanAttachment(row interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	var thumb int
	var at int64
	err := row.Scan(&a.ID, &a.OpinionID, &a.CampaignID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &thumb, &a.UploadedBy, &at,
		&a.UsedAction, &a.UsedRound)
	a.Thumbnail, a.UploadedAt = thumb == 1, time.UnixMilli(at).UTC()
	return a, err
}

// Attachment returns a stored file's record, or ErrNotFound.
func (s *Store) Attachment(ctx context.Context, id string) (Attachment, error) {
	a, err := scanAttachment(s.r.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("store: attachment: %w", err)
	}
	return a, nil
}

// AttachmentContent returns a stored file's bytes, or its thumbnail's: ErrNotFound
// when there is no such file, or it has no thumbnail.
func (s *Store) AttachmentContent(ctx context.Context, id string, thumbnail bool) ([]byte, error) {
	column := "content"
	if thumbnail {
		column = "thumbnail"
	}
	var data []byte
	err := s.r.QueryRowContext(ctx, `SELECT `+column+` FROM attachment_files WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && data == nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: attachment content: %w", err)
	}
	return data, nil
}

// ClaimAttachments returns the records of the files with these ids (those that
// exist, in the order asked), and marks the unused ones as claimed at at, so no
// upload deletes them for UnusedAttachmentLife while the action naming them is
// under way.
func (s *Store) ClaimAttachments(ctx context.Context, ids []string, at time.Time) ([]Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	claim := params{at.UnixMilli()}
	in := claim.add(anySlice(ids)...)
	if _, err := s.w.ExecContext(ctx, `UPDATE attachments SET claimed_at = $1 WHERE used_round = 0 AND id IN (`+in+`)`, claim...); err != nil {
		return nil, fmt.Errorf("store: claim attachments: %w", err)
	}
	var read params
	in = read.add(anySlice(ids)...)
	rows, err := s.w.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id IN (`+in+`)`, read...)
	if err != nil {
		return nil, fmt.Errorf("store: claim attachments: %w", err)
	}
	defer rows.Close()
	found := map[string]Attachment{}
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		found[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Attachment
	for _, id := range ids {
		if a, ok := found[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// DiscardAttachments deletes the files with these ids that by uploaded to the
// opinion and no action has used: what a form left behind when its action was
// refused.
func (s *Store) DiscardAttachments(ctx context.Context, opinionID, by string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.inProjection(ctx, opinionID, func(tx *sql.Tx) error {
		args := params{opinionID, by}
		which := `FROM attachments WHERE opinion_id = $1 AND uploaded_by = $2 AND used_round = 0 AND id IN (` + args.add(anySlice(ids)...) + `)`
		if _, err := tx.ExecContext(ctx, `DELETE FROM attachment_files WHERE id IN (SELECT id `+which+`)`, args...); err != nil {
			return fmt.Errorf("store: discard attachments: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE `+which, args...); err != nil {
			return fmt.Errorf("store: discard attachments: %w", err)
		}
		return nil
	})
}

func anySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// attachmentUse is the action and round (or progress report) that holds a file.
type attachmentUse struct {
	action domain.Action
	round  int
}

// markAttachments makes the opinion's files' marks what its rounds and reports
// hold, in the projection's transaction: a file a round names is used by it, and a
// file it no longer names (an unconfirmed write replaced by the workflow's own
// state) is unused again. A round's action is read from the timeline: the n-th
// submit, resolve or conclude made round n.
func markAttachments(ctx context.Context, tx *sql.Tx, o domain.Opinion, timeline []domain.Event) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, used_action, used_round FROM attachments WHERE opinion_id = $1`, o.ID)
	if err != nil {
		return fmt.Errorf("store: mark attachments: %w", err)
	}
	marked := map[string]attachmentUse{}
	for rows.Next() {
		var id string
		var u attachmentUse
		if err := rows.Scan(&id, &u.action, &u.round); err != nil {
			rows.Close()
			return err
		}
		marked[id] = u
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(marked) == 0 {
		return err
	}
	uses := map[string]attachmentUse{}
	var made []domain.Action
	for _, e := range timeline {
		if e.Action == domain.ActionSubmit || e.Action == domain.ActionResolve || e.Action == domain.ActionConclude {
			made = append(made, e.Action)
		}
	}
	for i, r := range o.Rounds {
		action := domain.ActionSubmit
		if i < len(made) {
			action = made[i]
		}
		for _, a := range r.Attachments {
			uses[a.ID] = attachmentUse{action, i + 1}
		}
	}
	for i, r := range o.Reports {
		for _, a := range r.Attachments {
			uses[a.ID] = attachmentUse{domain.ActionReportProgress, i + 1}
		}
	}
	if o.Task != nil {
		for i, c := range o.Task.Contributions {
			for _, a := range c.Attachments {
				uses[a.ID] = attachmentUse{domain.ActionContribute, i + 1}
			}
		}
	}
	ids := make([]string, 0, len(marked))
	for id := range marked {
		ids = append(ids, id)
	}
	slices.Sort(ids) // one order of updates, whichever the map's
	for _, id := range ids {
		if want := uses[id]; want != marked[id] {
			if _, err := tx.ExecContext(ctx, `UPDATE attachments SET used_action = $1, used_round = $2 WHERE id = $3`,
				want.action, want.round, id); err != nil {
				return fmt.Errorf("store: mark attachments: %w", err)
			}
		}
	}
	return nil
}
