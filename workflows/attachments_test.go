package workflows_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/workflows"
)

// file is a complete reference to stored evidence file n, as the service sends it.
func file(n int, name string) domain.AttachmentRef {
	return domain.AttachmentRef{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Name: name, ContentType: "image/jpeg",
		Size: int64(1000 + n), SHA256: strings.Repeat(fmt.Sprintf("%02x", n), 32), Thumbnail: true}
}

func withFiles(b domain.ActionBody, files ...domain.AttachmentRef) domain.ActionBody {
	b.Attachments = files
	return b
}

// Each round keeps the files submitted with it: a fix sent back is submitted again
// with new photos, and a photo of the first round cannot stand for the second.
func TestEachRoundKeepsTheFilesSubmittedWithIt(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	before, after, again := file(1, "整改前.jpg"), file(2, "整改后.jpg"), file(3, "复查.jpg")
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionResolve, withFiles(resolvedBy, before, after))
	lc.act(on(time.September, 22, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: "仍有堆放"})
	reused := lc.act(on(time.September, 23, 9, 0), official, domain.ActionSubmit, withFiles(submitFix, again, after))
	lc.act(on(time.September, 23, 10, 0), official, domain.ActionSubmit, withFiles(submitFix, again))
	lc.act(on(time.September, 24, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.September, 24, 11, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	require.Equal(t, workflows.OpinionResult{State: domain.StateClosed}, lc.run())
	reused.rejectedWith(t, domain.ErrConflict, "attachment_used",
		"attachment 00000000-0000-4000-8000-000000000002 (整改后.jpg) is already evidence of round 1; upload the file again to attach it here too")
	final := lc.finalChecks(t)
	require.Len(t, final.Rounds, 2)
	require.Equal(t, []domain.AttachmentRef{before, after}, final.Rounds[0].Attachments, "the fix on the spot's photos")
	require.Equal(t, []domain.AttachmentRef{again}, final.Rounds[1].Attachments, "the rework's")
}

// A long-term item's reports keep their files, and so does its conclusion.
func TestALongTermItemsReportsAndConclusionKeepTheirFiles(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	minutes, rules := file(4, "会议纪要.pdf"), file(5, "制度文件.docx")
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, domain.ActionBody{Category: catLongTerm})
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 22, 9, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.October, 15, 10, 0), official, domain.ActionReportProgress, withFiles(report("建立会议审批制度", 30), minutes))
	lc.act(on(time.October, 16, 10, 0), leader, domain.ActionConclude,
		withFiles(domain.ActionBody{Measures: "会议审批制度已印发执行", Evidence: "制度文件"}, rules))
	lc.act(on(time.October, 19, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.October, 19, 11, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	require.Equal(t, workflows.OpinionResult{State: domain.StateClosed}, lc.run())
	final := lc.finalChecks(t)
	require.Equal(t, []domain.AttachmentRef{minutes}, final.Reports[0].Attachments)
	require.Equal(t, []domain.AttachmentRef{rules}, final.Rounds[0].Attachments)
}
