package intake

import (
	"context"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

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

// Start starts an opinion's workflow, its input encoded with dc (the client's data
// converter: the start goes to the service directly, past the client's own). started
// is false when the opinion already exists (running, or closed and kept). A retry
// with the same requestID counts as the same start, which is what lets an
// interrupted import count exactly.
func Start(ctx context.Context, tc client.Client, dc converter.DataConverter, namespace string, in workflows.OpinionInput, requestID string) (started bool, err error) {
	payloads, err := dc.ToPayloads(in)
	if err != nil {
		return false, fmt.Errorf("intake: encode opinion: %w", err)
	}
	attrs, err := encodeSearchAttributes(workflows.StartSearchAttributes(in.CampaignID))
	if err != nil {
		return false, err
	}
	resp, err := tc.WorkflowService().StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
		Namespace:                namespace,
		WorkflowId:               workflows.OpinionWorkflowID(in.OpinionID),
		WorkflowType:             &commonpb.WorkflowType{Name: workflows.OpinionWorkflowName},
		TaskQueue:                &taskqueuepb.TaskQueue{Name: workflows.TaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		Input:                    payloads,
		SearchAttributes:         attrs,
		Identity:                 "rectify",
		RequestId:                requestID,
		WorkflowIdReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIdConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	})
	var exists *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &exists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("intake: start opinion: %w", err)
	}
	return resp.GetStarted(), nil
}

// StartNow starts an opinion submitted by a person waiting for the answer. The
// start is eager: when this process runs a worker, the server hands the first
// workflow task straight back to it instead of queueing it behind every other
// start, so the opinion is recorded in milliseconds. started is false when the
// opinion already exists.
func StartNow(ctx context.Context, tc client.Client, in workflows.OpinionInput) (started bool, err error) {
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

// encodeSearchAttributes is sa as the service takes it, encoded as the SDK encodes
// a start's search attributes: with the default converter (never the encrypting
// one: the engine indexes them) and their type.
func encodeSearchAttributes(sa temporal.SearchAttributes) (*commonpb.SearchAttributes, error) {
	fields := map[string]*commonpb.Payload{}
	for key, value := range sa.GetUntypedValues() {
		p, err := converter.GetDefaultDataConverter().ToPayload(value)
		if err != nil {
			return nil, fmt.Errorf("intake: encode search attribute %s: %w", key.GetName(), err)
		}
		p.Metadata["type"] = []byte(key.GetValueType().String())
		fields[key.GetName()] = p
	}
	return &commonpb.SearchAttributes{IndexedFields: fields}, nil
}
