// Package payload keeps citizens' data out of Temporal in clear: an AES-256-GCM codec
// that encrypts every payload the SDK writes (workflow and activity inputs and
// results, Updates, queries, memos), the key ring it reads from a file, and the
// worker's check that a request really came through it. docs/security.md says how
// to rotate the keys.
package payload

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// Key is one named AES-256 key.
type Key struct {
	ID     string
	Secret []byte
}

// Keyring holds every key that may have encrypted a payload; the last one is the
// newest and encrypts. Old keys stay so histories written under them still decrypt.
type Keyring struct {
	keys []Key
	byID map[string][]byte
}

var keyID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// NewKeyring checks the keys (distinct ids, 32-byte secrets) and keeps them, the
// last as the one that encrypts.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no key")
	}
	k := &Keyring{byID: map[string][]byte{}}
	for _, key := range keys {
		if !keyID.MatchString(key.ID) {
			return nil, fmt.Errorf("key id %q: use 1–64 letters, digits, '.', '_' or '-'", key.ID)
		}
		if len(key.Secret) != KeySize {
			return nil, fmt.Errorf("key %q: %d bytes, want %d (AES-256)", key.ID, len(key.Secret), KeySize)
		}
		if _, dup := k.byID[key.ID]; dup {
			return nil, fmt.Errorf("key id %q appears twice", key.ID)
		}
		k.byID[key.ID] = key.Secret
		k.keys = append(k.keys, key)
	}
	return k, nil
}

// Newest is the key that encrypts.
func (k *Keyring) Newest() Key { return k.keys[len(k.keys)-1] }

// IDs lists the key ids, oldest first.
func (k *Keyring) IDs() []string {
	ids := make([]string, len(k.keys))
	for i, key := range k.keys {
		ids[i] = key.ID
	}
	return ids
}

func (k *Keyring) secret(id string) ([]byte, bool) {
	s, ok := k.byID[id]
	return s, ok
}

// ParseKeyring reads a key file: one key per line, "<id> <base64 of 32 bytes>",
// oldest first; blank lines and lines starting with # are ignored.
func ParseKeyring(data []byte) (*Keyring, error) {
	var keys []Key
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"<key id> <base64 key>\"", line)
		}
		secret, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: key %q is not base64: %w", line, fields[0], err)
		}
		keys = append(keys, Key{ID: fields[0], Secret: secret})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	k, err := NewKeyring(keys...)
	if err != nil {
		return nil, err
	}
	return k, nil
}

// LoadKeyring reads the key file at path. It refuses a file every user of the
// machine may read: the keys open every citizen's data in the histories. (Its
// group may: a container's secret is read through its group.)
func LoadKeyring(path string) (*Keyring, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("payload key file: %w", err)
	}
	if info.Mode().Perm()&0o007 != 0 {
		return nil, fmt.Errorf("payload key file %s: mode %04o lets every user of the machine read it; chmod o-rwx it (600, or 440 for a group)", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("payload key file: %w", err)
	}
	k, err := ParseKeyring(data)
	if err != nil {
		return nil, fmt.Errorf("payload key file %s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreateKeyring reads the key file at path, creating it (mode 0600) with one
// new key first if it does not exist: what a one-machine install does on its first
// start.
func LoadOrCreateKeyring(path string) (*Keyring, bool, error) {
	if _, err := os.Stat(path); err == nil {
		k, err := LoadKeyring(path)
		return k, false, err
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("payload key file: %w", err)
	}
	line, err := NewKeyLine(time.Now())
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, false, fmt.Errorf("payload key file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("payload key file: %w", err)
	}
	_, werr := f.WriteString("# rectify payload keys: \"<id> <base64 AES-256 key>\", oldest first; the last one encrypts.\n" +
		"# Keep every key that ever encrypted: histories written under it need it to be read.\n" + line + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, false, fmt.Errorf("payload key file: %w", werr)
	}
	k, err := LoadKeyring(path)
	return k, true, err
}

// NewKeyLine makes a fresh key as a key-file line, named after the day it was made.
func NewKeyLine(now time.Time) (string, error) {
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	suffix := make([]byte, 3)
	if _, err := rand.Read(suffix); err != nil {
		return "", err
	}
	id := fmt.Sprintf("k%s-%x", now.UTC().Format("20060102"), suffix)
	return id + " " + base64.StdEncoding.EncodeToString(secret), nil
}
