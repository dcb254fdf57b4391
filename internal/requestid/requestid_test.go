package requestid_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"rectify/internal/requestid"
)

func TestValidTakesOnlyShortPlainTokens(t *testing.T) {
	for id, want := range map[string]bool{
		"abc":                                   true,
		"req-2026.11_02-XYZ":                    true,
		"0f8fad5b-d9cb-469f-a165-70867728950e":  true,
		strings.Repeat("a", requestid.MaxLen):   true,
		"":                                      false,
		strings.Repeat("a", requestid.MaxLen+1): false,
		"has space":                             false,
		"quote\"":                               false,
		"new\nline":                             false,
		"key=value":                             false,
		"中文":                                    false,
	} {
		require.Equal(t, want, requestid.Valid(id), "%q", id)
	}
}

func TestNewIDsAreValidAndDiffer(t *testing.T) {
	a, b := requestid.New(), requestid.New()
	require.True(t, requestid.Valid(a), a)
	require.NotEqual(t, a, b)
}

// headers is a Temporal header as the SDK hands it to a propagator.
type headers map[string]*commonpb.Payload

func (h headers) Set(k string, p *commonpb.Payload) { h[k] = p }
func (h headers) Get(k string) (*commonpb.Payload, bool) {
	p, ok := h[k]
	return p, ok
}
func (h headers) ForEachKey(f func(string, *commonpb.Payload) error) error {
	for k, p := range h {
		if err := f(k, p); err != nil {
			return err
		}
	}
	return nil
}

func TestThePropagatorCarriesTheIDInClearAndOnlyAValidOne(t *testing.T) {
	p := requestid.Propagator{}
	h := headers{}
	require.NoError(t, p.Inject(context.Background(), h))
	require.Empty(t, h, "no id, no header")

	require.NoError(t, p.Inject(requestid.With(context.Background(), "req-1"), h))
	require.Len(t, h, 1)
	for _, payload := range h {
		require.Equal(t, `"req-1"`, string(payload.GetData()), "plain JSON: the id is not personal data")
	}
	ctx, err := p.Extract(context.Background(), h)
	require.NoError(t, err)
	require.Equal(t, "req-1", requestid.From(ctx))

	// A header anyone could have written: a bad one is dropped, the task goes on.
	for _, bad := range []*commonpb.Payload{
		mustPayload(t, "two words"), mustPayload(t, 42), {Data: []byte("not json")},
	} {
		for k := range h {
			h[k] = bad
		}
		ctx, err := p.Extract(context.Background(), h)
		require.NoError(t, err)
		require.Empty(t, requestid.From(ctx))
	}
}

func mustPayload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func logged(ctx context.Context) error {
	activity.GetLogger(ctx).Info("activity ran")
	return nil
}

func greet(ctx workflow.Context) error {
	workflow.GetLogger(ctx).Info("workflow ran")
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, logged).Get(ctx, nil)
}

// TestWorkflowAndActivityLogLinesCarryTheStartsID starts a workflow with the
// header a client with an id in its context writes: the workflow's log line and
// its activity's carry the id.
func TestWorkflowAndActivityLogLinesCarryTheStartsID(t *testing.T) {
	var buf bytes.Buffer
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	s.SetContextPropagators([]workflow.ContextPropagator{requestid.Propagator{}})
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&requestid.Logging{}}})
	env.RegisterWorkflow(greet)
	env.RegisterActivity(logged)
	h := headers{}
	require.NoError(t, requestid.Propagator{}.Inject(requestid.With(context.Background(), "req-42"), h))
	env.SetHeader(&commonpb.Header{Fields: h})
	env.ExecuteWorkflow(greet)
	require.NoError(t, env.GetWorkflowError())

	lines := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		for _, msg := range []string{"workflow ran", "activity ran"} {
			if strings.Contains(line, `"msg":"`+msg+`"`) {
				lines[msg] = line
			}
		}
	}
	require.Len(t, lines, 2, buf.String())
	for msg, line := range lines {
		require.Contains(t, line, `"request_id":"req-42"`, msg)
	}
}
