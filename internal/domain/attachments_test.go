package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

// ref is a complete reference to stored file n.
func ref(n int) AttachmentRef {
	return AttachmentRef{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Name: fmt.Sprintf("照片%d.jpg", n),
		ContentType: "image/jpeg", Size: 1024, SHA256: strings.Repeat("ab", 32), Thumbnail: true}
}

// codeOf is the rule code of a validator's refusal ("" for none).
func codeOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	var code string
	require.NoError(t, appErr.Details(&code))
	return code
}

func TestEvidenceFilesGoOnlyWithTheActionsThatSubmitEvidenceEachOnce(t *testing.T) {
	p := Policy{Categories: []CategoryPolicy{{Name: "c"}}, MaxExtensions: 1}
	official := Actor{Username: "official", Roles: []Role{RoleOfficial}}
	now := time.Date(2025, 6, 10, 2, 0, 0, 0, time.UTC)
	inProgress := func() *Opinion {
		return &Opinion{ID: "o1", State: StateInProgress, Category: "c", Official: "official", Leader: "leader",
			HighestLevel: LevelNone, Schedule: Schedule{Deadline: "2025-06-20"}}
	}
	submit := func(refs ...AttachmentRef) ActionRequest {
		return ActionRequest{Actor: official, Body: ActionBody{Measures: "已修复", Evidence: "见照片", Attachments: refs}}
	}
	many := make([]AttachmentRef, MaxAttachmentsPerAction+1)
	for i := range many {
		many[i] = ref(i + 1)
	}
	reworked := inProgress()
	reworked.Rounds = []Round{{Measures: "第一次", Attachments: []AttachmentRef{ref(7)}}}
	reported := inProgress()
	reported.Reports = []ProgressReport{{Done: "本月", Attachments: []AttachmentRef{ref(8)}}}
	beforeRounds := inProgress()
	beforeRounds.HighestLevel = ""
	incomplete := ref(1)
	incomplete.SHA256 = ""
	badID := ref(1)
	badID.ID = "../../etc/passwd"

	for _, tt := range []struct {
		name   string
		o      *Opinion
		action Action
		req    ActionRequest
		code   string
	}{
		{"a submit with two photos", inProgress(), ActionSubmit, submit(ref(1), ref(2)), ""},
		{"a submit with none", inProgress(), ActionSubmit, submit(), ""},
		{"as many as an action takes", inProgress(), ActionSubmit, submit(many[:MaxAttachmentsPerAction]...), ""},
		{"one more", inProgress(), ActionSubmit, submit(many...), "attachments_too_many"},
		{"a return takes none", inProgress(), ActionReturn,
			ActionRequest{Actor: official, Body: ActionBody{Reason: "不属本科室", Attachments: []AttachmentRef{ref(1)}}}, "attachments_not_taken"},
		{"a file listed twice", inProgress(), ActionSubmit, submit(ref(1), ref(1)), "attachment_repeated"},
		{"a file of an earlier round", reworked, ActionSubmit, submit(ref(2), ref(7)), "attachment_used"},
		{"a file of an earlier report", reported, ActionSubmit, submit(ref(8)), "attachment_used"},
		{"an id alone, not completed from the store", inProgress(), ActionSubmit, submit(AttachmentRef{ID: ref(1).ID}), "attachment_invalid"},
		{"a reference without its digest", inProgress(), ActionSubmit, submit(incomplete), "attachment_invalid"},
		{"not an id", inProgress(), ActionSubmit, submit(badID), "attachment_invalid"},
		{"an opinion begun before rounds were kept", beforeRounds, ActionSubmit, submit(ref(1)), "attachments_unsupported"},
		{"such an opinion without files", beforeRounds, ActionSubmit, submit(), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.code, codeOf(t, Validate(tt.o, p, tt.action, tt.req, now)))
		})
	}
}

// The copy a projection or a query gets never sees a later change to a round's
// or a report's files.
func TestACloneHasItsOwnFiles(t *testing.T) {
	o := Opinion{Rounds: []Round{{Attachments: []AttachmentRef{ref(1)}}}, Reports: []ProgressReport{{Attachments: []AttachmentRef{ref(2)}}}}
	c := o.Clone()
	o.Rounds[0].Attachments[0].Name = "changed"
	o.Reports[0].Attachments[0].Name = "changed"
	require.Equal(t, "照片1.jpg", c.Rounds[0].Attachments[0].Name)
	require.Equal(t, "照片2.jpg", c.Reports[0].Attachments[0].Name)
}
