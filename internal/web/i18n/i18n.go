// Package i18n holds every text rectify shows a person, in Chinese and English:
// the web pages, the API's error messages, import reasons and the command line all
// read the same two catalogues (zh.json, en.json), so a code or a rule has one
// wording per language wherever it is read. Chinese is the default and the
// fallback: a text missing in English shows in Chinese, never as a bare key.
//
// A text that is stored or sent on before anyone reads it is a Message: its key
// and arguments, rendered in the reader's language only when read.
package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// files are the catalogues: flat JSON objects of key → text, keys sorted, one a
// line (internal/web's tests keep them so, with the same keys and format verbs in
// both languages).
//
//go:embed zh.json en.json
var files embed.FS

// The languages rectify speaks. Chinese is the default.
const (
	Chinese = "zh"
	English = "en"
)

// Languages are the catalogues, Chinese first: it is the fallback of the others.
var Languages = []string{Chinese, English}

// catalogues holds every text, by language then key.
var catalogues = mustLoad(files)

// Catalogue is one language's texts by key; callers must not change it.
func Catalogue(lang string) map[string]string { return catalogues[lang] }

// Lookup finds a text in lang, falling back to Chinese.
func Lookup(lang, key string) (string, bool) {
	if m, ok := catalogues[lang][key]; ok {
		return m, true
	}
	m, ok := catalogues[Chinese][key]
	return m, ok
}

// Text is Lookup with the key itself as the last resort (a gap shows, but breaks
// nothing), formatted with args.
func Text(lang, key string, args ...any) string {
	m, ok := Lookup(lang, key)
	if !ok {
		m = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// Plural is the text of key for a count of n, formatted with args: key.one for
// one, key.many for any other count. English says "1 day" and "2 days"; Chinese
// words both alike, yet every count keeps both texts in each catalogue.
func Plural(lang, key string, n int, args ...any) string {
	if n == 1 {
		return Text(lang, key+".one", args...)
	}
	return Text(lang, key+".many", args...)
}

// Supported is lang when rectify speaks it, else Chinese.
func Supported(lang string) string {
	if slices.Contains(Languages, lang) {
		return lang
	}
	return Chinese
}

// FromAcceptLanguage picks the language of an HTTP Accept-Language header: the
// one of highest weight that rectify speaks (zh-CN, zh-Hans, zh are Chinese;
// en-US, en are English), Chinese when the header names neither.
func FromAcceptLanguage(header string) string {
	best, bestQ := Chinese, -1.0
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		lang := primary(tag)
		if q > bestQ && q > 0 && slices.Contains(Languages, lang) {
			best, bestQ = lang, q
		}
	}
	return best
}

// FromLocale picks the language of a POSIX locale such as LANG's "en_US.UTF-8"
// or "zh_CN.UTF-8": English for an English locale, Chinese for anything else (C,
// POSIX and an unset locale among them: Chinese is the default).
func FromLocale(locale string) string {
	if primary(locale) == English {
		return English
	}
	return Chinese
}

// primary is the language subtag of a language tag or locale, lower-cased:
// "zh" of "zh-Hans-CN", "en" of "en_US.UTF-8".
func primary(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_.@"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// HasHan reports whether s holds a Chinese character.
func HasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// systemReasons are the reasons the workflow gives for what it does by itself
// (the events of domain.SystemActor), by the English every recorded history
// holds them in. They are worded where they are read, not where they are
// written: a history records what its workflow wrote, and it must replay so.
var systemReasons = map[string]string{
	"not signed for by the sign-in deadline": "reason.sign_overdue",
	"reopen window passed":                   "reason.reopen_window_passed",
}

// Reason is a timeline event's reason in lang: one the system gave, from the
// catalogue; a person's, as they wrote it.
func Reason(lang, reason string) string {
	if key, ok := systemReasons[reason]; ok {
		return Text(lang, key)
	}
	return reason
}

// Message is a text not yet in a language: its catalogue key and arguments. What
// is stored (an import's reasons) or handed on (an API error) is a Message, so each
// reader gets it in their own language.
type Message struct {
	Key  string `json:"key"`
	Args []Arg  `json:"args,omitempty"`
}

// Arg is one argument of a Message: a value as written (a cell, a number, a
// date), a text of its own that is rendered in the same language, or a list of
// either, joined as the language joins a list.
type Arg struct {
	Value string   `json:"v,omitempty"`
	Text  *Message `json:"t,omitempty"`
	List  []Arg    `json:"l,omitempty"`
}

// M makes a Message. An argument is a Message (rendered with it), a []Message or
// []string (a list), or any other value, which fmt writes as %v does.
func M(key string, args ...any) Message {
	m := Message{Key: key}
	for _, a := range args {
		m.Args = append(m.Args, arg(a))
	}
	return m
}

func arg(a any) Arg {
	switch v := a.(type) {
	case Message:
		return Arg{Text: &v}
	case string:
		return Arg{Value: v}
	case []Message:
		list := make([]Arg, len(v))
		for i, m := range v {
			list[i] = arg(m)
		}
		return Arg{List: list}
	case []string:
		list := make([]Arg, len(v))
		for i, s := range v {
			list[i] = Arg{Value: s}
		}
		return Arg{List: list}
	}
	return Arg{Value: fmt.Sprint(a)}
}

// In renders the message in lang. Every argument is formatted with %s in the
// catalogue.
func (m Message) In(lang string) string {
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		args[i] = a.in(lang)
	}
	return Text(lang, m.Key, args...)
}

func (a Arg) in(lang string) string {
	switch {
	case a.Text != nil:
		return a.Text.In(lang)
	case a.List != nil:
		items := make([]string, len(a.List))
		for i, item := range a.List {
			items[i] = item.in(lang)
		}
		return strings.Join(items, Text(lang, "i18n.list_separator"))
	}
	return a.Value
}

// storedPrefix starts every stored Message. Text stored before reasons were
// stored as messages is plain English and never starts so.
const storedPrefix = `{"key":`

// Stored is the message as it is kept in a text column.
func (m Message) Stored() string {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // strings and nested messages only: cannot fail
	}
	return string(b)
}

// Render is a stored text in lang: a stored Message rendered, or text stored
// before messages were (English, as it was written then) as it is.
func Render(lang, stored string) string {
	if m, ok := Parse(stored); ok {
		return m.In(lang)
	}
	return stored
}

// Parse reads a stored Message back; false for text stored before messages were.
func Parse(stored string) (Message, bool) {
	if !strings.HasPrefix(stored, storedPrefix) {
		return Message{}, false
	}
	var m Message
	if err := json.Unmarshal([]byte(stored), &m); err != nil || m.Key == "" {
		return Message{}, false
	}
	return m, true
}

// mustLoad reads the embedded catalogues; a broken one stops the process at its
// start rather than showing keys. It reads the embedded files alone, opening
// nothing: workflow code words its refusals from the catalogues (internal/domain),
// and links no package that reaches a file system.
func mustLoad(fsys embed.FS) map[string]map[string]string {
	all := make(map[string]map[string]string, len(Languages))
	for _, lang := range Languages {
		data, err := fsys.ReadFile(lang + ".json")
		if err != nil {
			panic(err)
		}
		m, err := Read(bytes.NewReader(data))
		if err != nil {
			panic(fmt.Errorf("catalogue %s.json: %w", lang, err))
		}
		all[lang] = m
	}
	return all
}

// Read reads a flat JSON object of key → text. It walks the tokens rather than
// decoding into a map, which would keep the last of a key given twice without a
// word: here a repeated key is an error.
func Read(r io.Reader) (map[string]string, error) {
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	m := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string) // inside an object, the decoder gives keys as strings
		tok, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		text, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("key %q: the text is not a string", key)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("key %q is given twice", key)
		}
		m[key] = text
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("something follows the object")
	}
	return m, nil
}

// JoinStored joins two stored texts about one row into one, as two reasons read
// together in each language.
func JoinStored(a, b string) string {
	ma, okA := Parse(a)
	mb, okB := Parse(b)
	if okA && okB {
		return M("rule.joined", ma, mb).Stored()
	}
	return a + "; " + b
}
