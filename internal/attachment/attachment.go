// Package attachment knows evidence files (整改佐证材料) by their bytes: which
// kinds rectify takes — photos (JPEG, PNG, GIF, WebP), PDF, Word, Excel and
// PowerPoint documents —, how large a photo may be before it is decoded, the
// thumbnail a page shows of one, and a file name fit to keep and send back. It
// does no I/O and trusts nothing a client says about a file: neither its name nor
// its Content-Type decides what it is.
//
// Why by content: a page or a download served with the type its uploader chose
// is a way to run a script in a colleague's browser (an HTML or SVG file named
// 照片.jpg). What rectify serves is what it recognised, always as a download,
// and the only uploaded picture a page shows is a thumbnail rectify drew itself.
package attachment

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"rectify/internal/text"
	"rectify/internal/web/i18n"
)

// Kind is what a file was recognised as.
type Kind struct {
	// ContentType is the media type the file is served as.
	ContentType string
	// Label names the kind in messages.
	Label string
	// Thumbnail is whether rectify draws a thumbnail of it: the photos Go's own
	// decoders read (JPEG, PNG, GIF). A WebP photo is kept and served, without one.
	Thumbnail bool
	image     bool
}

// The kinds rectify takes.
var (
	JPEG = Kind{ContentType: "image/jpeg", Label: "JPEG image", Thumbnail: true, image: true}
	PNG  = Kind{ContentType: "image/png", Label: "PNG image", Thumbnail: true, image: true}
	GIF  = Kind{ContentType: "image/gif", Label: "GIF image", Thumbnail: true, image: true}
	WebP = Kind{ContentType: "image/webp", Label: "WebP image", image: true}
	PDF  = Kind{ContentType: "application/pdf", Label: "PDF document"}
	DOCX = Kind{ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Label: "Word document"}
	XLSX = Kind{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Label: "Excel workbook"}
	PPTX = Kind{ContentType: "application/vnd.openxmlformats-officedocument.presentationml.presentation", Label: "PowerPoint presentation"}
	DOC  = Kind{ContentType: "application/msword", Label: "Word 97–2003 document"}
	XLS  = Kind{ContentType: "application/vnd.ms-excel", Label: "Excel 97–2003 workbook"}
	PPT  = Kind{ContentType: "application/vnd.ms-powerpoint", Label: "PowerPoint 97–2003 presentation"}
)

// taken says, in a refusal, what rectify takes.
var taken = i18n.M("attachment.taken")

// photoNames name the kinds of photo in a refusal of one that cannot be read.
var photoNames = map[string]i18n.Message{
	JPEG.ContentType: i18n.M("attachment.kind.jpeg"),
	PNG.ContentType:  i18n.M("attachment.kind.png"),
	GIF.ContentType:  i18n.M("attachment.kind.gif"),
	WebP.ContentType: i18n.M("attachment.kind.webp"),
}

// MaxPixels bounds a photo's size in pixels, read from its header before anything
// is decoded: a few kilobytes can claim a picture that would take gigabytes to
// decode. 50 megapixels is more than a phone's camera takes by default.
const MaxPixels = 50_000_000

// Error is a file refused: Code is a stable rule code (RuleType, RuleEmpty,
// RuleUnreadable, RuleImageTooLarge) and Rule names the file and the rule with
// its values, read in whichever language its reader has.
type Error struct {
	Code string
	Rule i18n.Message
}

// Error is the refusal in English, as logs and Go callers read it.
func (e *Error) Error() string { return e.Rule.In(i18n.English) }

// The rules a file can break.
const (
	// RuleType: not a kind rectify takes.
	RuleType = "attachment_type"
	// RuleEmpty: no bytes at all.
	RuleEmpty = "attachment_empty"
	// RuleUnreadable: it starts as a kind rectify takes but cannot be read as one.
	RuleUnreadable = "attachment_unreadable"
	// RuleImageTooLarge: a photo of more than MaxPixels.
	RuleImageTooLarge = "image_too_large"
)

func refuse(code string, rule i18n.Message) *Error {
	return &Error{Code: code, Rule: rule}
}

// Check tells what the file named name is from its bytes, and refuses what
// rectify does not take: another kind (HTML, SVG, a script, a program, a plain
// zip…), a file that starts as a kind but cannot be read as one, an Office file
// with macros, and a photo of more than MaxPixels. Errors are *Error.
func Check(name string, data []byte) (Kind, error) {
	if len(data) == 0 {
		return Kind{}, refuse(RuleEmpty, i18n.M("attachment.empty", name))
	}
	k, err := sniff(name, data)
	if err != nil {
		return Kind{}, err
	}
	if k.image {
		w, h, err := dimensions(k, data)
		if err != nil {
			return Kind{}, refuse(RuleUnreadable, i18n.M("attachment.unreadable", name, photoNames[k.ContentType], err.Error()))
		}
		if int64(w)*int64(h) > MaxPixels || w <= 0 || h <= 0 {
			return Kind{}, refuse(RuleImageTooLarge, i18n.M("attachment.image_too_large",
				name, w, h, fmt.Sprintf("%.0f", float64(w)*float64(h)/1e6), MaxPixels/1_000_000))
		}
	}
	return k, nil
}

// sniff recognises the kind by the file's first bytes and, for containers (zip,
// OLE2), by what they contain.
func sniff(name string, data []byte) (Kind, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return GIF, nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP, nil
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return PDF, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return officeZip(name, data)
	case bytes.HasPrefix(data, ole2Magic):
		return officeOLE2(name, data)
	}
	return Kind{}, refuse(RuleType, i18n.M("attachment.type", name, describe(data), taken))
}

// describe names what a refused file looks like, so its uploader knows why a file
// named .jpg is not taken.
func describe(data []byte) i18n.Message {
	head := bytes.ToLower(bytes.TrimLeft(data[:min(len(data), 512)], " \t\r\n\ufeff"))
	switch {
	case bytes.HasPrefix(head, []byte("<svg")) || bytes.Contains(head, []byte("<svg")):
		return i18n.M("attachment.looks.svg")
	case bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) || bytes.Contains(head, []byte("<script")):
		return i18n.M("attachment.looks.html")
	case bytes.HasPrefix(head, []byte("<?xml")):
		return i18n.M("attachment.looks.xml")
	case bytes.HasPrefix(data, []byte("MZ")), bytes.HasPrefix(data, []byte("\x7fELF")):
		return i18n.M("attachment.looks.program")
	case bytes.HasPrefix(data, []byte("#!")):
		return i18n.M("attachment.looks.script")
	case bytes.HasPrefix(data, []byte("Rar!")), bytes.HasPrefix(data, []byte("7z\xbc\xaf\x27\x1c")), bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		return i18n.M("attachment.looks.archive")
	case utf8.Valid(data[:min(len(data), 512)]):
		return i18n.M("attachment.looks.text")
	}
	return i18n.M("attachment.looks.other")
}

// maxNameRunes bounds a kept file name; longer ones are cut before the extension.
const maxNameRunes = 120

// CleanName is a file name as rectify keeps it: the last element of whatever path
// the browser sent (Windows' too), without control or invisible characters at
// its ends or control characters inside, at most maxNameRunes characters with its
// extension kept. An empty one becomes "附件" with the kind's extension.
func CleanName(name string, k Kind) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = text.Clean(path.Base(name))
	name = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' || r == '"' {
			return ' '
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." {
		name = ""
	}
	if name == "" {
		return "附件" + extension(k)
	}
	if utf8.RuneCountInString(name) <= maxNameRunes {
		return name
	}
	ext := path.Ext(name)
	if utf8.RuneCountInString(ext) > 16 {
		ext = ""
	}
	runes := []rune(strings.TrimSuffix(name, ext))
	return string(runes[:maxNameRunes-utf8.RuneCountInString(ext)]) + ext
}

// extension is the usual extension of a kind.
func extension(k Kind) string {
	switch k {
	case JPEG:
		return ".jpg"
	case PNG:
		return ".png"
	case GIF:
		return ".gif"
	case WebP:
		return ".webp"
	case PDF:
		return ".pdf"
	case DOCX:
		return ".docx"
	case XLSX:
		return ".xlsx"
	case PPTX:
		return ".pptx"
	case DOC:
		return ".doc"
	case XLS:
		return ".xls"
	case PPT:
		return ".ppt"
	}
	return ""
}
