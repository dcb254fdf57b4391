package payload

import (
	"errors"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// ErrNotSealed refuses an Update that did not come through rectify: anyone who can
// reach Temporal's frontend (its port, or a Web UI with writes on) can send one,
// but only a process with the payload key file can encrypt it.
var ErrNotSealed = errors.New("refused: the request was not encrypted with rectify's payload key; act through rectify's API or web app")

// RequireSealed is the worker interceptor that refuses, before validation, every
// Update whose arguments are not all Sealed — so a forged request is rejected and
// nothing of it enters the history. Temporal does not validate on replay, so
// Updates accepted before encryption still replay. Signals cannot be refused, only
// ignored: a workflow started encrypted ignores signals that are not (the same
// decision on every replay, since both are in its history); one started before
// encryption takes them as it always did.
type RequireSealed struct {
	interceptor.WorkerInterceptorBase
}

// InterceptWorkflow wraps the workflow's inbound calls.
func (RequireSealed) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	in := &sealedInbound{}
	in.Next = next
	return in
}

type sealedInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	// startedInClear: the workflow's input was written before encryption.
	startedInClear bool
}

func (i *sealedInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	for _, arg := range in.Args {
		if s, ok := arg.(Sealed); ok && !s.Sealed() {
			i.startedInClear = true
		}
	}
	return i.Next.ExecuteWorkflow(ctx, in)
}

func (i *sealedInbound) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	if !i.startedInClear {
		for _, p := range in.Arg.GetPayloads() {
			if string(p.GetMetadata()[MetadataEncoding]) != EncodingEncrypted {
				workflow.GetLogger(ctx).Warn("ignored a signal that was not encrypted with rectify's payload key", "signal", in.SignalName)
				return nil
			}
		}
	}
	return i.Next.HandleSignal(ctx, in)
}

func (i *sealedInbound) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	for _, arg := range in.Args {
		if s, ok := arg.(Sealed); !ok || !s.Sealed() {
			return ErrNotSealed
		}
	}
	return i.Next.ValidateUpdate(ctx, in)
}
