package web

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/web/i18n"
)

// languages are the catalogues, Chinese first: it is the fallback of the others.
var languages = i18n.Languages

// messages holds every text the pages show, in Chinese and English: the catalogues
// the API and the command line read too (internal/web/i18n).
var messages = map[string]map[string]string{i18n.Chinese: i18n.Catalogue(i18n.Chinese), i18n.English: i18n.Catalogue(i18n.English)}

// lookup finds a message, English falling back to Chinese.
func lookup(lang, key string) (string, bool) { return i18n.Lookup(lang, key) }

// translate is lookup with the key itself as the last resort, formatted with args.
func translate(lang, key string, args ...any) string { return i18n.Text(lang, key, args...) }

var funcs = template.FuncMap{
	"t": func(v *visit, key string, args ...any) string { return v.T(key, args...) },
	// state, level, act and role take any: timelines carry them as plain strings.
	"state": func(v *visit, s any) string { return v.T("state." + fmt.Sprint(s)) },
	"level": func(v *visit, l any) string { return v.T("level." + fmt.Sprint(l)) },
	"act":   func(v *visit, a any) string { return v.T("action." + fmt.Sprint(a)) },
	"role":  func(v *visit, r any) string { return v.T("role." + fmt.Sprint(r)) },
	"has":   func(v *visit, r string) bool { return v.User.Has(domain.Role(r)) },
	"when":  when,
	"day":   day,
	// actor and reason word what the system did by itself in a timeline; a
	// person's name and reason are shown as they are.
	"actor": func(v *visit, a string) string {
		if a == domain.SystemActor {
			return v.T("actor.system")
		}
		return a
	},
	"reason": func(v *visit, r string) string { return i18n.Reason(v.Lang, r) },
	// stepAt is a step's moment: its day alone when an import brought it in with the
	// ledger's days (before imported.At), which have no time of day.
	"stepAt": func(imported *domain.Imported, t time.Time) string {
		if imported != nil && t.Before(imported.At) {
			return day(t)
		}
		return when(t)
	},
	"daysLeft": func(v *visit, n *int) string {
		switch {
		case n == nil:
			return ""
		case *n < 0:
			return v.T("days.over", -*n)
		}
		return v.T("days.left", *n)
	},
	// cardDays is what the "deadlineCells" template shows: a deadline and the working
	// days left to it, nil when there is none.
	"cardDays": newCardDays,
	// cardTail is the same for an opinion or a task of a list, with the photos of
	// its latest round (the fix a verifier is checking) when the list shows them
	// (photos is a page's .Data.Photos: true, or absent).
	"cardTail": func(v *visit, o service.OpinionView, photos any) cardDays {
		c := newCardDays(v, o.Deadline, o.WorkingDaysLeft)
		if photos == true {
			c.Photos = &fileList{V: v}
			if len(o.Rounds) > 0 {
				c.Photos.Files = o.Rounds[len(o.Rounds)-1].Attachments
			}
		}
		return c
	},
	"short": short,
	"lower": strings.ToLower,
	// photos are the files of a round (or report) that have a thumbnail.
	"photos": func(files []domain.AttachmentRef) []domain.AttachmentRef {
		var out []domain.AttachmentRef
		for _, f := range files {
			if f.Thumbnail {
				out = append(out, f)
			}
		}
		return out
	},
	"fileList": func(v *visit, files []domain.AttachmentRef) fileList { return fileList{V: v, Files: files} },
	"leadRows": func(v *visit, rows []leadUnitRow) leadRows { return leadRows{V: v, Rows: rows} },
	// formField is what the "field" template shows: one input of a form, for a visit.
	"formField": func(v *visit, f actionForm, fl field) formField { return formField{V: v, Form: f, Field: fl} },
	// picked reports whether a choice is among the values a form posted for a field
	// (one per line: the boxes ticked).
	"picked": func(values, value string) bool { return slices.Contains(strings.Split(values, "\n"), value) },
	"fileSize": func(v *visit, n int64) string {
		if n < 1<<20 {
			return v.T("attach.kb", max(1, (n+512)>>10))
		}
		return v.T("attach.mb", fmt.Sprintf("%.1f", float64(n)/(1<<20)))
	},
}

// fileList is what the "files" template shows: evidence files, for a visit.
type fileList struct {
	V     *visit
	Files []domain.AttachmentRef
}

// cardDays is a list row's deadline and the working days left to it; Over when
// they have run out. Photos, when the list shows them, go after.
type cardDays struct {
	V        *visit
	Deadline string
	Left     *int
	Over     bool
	Photos   *fileList
}

func newCardDays(v *visit, deadline string, left *int) cardDays {
	return cardDays{V: v, Deadline: deadline, Left: left, Over: left != nil && *left < 0}
}

// formField is what the "field" template shows: one input of a form as it was
// posted, for a visit.
type formField struct {
	V     *visit
	Form  actionForm
	Field field
}

// pageZone is the time zone pages show moments in.
var pageZone = time.FixedZone("CST", 8*3600)

// when is a moment as pages show it, campaign-local to the minute.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(pageZone).Format("2006-01-02 15:04")
}

// day is when without the time: the day a ledger gave an imported step.
func day(t time.Time) string { return t.In(pageZone).Format(domain.DateLayout) }

// short cuts s to n characters, marking the cut.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
