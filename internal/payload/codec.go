package payload

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// The metadata an encrypted payload carries: its encoding, and which key and cipher
// sealed it.
const (
	MetadataEncoding = converter.MetadataEncoding
	MetadataKeyID    = "encryption-key-id"
	MetadataCipher   = "encryption-cipher"

	EncodingEncrypted = "binary/encrypted"
	Cipher            = "AES-256-GCM"

	// encodingSealedJSON is what a JSON payload that came out of the codec is
	// decoded as inside this process, so the decoded value can tell it was
	// encrypted with one of rectify's keys (Sealable). It is never written.
	encodingSealedJSON = "json/sealed"
)

// Codec encrypts payloads with the keyring's newest key and decrypts them with the
// key their metadata names. A payload without encryption metadata — written before
// rectify encrypted, in a history still open — passes through as it is; one that
// claims a key the ring does not hold, or does not decrypt, is refused.
type Codec struct {
	keys *Keyring
	// seal marks decrypted JSON payloads as sealed, for this process's own data
	// converter; the codec endpoint for the Web UI leaves them as they were written.
	seal bool
}

// NewCodec is the codec for payloads read and written by the Web UI's codec
// endpoint: decrypted payloads keep their encoding.
func NewCodec(keys *Keyring) *Codec { return &Codec{keys: keys} }

// Encode encrypts every payload with the newest key, a fresh nonce each.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	key := c.keys.Newest()
	aead, err := newAEAD(key.Secret)
	if err != nil {
		return nil, err
	}
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("payload: encode: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("payload: encode: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:    []byte(key.ID),
				MetadataCipher:   []byte(Cipher),
			},
			// The key id is authenticated with the data: a payload cannot be
			// relabelled to another key.
			Data: aead.Seal(nonce, nonce, plain, []byte(key.ID)),
		}
	}
	return out, nil
}

// Decode decrypts the encrypted payloads and passes the others through.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		d, err := c.decrypt(p)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

func (c *Codec) decrypt(p *commonpb.Payload) (*commonpb.Payload, error) {
	id := string(p.GetMetadata()[MetadataKeyID])
	secret, ok := c.keys.secret(id)
	if !ok {
		return nil, fmt.Errorf("payload: encrypted with key %q, which is not in the payload key file", id)
	}
	aead, err := newAEAD(secret)
	if err != nil {
		return nil, err
	}
	data := p.GetData()
	if len(data) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("payload: encrypted with key %q but too short to be genuine", id)
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("payload: does not decrypt with key %q: forged or damaged", id)
	}
	var inner commonpb.Payload
	if err := proto.Unmarshal(plain, &inner); err != nil {
		return nil, fmt.Errorf("payload: decrypted with key %q but unreadable: %w", id, err)
	}
	if c.seal && string(inner.GetMetadata()[MetadataEncoding]) == converter.MetadataEncodingJSON {
		inner.Metadata = maps.Clone(inner.Metadata)
		inner.Metadata[MetadataEncoding] = []byte(encodingSealedJSON)
	}
	return &inner, nil
}

func newAEAD(secret []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	return cipher.NewGCM(block)
}

// Sealable is a request type that can tell whether it reached this process
// encrypted with one of rectify's keys: only rectify's own processes, which hold
// the key file, can have sent it.
type Sealable interface {
	MarkSealed()
}

// Sealed is what the worker asks of an Update's arguments (RequireSealed).
type Sealed interface {
	Sealed() bool
}

// sealedJSON decodes the JSON payloads the codec decrypted, and marks the values
// that can be marked. It encodes nothing: rectify writes plain JSON, which the
// codec then encrypts.
type sealedJSON struct{}

func (sealedJSON) Encoding() string { return encodingSealedJSON }

func (sealedJSON) ToPayload(any) (*commonpb.Payload, error) { return nil, nil }

func (sealedJSON) ToString(p *commonpb.Payload) string { return string(p.GetData()) }

func (sealedJSON) FromPayload(p *commonpb.Payload, valuePtr any) error {
	if err := json.Unmarshal(p.GetData(), valuePtr); err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	if s, ok := valuePtr.(Sealable); ok {
		s.MarkSealed()
	}
	return nil
}

// DataConverter is the data converter of every rectify client and worker: the
// SDK's default conversions, then the codec.
func DataConverter(keys *Keyring) converter.DataConverter {
	return converter.NewCodecDataConverter(
		converter.NewCompositeDataConverter(
			converter.NewNilPayloadConverter(),
			converter.NewByteSlicePayloadConverter(),
			converter.NewProtoJSONPayloadConverter(),
			converter.NewProtoPayloadConverter(),
			sealedJSON{},
			converter.NewJSONPayloadConverter(),
		),
		&Codec{keys: keys, seal: true},
	)
}
