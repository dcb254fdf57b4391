package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// upload is file n of opinion op-p as the service stores it, uploaded at at.
func upload(n int, content []byte, at time.Time) store.Attachment {
	sum := sha256.Sum256(content)
	return store.Attachment{
		AttachmentRef: domain.AttachmentRef{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Name: fmt.Sprintf("照片%d.jpg", n),
			ContentType: "image/jpeg", Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Thumbnail: true},
		OpinionID: "op-p", CampaignID: "c1", UploadedBy: "official", UploadedAt: at,
	}
}

// roomy is a quota no test reaches unless it means to.
var roomy = store.AttachmentQuota{Files: 100, Bytes: 1 << 30}

func testAttachments(t *testing.T, b backend) {
	ctx := context.Background()

	t.Run("a file and its thumbnail are kept byte for byte", func(t *testing.T) {
		s := b.open(t)
		content := append([]byte{0xFF, 0xD8, 0xFF, 0x00}, make([]byte, 3<<20)...) // 3 MB with zero bytes in it
		content[len(content)-1] = 0xD9
		thumb := []byte{0xFF, 0xD8, 0xFF, 1, 2, 3}
		a := upload(1, content, base)
		require.NoError(t, s.SaveAttachment(ctx, a, content, thumb, roomy))

		got, err := s.Attachment(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, a, got)
		data, err := s.AttachmentContent(ctx, a.ID, false)
		require.NoError(t, err)
		require.Equal(t, content, data)
		data, err = s.AttachmentContent(ctx, a.ID, true)
		require.NoError(t, err)
		require.Equal(t, thumb, data)

		pdf := upload(2, []byte("%PDF-1.4"), base)
		pdf.Thumbnail = false
		require.NoError(t, s.SaveAttachment(ctx, pdf, []byte("%PDF-1.4"), nil, roomy))
		_, err = s.AttachmentContent(ctx, pdf.ID, true)
		require.ErrorIs(t, err, store.ErrNotFound, "a document has no thumbnail")
		_, err = s.Attachment(ctx, "00000000-0000-4000-8000-999999999999")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.AttachmentContent(ctx, "00000000-0000-4000-8000-999999999999", false)
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("an opinion holds so many files and bytes, and nothing of a refused upload is kept", func(t *testing.T) {
		s := b.open(t)
		quota := store.AttachmentQuota{Files: 3, Bytes: 100}
		for n := 1; n <= 2; n++ {
			require.NoError(t, s.SaveAttachment(ctx, upload(n, make([]byte, 40), base), make([]byte, 40), nil, quota))
		}
		big := upload(3, make([]byte, 21), base)
		err := s.SaveAttachment(ctx, big, make([]byte, 21), nil, quota)
		var full *store.QuotaError
		require.True(t, errors.As(err, &full), "over the bytes: %v", err)
		require.Equal(t, store.QuotaError{Files: 2, Bytes: 80}, *full)
		_, err = s.Attachment(ctx, big.ID)
		require.ErrorIs(t, err, store.ErrNotFound, "nothing half-written")
		_, err = s.AttachmentContent(ctx, big.ID, false)
		require.ErrorIs(t, err, store.ErrNotFound, "nothing half-written")

		require.NoError(t, s.SaveAttachment(ctx, upload(4, make([]byte, 20), base), make([]byte, 20), nil, quota), "exactly the bytes")
		err = s.SaveAttachment(ctx, upload(5, []byte{1}, base), []byte{1}, nil, store.AttachmentQuota{Files: 3, Bytes: 1000})
		require.True(t, errors.As(err, &full), "over the files: %v", err)
		require.Equal(t, 3, full.Files)

		other := upload(6, make([]byte, 90), base)
		other.OpinionID = "op-q"
		require.NoError(t, s.SaveAttachment(ctx, other, make([]byte, 90), nil, quota), "another opinion has its own quota")
	})

	t.Run("the rounds and reports that hold a file mark it, as the workflow recorded them", func(t *testing.T) {
		s := b.open(t)
		for n := 1; n <= 4; n++ {
			require.NoError(t, s.SaveAttachment(ctx, upload(n, []byte{byte(n)}, base), []byte{byte(n)}, nil, roomy))
		}
		ref := func(n int) domain.AttachmentRef { return upload(n, []byte{byte(n)}, base).AttachmentRef }
		requireUse := func(n int, action domain.Action, round int, label string) {
			t.Helper()
			a, err := s.Attachment(ctx, ref(n).ID)
			require.NoError(t, err)
			require.Equal(t, []any{action, round}, []any{a.UsedAction, a.UsedRound}, "file %d: %s", n, label)
		}

		assigned := transition(3, domain.StateAssigned, domain.ActionAssign, task(10, 1))
		project(t, s, assigned, task(10, 1), false, nil)
		resolved := transition(4, domain.StateSubmitted, domain.ActionResolve, task(14, 2))
		resolved.Rounds = []domain.Round{{Measures: "当场整改", Attachments: []domain.AttachmentRef{ref(1), ref(2)}}}
		project(t, s, resolved, task(14, 2), false, nil)
		requireUse(1, domain.ActionResolve, 1, "the fix on the spot")
		requireUse(2, domain.ActionResolve, 1, "the fix on the spot")
		requireUse(3, "", 0, "not named yet")

		// The rework's submit is written, then its task dies: Temporal never records it.
		failed := transition(5, domain.StateInProgress, domain.ActionVerify, task(18, 3))
		failed.Rounds = resolved.Rounds
		copy(failed.Timeline, resolved.Timeline)
		project(t, s, failed, task(18, 3), false, nil)
		phantom := transition(6, domain.StateSubmitted, domain.ActionSubmit, task(22, 4))
		phantom.Rounds = append(failed.Rounds, domain.Round{Measures: "返工", Attachments: []domain.AttachmentRef{ref(3)}})
		copy(phantom.Timeline, failed.Timeline)
		project(t, s, phantom, task(22, 4), true, nil)
		requireUse(3, domain.ActionSubmit, 2, "the rework, as written")
		writes, err := s.Unconfirmed(ctx, time.Now().Add(time.Minute), 10)
		require.NoError(t, err)
		require.Len(t, writes, 1)
		_, err = s.Reconcile(ctx, writes[0], failed)
		require.NoError(t, err)
		requireUse(3, "", 0, "free again: the submit never happened")
		requireUse(1, domain.ActionResolve, 1, "still the fix on the spot's")

		reported := transition(6, domain.StateInProgress, domain.ActionReportProgress, task(22, 7))
		reported.Rounds = failed.Rounds
		copy(reported.Timeline, failed.Timeline)
		reported.Reports = []domain.ProgressReport{{Done: "本月", Attachments: []domain.AttachmentRef{ref(4)}}}
		project(t, s, reported, task(22, 7), false, nil)
		requireUse(4, domain.ActionReportProgress, 1, "the first progress report")
	})

	t.Run("an upload nobody used is swept a day later, unless an action claimed it", func(t *testing.T) {
		s := b.open(t)
		day := store.UnusedAttachmentLife
		require.NoError(t, s.SaveAttachment(ctx, upload(1, []byte{1}, base), []byte{1}, nil, roomy))
		require.NoError(t, s.SaveAttachment(ctx, upload(2, []byte{2}, base), []byte{2}, nil, roomy))
		used := upload(3, []byte{3}, base)
		require.NoError(t, s.SaveAttachment(ctx, used, []byte{3}, nil, roomy))
		assigned := transition(3, domain.StateAssigned, domain.ActionAssign, task(10, 1))
		assigned.Rounds = []domain.Round{{Measures: "m", Attachments: []domain.AttachmentRef{used.AttachmentRef}}}
		project(t, s, assigned, task(10, 1), false, nil)

		claimed, err := s.ClaimAttachments(ctx, []string{upload(2, nil, base).ID, "00000000-0000-4000-8000-999999999999"}, base.Add(day-time.Minute))
		require.NoError(t, err)
		require.Len(t, claimed, 1, "only those that exist")
		require.Equal(t, upload(2, []byte{2}, base).AttachmentRef, claimed[0].AttachmentRef)

		require.NoError(t, s.SaveAttachment(ctx, upload(4, []byte{4}, base.Add(day+time.Minute)), []byte{4}, nil, roomy))
		_, err = s.Attachment(ctx, upload(1, nil, base).ID)
		require.ErrorIs(t, err, store.ErrNotFound, "unused for a day: swept")
		_, err = s.AttachmentContent(ctx, upload(1, nil, base).ID, false)
		require.ErrorIs(t, err, store.ErrNotFound, "its bytes too")
		for _, n := range []int{2, 3, 4} {
			_, err = s.Attachment(ctx, upload(n, nil, base).ID)
			require.NoError(t, err, "file %d stays: claimed, used, or new", n)
		}
	})

	t.Run("what a refused form uploaded is discarded, and only that", func(t *testing.T) {
		s := b.open(t)
		mine, theirs, used := upload(1, []byte{1}, base), upload(2, []byte{2}, base), upload(3, []byte{3}, base)
		theirs.UploadedBy = "office"
		for _, a := range []store.Attachment{mine, theirs, used} {
			require.NoError(t, s.SaveAttachment(ctx, a, []byte{1}, nil, roomy))
		}
		assigned := transition(3, domain.StateAssigned, domain.ActionAssign, task(10, 1))
		assigned.Rounds = []domain.Round{{Measures: "m", Attachments: []domain.AttachmentRef{used.AttachmentRef}}}
		project(t, s, assigned, task(10, 1), false, nil)

		require.NoError(t, s.DiscardAttachments(ctx, "op-p", "official", []string{mine.ID, theirs.ID, used.ID}))
		_, err := s.Attachment(ctx, mine.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.Attachment(ctx, theirs.ID)
		require.NoError(t, err, "someone else's upload stays")
		_, err = s.Attachment(ctx, used.ID)
		require.NoError(t, err, "a file a round holds stays")
	})
}
