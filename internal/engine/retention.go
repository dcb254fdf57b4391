package engine

import (
	"context"
	"fmt"

	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ensureRetention gives the namespace the configured retention. A new namespace is
// created with it; one that exists (a data folder or cluster started before) keeps
// the retention it was created with until told otherwise, so every start sets it.
// Temporal deletes a closed workflow's history once the retention has passed since
// it closed; the reporting store keeps every opinion and its timeline regardless.
func (s *Server) ensureRetention(ctx context.Context, c client.Client) error {
	ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: s.opts.Namespace})
	if err != nil {
		return fmt.Errorf("engine: describe namespace %q: %w", s.opts.Namespace, err)
	}
	if ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() == s.opts.Retention {
		return nil
	}
	_, err = c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: s.opts.Namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(s.opts.Retention)},
	})
	if err != nil {
		return fmt.Errorf("engine: set namespace %q's retention to %s: %w", s.opts.Namespace, s.opts.Retention, err)
	}
	return nil
}
