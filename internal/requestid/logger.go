package requestid

import (
	"context"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"
)

// Logging is the worker interceptor that adds the request_id the Propagator
// carried to the loggers workflow.GetLogger and activity.GetLogger hand out, so
// the workflows and activities need not know of it. Use it as &Logging{}.
type Logging struct {
	interceptor.WorkerInterceptorBase
}

var _ interceptor.WorkerInterceptor = &Logging{}

// InterceptActivity wraps an activity's calls.
func (Logging) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &activityInbound{}
	i.Next = next
	return i
}

// InterceptWorkflow wraps a workflow's calls.
func (Logging) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &workflowInbound{}
	i.Next = next
	return i
}

type activityInbound struct {
	interceptor.ActivityInboundInterceptorBase
}

func (i *activityInbound) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	o := &activityOutbound{}
	o.Next = outbound
	return i.Next.Init(o)
}

type activityOutbound struct {
	interceptor.ActivityOutboundInterceptorBase
}

func (o *activityOutbound) GetLogger(ctx context.Context) log.Logger {
	l := o.Next.GetLogger(ctx)
	if id := From(ctx); id != "" {
		return log.With(l, LogKey, id)
	}
	return l
}

type workflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (i *workflowInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	o := &workflowOutbound{}
	o.Next = outbound
	return i.Next.Init(o)
}

type workflowOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
}

func (o *workflowOutbound) GetLogger(ctx workflow.Context) log.Logger {
	l := o.Next.GetLogger(ctx)
	if id := FromWorkflow(ctx); id != "" {
		return log.With(l, LogKey, id)
	}
	return l
}
