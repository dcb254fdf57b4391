package intake

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/workflows"
)

// Input is the Opinion workflow's input for a checked opinion: the campaign's rules
// are copied in, and a category is suggested when the office gave none.
func Input(c campaign.Campaign, o Opinion, submittedBy, batchID string) workflows.OpinionInput {
	suggested := o.Category
	if suggested == "" {
		suggested = campaign.Suggest(c.Policy, o.Content)
	}
	return workflows.OpinionInput{
		OpinionID: domain.OpinionID(c.ID, o.Key), CampaignID: c.ID, Key: o.Key, Content: o.Content,
		Channel: o.Channel, CollectedAt: o.CollectedAt, Submitter: o.Submitter, Phone: o.Phone,
		Target: o.Target, Department: o.Department, SuggestedCategory: suggested, Extra: o.Extra,
		WrittenDepartment: o.WrittenDepartment, WrittenCategory: o.WrittenCategory,
		SubmittedBy: submittedBy, BatchID: batchID, Policy: processPolicy(c.Policy),
	}
}

// processPolicy is the part of a campaign's policy an opinion's process needs: the
// category keywords only serve the suggestion made here, and copying them into every
// history would make each start several times larger.
func processPolicy(p domain.Policy) domain.Policy {
	cats := make([]domain.CategoryPolicy, len(p.Categories))
	for i, c := range p.Categories {
		c.Keywords = nil
		cats[i] = c
	}
	p.Categories = cats
	return p
}

// Start starts an opinion's workflow, submitted by a person waiting for the answer
// or imported from a ledger. The start is eager: when this process runs a worker,
// the server hands the first workflow task straight back to it instead of queueing
// it behind every other start, so the opinion is recorded in milliseconds, and an
// import's starts go no faster than its opinions are recorded (docs/performance.md,
// "Eager starts for imports"). started is false when the opinion already exists
// (running, or closed and kept); what it was started with, in its history's first
// event, says whether it is the caller's own earlier start.
func Start(ctx context.Context, tc client.Client, in workflows.OpinionInput) (started bool, err error) {
	_, err = tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       workflows.OpinionWorkflowID(in.OpinionID),
		TaskQueue:                                workflows.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		EnableEagerStart:                         true,
		TypedSearchAttributes:                    workflows.StartSearchAttributes(in.CampaignID),
	}, workflows.OpinionWorkflowName, in)
	var exists *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &exists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("intake: start opinion: %w", err)
	}
	return true, nil
}
