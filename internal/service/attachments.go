package service

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"rectify/internal/attachment"
	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
)

// AttachmentLimits bound evidence files: one file, and all the files one opinion
// holds — its rounds', its reports', and uploads no action has used yet.
type AttachmentLimits struct {
	// MaxBytes bounds one file.
	MaxBytes int64
	// PerOpinion and OpinionBytes bound an opinion's files in number and in bytes.
	PerOpinion   int
	OpinionBytes int64
}

// DefaultAttachmentLimits are the defaults of RECTIFY_ATTACHMENT_MAX_BYTES,
// RECTIFY_ATTACHMENTS_PER_OPINION and RECTIFY_ATTACHMENTS_MAX_BYTES.
var DefaultAttachmentLimits = AttachmentLimits{MaxBytes: 10 << 20, PerOpinion: 20, OpinionBytes: 50 << 20}

// AttachmentLimits are the limits in force: the configured ones, each field left
// zero defaulting to DefaultAttachmentLimits'. The front doors refuse a larger upload
// before it reaches Attach.
func (s *Service) AttachmentLimits() AttachmentLimits {
	l, d := s.attachmentLimits, DefaultAttachmentLimits
	return AttachmentLimits{MaxBytes: cmp.Or(l.MaxBytes, d.MaxBytes), PerOpinion: cmp.Or(l.PerOpinion, d.PerOpinion),
		OpinionBytes: cmp.Or(l.OpinionBytes, d.OpinionBytes)}
}

// megabytes says a size in MB, for messages.
func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// AttachmentTooLarge is the refusal of a file over the limit of one file, for a
// front door that stops reading it there.
func (s *Service) AttachmentTooLarge(name string) error {
	max := s.AttachmentLimits().MaxBytes
	return Refuse(http.StatusRequestEntityTooLarge, "attachment_too_large", "api.attachment_too_large", name, megabytes(max))
}

// Attach stores a file u uploads to opinion id as evidence for a submit, resolve,
// report-progress or conclude to come, and answers the reference the action then
// names it by. The file is recognised by its content (internal/attachment): what
// rectify does not take is refused with a rule naming the file, and nothing is
// stored; a photo gets a thumbnail. u must be allowed to see the opinion and to
// take one of those actions on it now.
func (s *Service) Attach(ctx context.Context, u user.User, id, name string, data []byte) (domain.AttachmentRef, error) {
	o, err := s.attachable(ctx, u, id)
	if err != nil {
		return domain.AttachmentRef{}, err
	}
	limits := s.AttachmentLimits()
	if int64(len(data)) > limits.MaxBytes {
		return domain.AttachmentRef{}, s.AttachmentTooLarge(name)
	}
	kind, err := attachment.Check(name, data)
	if err != nil {
		return domain.AttachmentRef{}, refusedFile(err)
	}
	thumb, err := attachment.Thumbnail(name, kind, data)
	if err != nil {
		return domain.AttachmentRef{}, refusedFile(err)
	}
	sum := sha256.Sum256(data)
	ref := domain.AttachmentRef{ID: uuid.NewString(), Name: attachment.CleanName(name, kind), ContentType: kind.ContentType,
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Thumbnail: thumb != nil}
	err = s.store.SaveAttachment(ctx, store.Attachment{AttachmentRef: ref, OpinionID: o.ID, CampaignID: o.CampaignID,
		UploadedBy: u.Username, UploadedAt: s.Now()}, data, thumb, store.AttachmentQuota{Files: limits.PerOpinion, Bytes: limits.OpinionBytes})
	var full *store.QuotaError
	if errors.As(err, &full) {
		return domain.AttachmentRef{}, Refuse(http.StatusConflict, "attachments_per_opinion", "api.attachments_per_opinion",
			ref.Name, megabytes(ref.Size), full.Files, megabytes(full.Bytes), limits.PerOpinion, megabytes(limits.OpinionBytes))
	}
	if err != nil {
		return domain.AttachmentRef{}, err
	}
	return ref, nil
}

// refusedFile is a file internal/attachment refused, as a 422 with its rule.
func refusedFile(err error) error {
	var refused *attachment.Error
	if errors.As(err, &refused) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: refused.Code, Message: refused.Error(), Text: refused.Rule}
	}
	return err
}

// MayAttach checks that u may attach evidence to opinion id now, as Attach does,
// so that a front door refuses an upload before reading it.
func (s *Service) MayAttach(ctx context.Context, u user.User, id string) error {
	_, err := s.attachable(ctx, u, id)
	return err
}

// attachable is opinion id, if u may see it and may take one of the actions that
// carry evidence on it in its state: a 409 when u could, but not in this state;
// a 403 when u could not at all.
func (s *Service) attachable(ctx context.Context, u user.User, id string) (domain.Opinion, error) {
	o, err := s.Opinion(ctx, u, id)
	if err != nil {
		return o, err
	}
	return o, s.mayAttach(ctx, u, o)
}

func (s *Service) mayAttach(ctx context.Context, u user.User, o domain.Opinion) error {
	c, err := s.campaign(ctx, o.CampaignID)
	if err != nil {
		return err
	}
	allowed := domain.Allowed(&o, c.Policy, u.Actor())
	for _, a := range domain.EvidenceActions {
		if slices.Contains(allowed, a) {
			return nil
		}
	}
	for _, a := range domain.EvidenceActions {
		var appErr *temporal.ApplicationError
		if err := domain.Permitted(&o, a, u.Actor()); err == nil || (errors.As(err, &appErr) && appErr.Type() == domain.ErrConflict) {
			return Refuse(http.StatusConflict, "wrong_state", "api.attach_wrong_state", i18n.M("state."+string(o.State)))
		}
	}
	return forbidden("api.attach_forbidden")
}

// completeAttachments checks the evidence files an action names by id and
// completes each reference from what the store holds (a client's name or type for
// a file is never taken): each must exist, belong to this opinion and be used by
// no round or report yet. The files are claimed, so no upload sweeps them while
// the action is under way. The workflow's validator has the last word, on its own
// state: how many, each once, none of an earlier round.
func (s *Service) completeAttachments(ctx context.Context, o domain.Opinion, action domain.Action, b *domain.ActionBody) error {
	if len(b.Attachments) == 0 || !slices.Contains(domain.EvidenceActions, action) || len(b.Attachments) > domain.MaxAttachmentsPerAction {
		return nil // the validator says what is wrong with these
	}
	ids := make([]string, len(b.Attachments))
	for i, r := range b.Attachments {
		ids[i] = r.ID
	}
	found, err := s.store.ClaimAttachments(ctx, ids, s.Now())
	if err != nil {
		return err
	}
	refs := slices.Clone(b.Attachments)
	for i, r := range refs {
		j := slices.IndexFunc(found, func(a store.Attachment) bool { return a.ID == r.ID })
		if j < 0 {
			return Refuse(http.StatusUnprocessableEntity, "attachment_not_found", "api.attachment_not_uploaded", i, r.ID, o.ID)
		}
		a := found[j]
		if a.OpinionID != o.ID {
			return Refuse(http.StatusUnprocessableEntity, "attachment_other_opinion", "api.attachment_other_opinion", i, a.ID, a.Name)
		}
		if a.UsedRound != 0 {
			return Refuse(http.StatusConflict, "attachment_used", "api.attachment_used", a.ID, a.Name, usedBy(a))
		}
		refs[i] = a.AttachmentRef
	}
	b.Attachments = refs
	return nil
}

// usedBy names the round or progress report that holds a file.
func usedBy(a store.Attachment) i18n.Message {
	if a.UsedAction == domain.ActionReportProgress {
		return i18n.M("api.used_in_report", a.UsedRound)
	}
	return i18n.M("api.used_in_round", a.UsedRound)
}

// DiscardAttachments deletes the files of ids that u uploaded to the opinion and
// no action has used: what a form uploaded for an action that was then refused.
// Files an action did take, and other people's, stay.
func (s *Service) DiscardAttachments(ctx context.Context, u user.User, opinionID string, ids []string) error {
	return s.store.DiscardAttachments(ctx, opinionID, u.Username, ids)
}

// AttachmentFile is a stored evidence file, or its thumbnail, for u to download:
// u must be allowed to see its opinion (as GET /api/v1/opinions/{id}; a 403
// otherwise). A 404 when there is no such file, or no thumbnail of it. The file
// goes out as rectify recognised it, under the name it was given.
func (s *Service) AttachmentFile(ctx context.Context, u user.User, id string, thumbnail bool) (*Download, error) {
	a, err := s.store.Attachment(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, Refuse(http.StatusNotFound, "attachment_not_found", "api.attachment_not_found", id)
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.Opinion(ctx, u, a.OpinionID); err != nil {
		return nil, err
	}
	name, contentType := a.Name, a.ContentType
	if thumbnail {
		if !a.Thumbnail {
			return nil, Refuse(http.StatusNotFound, "thumbnail_not_found", "api.thumbnail_not_found", a.ID, a.Name)
		}
		name, contentType = strings.TrimSuffix(a.Name, path.Ext(a.Name))+"-thumbnail.jpg", "image/jpeg"
	}
	data, err := s.store.AttachmentContent(ctx, id, thumbnail)
	if err != nil {
		return nil, err
	}
	return &Download{Name: name, ContentType: contentType, Size: int64(len(data)), write: func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}}, nil
}
