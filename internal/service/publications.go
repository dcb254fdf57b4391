package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/mask"
	"rectify/internal/store"
	"rectify/internal/text"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
)

// Publications (公示): the office publishes the results of chosen items for a
// period (公示期) during which the public reads them, signed out, and may object.
// Publishing takes a snapshot: each item's text masked (mask.Personal, and the
// names the opinion is known to carry) and stored for good, so what the public read
// stays what was published whatever becomes of the opinions later. Feedback sent
// from a publication's page comes in as a new opinion through intake, on the
// channel campaign.ChannelPublicityFeedback, naming the publication and the item.

type (
	// Publication is one 公示 as stored.
	Publication = store.Publication
	// PublicationItem is one published item.
	PublicationItem = store.PublicationItem
)

// Publishing is who publishes, and reads what was published with its internal
// references (opinion ids, who published): the office. Leaders read them too.
var (
	Publishing         = Rule{domain.RoleOffice}
	PublicationReaders = Rule{domain.RoleOffice, domain.RoleLeader}
)

// Bounds on a publication and on the public's feedback.
const (
	MaxPublicationItems = 2000
	MaxPublicationTitle = 200
	// MaxPublicationDays bounds a 公示期 (from and to both count).
	MaxPublicationDays = 366
	// MaxFeedbackRunes bounds what the public writes.
	MaxFeedbackRunes = 500
	// maxFeedbackName bounds the name the public may leave.
	maxFeedbackName = 50
)

// The Extra keys a feedback opinion carries: the publication it was sent from,
// and the item it is about (its opinion's id and its number in the publication)
// when it is about one.
const (
	ExtraPublication     = "publication"
	ExtraPublicationItem = "publication_item"
	ExtraPublicationSeq  = "publication_seq"
)

// PublicationRequest is what the office publishes: a title, the 公示期 (from and
// to, YYYY-MM-DD, campaign-local, inclusive), and either the categories whose
// closed items are published or the opinions picked by id.
type PublicationRequest struct {
	Title      string   `json:"title"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	Categories []string `json:"categories,omitempty"`
	Opinions   []string `json:"opinions,omitempty"`
}

func invalidField(field, key string, args ...any) *Error {
	return Refuse(http.StatusUnprocessableEntity, "invalid_"+field, key, args...)
}

// Publish takes the snapshot the request describes and stores it, with its entry
// in the access log, in one step: a refused request stores nothing.
func (s *Service) Publish(ctx context.Context, u user.User, campaignID string, req PublicationRequest) (Publication, error) {
	if err := Publishing.CheckIn(u, campaignID); err != nil {
		return Publication{}, err
	}
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return Publication{}, err
	}
	p := Publication{ID: uuid.NewString(), CampaignID: c.ID, CreatedAt: s.Now().UTC(), CreatedBy: u.Username}
	if p.Title, err = publicationTitle(c, req.Title); err != nil {
		return Publication{}, err
	}
	if p.From, p.To, err = publicationPeriod(req.From, req.To); err != nil {
		return Publication{}, err
	}
	var sources []domain.Opinion
	switch {
	case len(req.Categories) > 0 && len(req.Opinions) > 0:
		return Publication{}, invalidField("categories", "pub.categories_or_opinions")
	case len(req.Categories) > 0:
		if p.Categories, err = publicationCategories(c, req.Categories); err != nil {
			return Publication{}, err
		}
		if sources, err = s.store.PublicationSources(ctx, c.ID, p.Categories, nil); err != nil {
			return Publication{}, err
		}
		if len(sources) == 0 {
			return Publication{}, invalidField("categories", "pub.nothing_closed", strings.Join(p.Categories, "、"))
		}
	case len(req.Opinions) > 0:
		if p.Opinions, sources, err = s.pickedOpinions(ctx, c, req.Opinions); err != nil {
			return Publication{}, err
		}
	default:
		return Publication{}, invalidField("categories", "pub.categories_required")
	}
	if len(sources) > MaxPublicationItems {
		return Publication{}, invalidField("categories", "pub.too_many_selected", len(sources), MaxPublicationItems)
	}
	p.Items = s.publicationItems(c, sources)
	p.Count = len(p.Items)
	if err := s.store.CreatePublication(ctx, p, s.auditEntry(ctx, u, store.AuditPublish, p.ID, len(p.Items))); err != nil {
		return Publication{}, err
	}
	return p, nil
}

// publicationTitle is the title asked for, cleaned, or the campaign's default one.
func publicationTitle(c campaign.Campaign, title string) (string, error) {
	title = text.Clean(title)
	if strings.ContainsAny(title, "\r\n") {
		return "", invalidField("title", "pub.title_one_line")
	}
	if n := utf8.RuneCountInString(title); n > MaxPublicationTitle {
		return "", invalidField("title", "pub.title_too_long", n, MaxPublicationTitle)
	}
	if title == "" {
		title = c.Name + "整改情况公示"
	}
	return title, nil
}

// publicationPeriod checks a 公示期.
func publicationPeriod(from, to string) (string, string, error) {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	f, err := publicationDate("from", from)
	if err != nil {
		return "", "", err
	}
	t, err := publicationDate("to", to)
	if err != nil {
		return "", "", err
	}
	if t.Before(f) {
		return "", "", invalidField("to", "pub.to_before_from", to, from)
	}
	if days := int(t.Sub(f).Hours()/24) + 1; days > MaxPublicationDays {
		return "", "", invalidField("to", "pub.period_too_long", from, to, days, MaxPublicationDays)
	}
	return from, to, nil
}

// publicationDate reads the date of field (from or to).
func publicationDate(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, invalidField(field, "pub.date_required", i18n.M("pub.field."+field))
	}
	d, err := time.Parse(domain.DateLayout, v)
	if err != nil {
		return time.Time{}, invalidField(field, "pub.date_format", i18n.M("pub.field."+field), text.Excerpt(v, 20))
	}
	if d.Year() < 2000 || d.Year() > 2100 {
		return time.Time{}, invalidField(field, "pub.date_out_of_range", i18n.M("pub.field."+field), v)
	}
	return d, nil
}

// publicationCategories are the categories asked for as the campaign names them,
// each once.
func publicationCategories(c campaign.Campaign, asked []string) ([]string, error) {
	var out []string
	for _, name := range asked {
		r := campaign.ResolveCategory(c.Policy, name)
		if !r.Known() {
			return nil, invalidField("categories", "pub.unknown_category", text.Excerpt(name, 50))
		}
		if !slices.Contains(out, r.Value) {
			out = append(out, r.Value)
		}
	}
	return out, nil
}

// pickedOpinions are the opinions asked for, each once: every one of the campaign,
// neither rejected, merged nor cancelled, with its category confirmed.
func (s *Service) pickedOpinions(ctx context.Context, c campaign.Campaign, asked []string) ([]string, []domain.Opinion, error) {
	var ids []string
	for _, id := range asked {
		id = strings.TrimSpace(id)
		if id == "" {
			return nil, nil, invalidField("opinions", "pub.empty_id")
		}
		if slices.Contains(ids, id) {
			return nil, nil, invalidField("opinions", "pub.listed_twice", id)
		}
		ids = append(ids, id)
	}
	if len(ids) > MaxPublicationItems {
		return nil, nil, invalidField("opinions", "pub.too_many_opinions", len(ids), MaxPublicationItems)
	}
	found, err := s.store.PublicationSources(ctx, c.ID, nil, ids)
	if err != nil {
		return nil, nil, err
	}
	for i, id := range ids {
		if i >= len(found) || found[i].ID != id {
			return nil, nil, invalidField("opinions", "pub.not_in_campaign", text.Excerpt(id, 80))
		}
		o := found[i]
		switch {
		case o.State == domain.StateRejected || o.State == domain.StateMerged || o.State == domain.StateCancelled:
			return nil, nil, invalidField("opinions", "pub.not_publishable", id, i18n.M("state."+string(o.State)))
		case o.Category == "":
			return nil, nil, invalidField("opinions", "pub.no_category", id)
		}
	}
	return ids, found, nil
}

// publicationItems are the opinions as the public reads them, masked: the phones,
// ID numbers, e-mail addresses and the names the rules of mask find, and besides
// them every name the opinion is known to carry — its submitter, the person it
// targets, a name in an imported ledger's columns, a name the rules found elsewhere
// in its text — and the names of rectify's
// users (officials' names are no more published than citizens').
func (s *Service) publicationItems(c campaign.Campaign, sources []domain.Opinion) []PublicationItem {
	var staff []string
	for _, u := range s.users.All() {
		staff = append(staff, u.Name)
	}
	loc := c.Policy.Location()
	items := make([]PublicationItem, len(sources))
	for i, o := range sources {
		names := append([]string{o.Submitter, o.Target}, staff...)
		names = append(names, mask.Found(o.Content)...)
		names = append(names, mask.Found(o.Measures)...)
		for k, v := range o.Extra {
			if strings.ContainsAny(k, "人名") || strings.Contains(strings.ToLower(k), "name") {
				names = append(names, v)
			}
		}
		hide := func(s string) string { return mask.Personal(mask.Known(s, names...)) }
		it := PublicationItem{Seq: i + 1, OpinionID: o.ID, Category: o.Category, Content: hide(o.Content),
			Measures: hide(o.Measures), Department: o.Department, State: o.State}
		if !o.LongTerm {
			it.Deadline = o.Schedule.Deadline
		}
		if o.State == domain.StateClosed && !o.ClosedAt.IsZero() {
			it.ClosedOn = o.ClosedAt.In(loc).Format(domain.DateLayout)
		}
		items[i] = it
	}
	return items
}

// Publications are the campaign's publications, newest first, for u.
func (s *Service) Publications(ctx context.Context, u user.User, campaignID string) (campaign.Campaign, []Publication, error) {
	if err := PublicationReaders.CheckIn(u, campaignID); err != nil {
		return campaign.Campaign{}, nil, err
	}
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return c, nil, err
	}
	ps, err := s.store.Publications(ctx, c.ID)
	return c, ps, err
}

// Publication is one publication with its items, for u.
func (s *Service) Publication(ctx context.Context, u user.User, id string) (Publication, error) {
	if err := PublicationReaders.Check(u); err != nil {
		return Publication{}, err
	}
	p, err := s.publication(ctx, id)
	if err != nil {
		return p, err
	}
	return p, scopedOut(u, p.CampaignID)
}

func (s *Service) publication(ctx context.Context, id string) (Publication, error) {
	p, err := s.store.Publication(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return p, Refuse(http.StatusNotFound, "publication_not_found", "api.no_such", i18n.M("api.noun.publication"), text.Excerpt(id, 80))
	}
	return p, err
}

// public is a publication as anyone may read it: no opinion ids, no username.
func public(p Publication) Publication {
	p.CreatedBy, p.Opinions = "", nil
	p.Items = slices.Clone(p.Items)
	for i := range p.Items {
		p.Items[i].OpinionID = ""
	}
	return p
}

// PublicPublications are the campaign's publications as anyone reads them, signed
// in or not: a 404 for an unknown campaign.
func (s *Service) PublicPublications(ctx context.Context, campaignID string) (campaign.Campaign, []Publication, error) {
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return c, nil, err
	}
	ps, err := s.store.Publications(ctx, c.ID)
	for i := range ps {
		ps[i] = public(ps[i])
	}
	return c, ps, err
}

// PublicPublication is one of the campaign's publications as anyone reads it: a
// 404 when the campaign is unknown or the publication is not one of its.
func (s *Service) PublicPublication(ctx context.Context, campaignID, id string) (campaign.Campaign, Publication, error) {
	c, p, err := s.campaignPublication(ctx, campaignID, id)
	return c, public(p), err
}

func (s *Service) campaignPublication(ctx context.Context, campaignID, id string) (campaign.Campaign, Publication, error) {
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return c, Publication{}, err
	}
	p, err := s.publication(ctx, id)
	if err == nil && p.CampaignID != c.ID {
		return c, Publication{}, Refuse(http.StatusNotFound, "publication_not_found", "api.no_such", i18n.M("api.noun.publication"), text.Excerpt(id, 80))
	}
	return c, p, err
}

// PublicationOpen reports whether today, in the campaign's time zone, is within
// the publication's 公示期: the days the public may send feedback.
func (s *Service) PublicationOpen(c campaign.Campaign, p Publication) bool {
	today := s.today(c.Policy).Format(domain.DateLayout)
	return p.From <= today && today <= p.To
}

// FeedbackSecret is the key the front doors sign the feedback form's challenges
// with, the same in every process.
func (s *Service) FeedbackSecret(ctx context.Context) ([]byte, error) {
	return s.store.FeedbackSecret(ctx)
}

// Feedback is what a member of the public sends from a publication's page: about
// the item numbered Seq, or (0) the whole publication; a name and a phone if they
// leave them.
type Feedback struct {
	Seq     int
	Content string
	Name    string
	Phone   string
}

// PublicFeedback brings the public's feedback in as a new opinion of the campaign,
// through intake like any other, on the channel ChannelPublicityFeedback, naming
// the publication and the item in its Extra and routed as the item was. Recorded as
// submitted by the office member who published. Refused outside the 公示期 (409
// publication_closed) and when it breaks a rule of its own or of intake (422,
// naming the field). Sending the same words again the same day is the same opinion.
func (s *Service) PublicFeedback(ctx context.Context, campaignID, id string, f Feedback) (domain.Opinion, error) {
	c, p, err := s.campaignPublication(ctx, campaignID, id)
	if err != nil {
		return domain.Opinion{}, err
	}
	if !s.PublicationOpen(c, p) {
		return domain.Opinion{}, Refuse(http.StatusConflict, "publication_closed", "api.publication_closed", p.From, p.To)
	}
	in := intake.Opinion{Content: text.Clean(f.Content), Channel: string(campaign.ChannelPublicityFeedback),
		CollectedAt: s.today(c.Policy).Format(domain.DateLayout), Submitter: text.Clean(f.Name), Phone: strings.TrimSpace(f.Phone),
		Extra: map[string]string{ExtraPublication: p.ID}}
	if in.Content == "" {
		return domain.Opinion{}, invalidField("content", "pub.feedback_empty")
	}
	if n := utf8.RuneCountInString(in.Content); n > MaxFeedbackRunes {
		return domain.Opinion{}, invalidField("content", "pub.feedback_too_long", n, MaxFeedbackRunes)
	}
	if n := utf8.RuneCountInString(in.Submitter); n > maxFeedbackName {
		return domain.Opinion{}, invalidField("submitter", "pub.name_too_long", n, maxFeedbackName)
	}
	if f.Seq != 0 {
		if f.Seq < 1 || f.Seq > len(p.Items) {
			return domain.Opinion{}, invalidField("item", "pub.no_such_item", f.Seq)
		}
		it := p.Items[f.Seq-1]
		in.Extra[ExtraPublicationItem], in.Extra[ExtraPublicationSeq] = it.OpinionID, strconv.Itoa(it.Seq)
		in.Department, in.Category = it.Department, it.Category
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{p.ID, strconv.Itoa(f.Seq), in.CollectedAt, in.Content, in.Submitter, in.Phone}, "\x00")))
	in.Key = "pf-" + hex.EncodeToString(sum[:12])
	res, err := s.submit(ctx, p.CreatedBy, c, in)
	return res.Opinion, err
}
