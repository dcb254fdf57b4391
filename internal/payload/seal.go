package payload

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// sealedPrefix starts a value Seal wrote: "sealed:<key id>:<base64 of nonce and
// ciphertext>".
const sealedPrefix = "sealed:"

// Seal encrypts plain with the newest key for keeping at rest (a person's robot
// webhooks and signing secrets): the key id is authenticated with the data, as in
// a payload, so a value cannot be relabelled to another key.
func (k *Keyring) Seal(plain []byte) (string, error) {
	key := k.Newest()
	aead, err := newAEAD(key.Secret)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("payload: seal: %w", err)
	}
	return sealedPrefix + key.ID + ":" + base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, []byte(key.ID))), nil
}

// IsSealed reports whether s is a value Seal wrote.
func IsSealed(s string) bool { return strings.HasPrefix(s, sealedPrefix) }

// Open decrypts a value Seal wrote, with whichever key of the ring sealed it.
func (k *Keyring) Open(sealed string) ([]byte, error) {
	id, data, ok := strings.Cut(strings.TrimPrefix(sealed, sealedPrefix), ":")
	if !IsSealed(sealed) || !ok {
		return nil, fmt.Errorf("payload: not a sealed value")
	}
	secret, ok := k.secret(id)
	if !ok {
		return nil, fmt.Errorf("payload: sealed with key %q, which is not in the payload key file", id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("payload: sealed value with key %q is damaged", id)
	}
	aead, err := newAEAD(secret)
	if err != nil {
		return nil, err
	}
	if len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("payload: sealed value with key %q is too short to be genuine", id)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("payload: sealed value does not open with key %q: forged or damaged", id)
	}
	return plain, nil
}
