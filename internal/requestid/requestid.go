// Package requestid follows one HTTP request into Temporal: the id the access log
// gives a request travels, as a Temporal header, with the workflow starts and
// Updates the request sends, and from the workflow to the activities it runs, so
// the log lines of the workflow and its activities carry the same request_id as
// the request's access log line.
//
// The id travels in clear: Temporal headers do not go through the payload codec
// that encrypts everything else. Only the id does — a random token or the
// client's X-Request-ID, never personal data; nothing else may be put in a header
// this way.
package requestid

import (
	"context"
	"crypto/rand"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

// Header is the HTTP header a client may name its request with, and in which
// the answer says the id the request was logged with.
const Header = "X-Request-ID"

// LogKey is the field that carries the id in every log line.
const LogKey = "request_id"

// MaxLen bounds an id a client may choose.
const MaxLen = 64

// Valid reports whether id may stand in a log line as a client sent it: 1 to
// MaxLen letters, digits, dots, underscores and hyphens — nothing a log reader
// could mistake for another field, nor long enough to flood it.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// New makes an id: 26 random letters and digits.
func New() string { return rand.Text() }

type key struct{}

// With is ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From is the id ctx carries, "" for none.
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// FromWorkflow is the id a workflow context carries: that of the request that
// sent the Update being handled, or that started the workflow.
func FromWorkflow(ctx workflow.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// headerKey is the Temporal header the id travels in.
const headerKey = "rectify-request-id"

// Propagator carries the id from the client's context into Temporal's headers,
// and from the headers into the workflow's and the activities' contexts. It goes
// in client.Options.ContextPropagators; a worker made from that client uses it too.
type Propagator struct{}

var _ workflow.ContextPropagator = Propagator{}

// plain writes the header as JSON, outside the payload codec (see the package
// comment).
var plain = converter.GetDefaultDataConverter()

// Inject writes the id of a client's ctx into the headers of what it sends.
func (Propagator) Inject(ctx context.Context, w workflow.HeaderWriter) error {
	return inject(From(ctx), w)
}

// Extract puts the id of the headers into an activity's ctx.
func (Propagator) Extract(ctx context.Context, r workflow.HeaderReader) (context.Context, error) {
	if id := extract(r); id != "" {
		return With(ctx, id), nil
	}
	return ctx, nil
}

// InjectFromWorkflow writes the workflow's id into the headers of the activities
// it schedules.
func (Propagator) InjectFromWorkflow(ctx workflow.Context, w workflow.HeaderWriter) error {
	return inject(FromWorkflow(ctx), w)
}

// ExtractToWorkflow puts the id of a workflow start's or an Update's headers into
// the context the workflow or the Update's handler runs with.
func (Propagator) ExtractToWorkflow(ctx workflow.Context, r workflow.HeaderReader) (workflow.Context, error) {
	if id := extract(r); id != "" {
		return workflow.WithValue(ctx, key{}, id), nil
	}
	return ctx, nil
}

func inject(id string, w workflow.HeaderWriter) error {
	if id == "" {
		return nil
	}
	p, err := plain.ToPayload(id)
	if err != nil {
		return err
	}
	w.Set(headerKey, p)
	return nil
}

// extract reads the id of the headers; one that is not an id is ignored, not an
// error: an error here would fail the workflow task, and a header is anyone's to
// write who reaches the frontend.
func extract(r workflow.HeaderReader) string {
	p, ok := r.Get(headerKey)
	if !ok {
		return ""
	}
	var id string
	if plain.FromPayload(p, &id) != nil || !Valid(id) {
		return ""
	}
	return id
}
