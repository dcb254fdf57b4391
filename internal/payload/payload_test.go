package payload_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"rectify/internal/domain"
	"rectify/internal/payload"
	"rectify/workflows"
)

func ring(t *testing.T, lines ...string) *payload.Keyring {
	t.Helper()
	k, err := payload.ParseKeyring([]byte(strings.Join(lines, "\n")))
	require.NoError(t, err)
	return k
}

func newLine(t *testing.T) string {
	t.Helper()
	l, err := payload.NewKeyLine(time.Now())
	require.NoError(t, err)
	return l
}

func TestEncryptedPayloadsHideTheirContentAndReadBack(t *testing.T) {
	dc := payload.DataConverter(ring(t, newLine(t)))
	in := workflows.OpinionInput{OpinionID: "o-1", Content: "路灯坏了", Submitter: "张三丰", Phone: "13800138000"}
	p, err := dc.ToPayload(in)
	require.NoError(t, err)
	require.Equal(t, payload.EncodingEncrypted, string(p.GetMetadata()[payload.MetadataEncoding]))
	require.NotContains(t, string(p.GetData()), "13800138000")
	require.NotContains(t, string(p.GetData()), "张三丰")
	var out workflows.OpinionInput
	require.NoError(t, dc.FromPayload(p, &out))
	require.True(t, out.Sealed(), "read back from an encrypted payload")
	in.MarkSealed()
	require.Equal(t, in, out)
}

func TestRotatedKeysStillReadWhatOldOnesWrote(t *testing.T) {
	old, next := newLine(t), newLine(t)
	before := payload.DataConverter(ring(t, old))
	after := payload.DataConverter(ring(t, old, next))
	p, err := before.ToPayload("written before the rotation")
	require.NoError(t, err)
	var s string
	require.NoError(t, after.FromPayload(p, &s))
	require.Equal(t, "written before the rotation", s)

	q, err := after.ToPayload("written after")
	require.NoError(t, err)
	require.Equal(t, strings.Fields(next)[0], string(q.GetMetadata()[payload.MetadataKeyID]), "the newest key encrypts")
	require.Error(t, before.FromPayload(q, &s), "a ring without the new key cannot read it")
}

func TestForgedOrDamagedPayloadsAreRefused(t *testing.T) {
	dc := payload.DataConverter(ring(t, newLine(t)))
	stranger := payload.DataConverter(ring(t, newLine(t)))
	var s string

	foreign, err := stranger.ToPayload("encrypted with someone else's key")
	require.NoError(t, err)
	require.ErrorContains(t, dc.FromPayload(foreign, &s), "not in the payload key file")

	genuine, err := dc.ToPayload("genuine")
	require.NoError(t, err)
	tampered := &commonpb.Payload{Metadata: genuine.GetMetadata(), Data: append([]byte(nil), genuine.GetData()...)}
	tampered.Data[len(tampered.Data)-1] ^= 1
	require.ErrorContains(t, dc.FromPayload(tampered, &s), "forged or damaged")

	short := &commonpb.Payload{Metadata: genuine.GetMetadata(), Data: []byte("x")}
	require.Error(t, dc.FromPayload(short, &s))

	// Relabelled to another key id of the ring: the id is authenticated too.
	two := ring(t, newLine(t), newLine(t))
	dc2 := payload.DataConverter(two)
	p, err := dc2.ToPayload("bound to its key")
	require.NoError(t, err)
	p.Metadata[payload.MetadataKeyID] = []byte(two.IDs()[0])
	require.Error(t, dc2.FromPayload(p, &s))
}

func TestOnlyRequestsThatWereEncryptedAreSealed(t *testing.T) {
	dc := payload.DataConverter(ring(t, newLine(t)))
	req := domain.ActionRequest{Actor: domain.Actor{Username: "office", Roles: []domain.Role{domain.RoleOffice}}}

	p, err := dc.ToPayload(req)
	require.NoError(t, err)
	var got domain.ActionRequest
	require.NoError(t, dc.FromPayload(p, &got))
	require.True(t, got.Sealed())
	require.Equal(t, req.Actor, got.Actor)

	// What an outsider sends through the frontend: plain JSON, read (histories
	// written before encryption are plain too) but not sealed.
	clear, err := converter.GetDefaultDataConverter().ToPayload(domain.ActionRequest{Actor: domain.Actor{Username: "mallory", Roles: []domain.Role{domain.RoleOffice}}})
	require.NoError(t, err)
	var forged domain.ActionRequest
	require.NoError(t, dc.FromPayload(clear, &forged))
	require.Equal(t, "mallory", forged.Actor.Username)
	require.False(t, forged.Sealed())
}

func TestTheWebUIsCodecLeavesPayloadsAsWritten(t *testing.T) {
	keys := ring(t, newLine(t))
	plain, err := converter.GetDefaultDataConverter().ToPayload(map[string]string{"phone": "13800138000"})
	require.NoError(t, err)
	enc, err := payload.NewCodec(keys).Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	dec, err := payload.NewCodec(keys).Decode(enc)
	require.NoError(t, err)
	require.Equal(t, "json/plain", string(dec[0].GetMetadata()[payload.MetadataEncoding]))
	require.JSONEq(t, `{"phone":"13800138000"}`, string(dec[0].GetData()))
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "payload.keys")
	k, created, err := payload.LoadOrCreateKeyring(path)
	require.NoError(t, err)
	require.True(t, created)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	again, created, err := payload.LoadOrCreateKeyring(path)
	require.NoError(t, err)
	require.False(t, created, "an existing file is read, never replaced")
	require.Equal(t, k.IDs(), again.IDs())

	require.NoError(t, os.Chmod(path, 0o644))
	_, err = payload.LoadKeyring(path)
	require.ErrorContains(t, err, "chmod o-rwx")
	require.NoError(t, os.Chmod(path, 0o440))
	_, err = payload.LoadKeyring(path)
	require.NoError(t, err, "a group may read it: a container reads its secret so")

	for name, tc := range map[string]struct{ text, want string }{
		"empty":       {"# only a comment\n", "no key"},
		"one field":   {"k1\n", "line 1"},
		"not base64":  {"k1 !!!\n", "not base64"},
		"short key":   {"k1 AAAA\n", "want 32"},
		"bad id":      {"k/1 " + strings.Fields(newLine(t))[1], "key id"},
		"repeated id": {"k1 " + strings.Fields(newLine(t))[1] + "\nk1 " + strings.Fields(newLine(t))[1], "twice"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := payload.ParseKeyring([]byte(tc.text))
			require.ErrorContains(t, err, tc.want)
		})
	}
}
