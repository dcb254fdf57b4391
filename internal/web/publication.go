package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/service"
)

// Publications (公示, service/publications.go). The office publishes on
// /campaigns/{id}/publications. The public reads them signed out, on
// /public/{campaign} and /public/{campaign}/{publication}: those pages read no
// session, whoever visits, and show only what the snapshot holds — its masked
// text, never an opinion's id nor a username — so they cannot reach anything of the
// signed-in application. During the 公示期 the publication's page takes feedback,
// behind a challenge signed by the server, a honeypot field, a length limit and a
// rate limit per client address.

// publicationPages adds the office's pages and the public's.
func (s *Server) publicationPages(mux *http.ServeMux, page func(string, pageHandler)) {
	page("GET /campaigns/{id}/publications", s.only(service.Publishing, s.publicationsPage))
	page("POST /campaigns/{id}/publications", s.only(service.Publishing, s.publish))
	page("GET /publications/{id}", s.only(service.PublicationReaders, s.publicationRedirect))
	pub := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, h)
	}
	pub("GET /public/{campaign}", s.publicList)
	pub("GET /public/{campaign}/{publication}", s.publicPublication)
	pub("POST /public/{campaign}/{publication}", s.publicFeedback)
}

func init() {
	funcs["feedbackOn"] = feedbackOn
	funcs["periodState"] = periodState
	funcs["publicStatus"] = func(v *visit, st domain.State) string { return v.T(publicStatus(st)) }
}

// feedbackRef is what a feedback opinion names: the publication it came from
// and, when it is about one, the item (its opinion and its number there).
type feedbackRef struct {
	Publication, Item, Seq string
}

// feedbackOn is the publication and item an opinion's Extra names (the office's
// views carry Extra), or nil.
func feedbackOn(extra map[string]string) *feedbackRef {
	if extra[service.ExtraPublication] == "" {
		return nil
	}
	return &feedbackRef{Publication: extra[service.ExtraPublication], Item: extra[service.ExtraPublicationItem],
		Seq: extra[service.ExtraPublicationSeq]}
}

// periodState says where today stands in a 公示期: before, during or after it.
func periodState(v *visit, from, to string) string {
	today := v.Now.In(pageZone).Format(domain.DateLayout)
	switch {
	case today < from:
		return v.T("pub.period.upcoming")
	case today > to:
		return v.T("pub.period.ended")
	}
	return v.T("pub.period.open")
}

// ---- the office's pages

func (s *Server) publicationsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	today := v.Now.In(pageZone)
	s.renderPublications(w, r, v, http.StatusOK, map[string]string{
		"from": today.Format(domain.DateLayout), "to": today.AddDate(0, 0, 6).Format(domain.DateLayout), "mode": "categories",
	}, nil, "")
}

// renderPublications shows the campaign's publications and the form to publish
// one, with the values sent and the error of a refused one.
func (s *Server) renderPublications(w http.ResponseWriter, r *http.Request, v *visit, status int, values map[string]string,
	picked []string, errText string) {
	c, pubs, err := s.svc.Publications(r.Context(), v.User, r.PathValue("id"))
	if notFound(err) {
		s.renderError(w, r, v, http.StatusNotFound, "dash.unknown_campaign")
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	closed, _, err := s.svc.OpinionViews(r.Context(), v.User, service.Filter{CampaignID: c.ID,
		States: []domain.State{domain.StateClosed}, Limit: listPageSize * 4})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	var cats []string
	for _, cat := range c.Policy.Categories {
		if !cat.Retired {
			cats = append(cats, cat.Name)
		}
	}
	checked := map[string]bool{}
	for _, x := range append(r.Form["categories"], picked...) {
		checked[x] = true
	}
	s.render(w, r, status, "publications", v, map[string]any{
		"C": c, "Publications": pubs, "Categories": cats, "Closed": closed, "Values": values, "Checked": checked,
		"Error": errText, "Published": r.URL.Query().Get("published"),
	})
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, v *visit) {
	req := service.PublicationRequest{Title: r.PostFormValue("title"), From: r.PostFormValue("from"), To: r.PostFormValue("to")}
	mode := r.PostFormValue("mode")
	var picked []string
	if mode == "opinions" {
		picked = slices.Clone(r.PostForm["opinions"])
		for _, id := range strings.FieldsFunc(r.PostFormValue("opinion_ids"), func(c rune) bool {
			return c == ',' || c == '，' || c == ' ' || c == '\n' || c == '\r' || c == '\t'
		}) {
			if !slices.Contains(picked, id) {
				picked = append(picked, id)
			}
		}
		req.Opinions = picked
	} else {
		mode = "categories"
		req.Categories = r.PostForm["categories"]
	}
	p, err := s.svc.Publish(r.Context(), v.User, r.PathValue("id"), req)
	if err != nil {
		var e *service.Error
		if !errors.As(err, &e) || e.Status == http.StatusNotFound || e.Status == http.StatusForbidden {
			s.fail(w, r, v, err)
			return
		}
		values := map[string]string{"title": req.Title, "from": req.From, "to": req.To, "mode": mode,
			"opinion_ids": r.PostFormValue("opinion_ids")}
		s.renderPublications(w, r, v, e.Status, values, picked, errorText(v, e))
		return
	}
	http.Redirect(w, r, "/campaigns/"+url.PathEscape(p.CampaignID)+"/publications?published="+url.QueryEscape(p.ID), http.StatusSeeOther)
}

// publicationRedirect takes an office or leader from a publication's id (the
// access log links one) to its public page.
func (s *Server) publicationRedirect(w http.ResponseWriter, r *http.Request, v *visit) {
	p, err := s.svc.Publication(r.Context(), v.User, r.PathValue("id"))
	if notFound(err) {
		s.renderError(w, r, v, http.StatusNotFound, "err.not_found")
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/public/"+url.PathEscape(p.CampaignID)+"/"+url.PathEscape(p.ID), http.StatusSeeOther)
}

// ---- the public's pages

// publicVisit is a signed-out visit, whoever asks: the public pages never read a
// session.
func (s *Server) publicVisit(r *http.Request) *visit {
	return &visit{Lang: requestLang(r), Now: s.svc.Now()}
}

func (s *Server) publicList(w http.ResponseWriter, r *http.Request) {
	v := s.publicVisit(r)
	c, pubs, err := s.svc.PublicPublications(r.Context(), r.PathValue("campaign"))
	if err != nil {
		s.publicFail(w, r, v, err)
		return
	}
	s.render(w, r, http.StatusOK, "public_list", v, map[string]any{"Campaign": publicCampaign(c), "Publications": pubs})
}

// publicCampaign is what the public pages show of a campaign: its id and name.
func publicCampaign(c campaign.Campaign) map[string]string {
	return map[string]string{"ID": c.ID, "Name": c.Name}
}

// publicFail answers a public page's error: 404 for what does not exist (the
// same page whether the campaign or the publication is unknown), a plain 500
// otherwise, logged without anything the visitor sent.
func (s *Server) publicFail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	if notFound(err) {
		s.renderError(w, r, v, http.StatusNotFound, "pub.not_found")
		return
	}
	s.logger.Error("public page failed", "path", r.URL.Path, "err", err)
	s.renderError(w, r, v, http.StatusInternalServerError, "err.internal")
}

// feedbackForm is the feedback form as a page shows it again.
type feedbackForm struct {
	Item, Content, Name, Phone string
	Error                      string
	Challenge                  challenge
}

func (s *Server) publicPublication(w http.ResponseWriter, r *http.Request) {
	v := s.publicVisit(r)
	form := feedbackForm{Item: r.URL.Query().Get("item")}
	s.renderPublicPublication(w, r, v, http.StatusOK, form, r.URL.Query().Get("sent") == "1")
}

func (s *Server) renderPublicPublication(w http.ResponseWriter, r *http.Request, v *visit, status int, form feedbackForm, sent bool) {
	c, p, err := s.svc.PublicPublication(r.Context(), r.PathValue("campaign"), r.PathValue("publication"))
	if err != nil {
		s.publicFail(w, r, v, err)
		return
	}
	open := s.svc.PublicationOpen(c, p)
	if open {
		if form.Challenge, err = s.challenges.issue(r.Context(), s.svc, p.ID); err != nil {
			s.publicFail(w, r, v, err)
			return
		}
	}
	s.render(w, r, status, "public_publication", v, map[string]any{
		"Campaign": publicCampaign(c), "P": p, "Open": open, "Form": form, "Sent": sent, "Max": service.MaxFeedbackRunes,
	})
}

func (s *Server) publicFeedback(w http.ResponseWriter, r *http.Request) {
	v := s.publicVisit(r)
	if status, key := readForm(w, r, 64<<10); status != 0 {
		s.renderError(w, r, v, status, key)
		return
	}
	form := feedbackForm{Item: r.PostFormValue("item"), Content: r.PostFormValue("content"),
		Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone")}
	refuse := func(status int, msg string) {
		form.Error = msg
		s.renderPublicPublication(w, r, v, status, form, false)
	}
	client := s.api.SignInLockout().Client(r)
	if !s.feedbackLimit.allow(client, v.Now) {
		w.Header().Set("Retry-After", strconv.Itoa(int(feedbackEvery.Seconds())))
		refuse(http.StatusTooManyRequests, v.T("pub.err.too_many"))
		return
	}
	campaignID, id := r.PathValue("campaign"), r.PathValue("publication")
	c, p, err := s.svc.PublicPublication(r.Context(), campaignID, id)
	if err != nil {
		s.publicFail(w, r, v, err)
		return
	}
	if !s.svc.PublicationOpen(c, p) {
		refuse(http.StatusConflict, v.T("pub.err.closed", p.From, p.To))
		return
	}
	// A person leaves the hidden field empty; a form-filling robot fills it.
	if r.PostFormValue("website") != "" {
		refuse(http.StatusUnprocessableEntity, v.T("pub.err.refused"))
		return
	}
	if key := s.challenges.check(r.Context(), s.svc, p.ID, r.PostFormValue("token"), r.PostFormValue("answer"), v.Now); key != "" {
		refuse(http.StatusUnprocessableEntity, v.T(key))
		return
	}
	if n := utf8.RuneCountInString(form.Content); n > service.MaxFeedbackRunes {
		refuse(http.StatusUnprocessableEntity, v.T("pub.err.too_long", n, service.MaxFeedbackRunes))
		return
	}
	seq := 0
	if form.Item != "" && form.Item != "0" {
		if seq, err = strconv.Atoi(form.Item); err != nil || seq < 1 {
			refuse(http.StatusUnprocessableEntity, v.T("pub.err.item"))
			return
		}
	}
	_, err = s.svc.PublicFeedback(r.Context(), campaignID, id, service.Feedback{Seq: seq, Content: form.Content, Name: form.Name, Phone: form.Phone})
	if err != nil {
		var e *service.Error
		if !errors.As(err, &e) || e.Status == http.StatusNotFound {
			s.publicFail(w, r, v, err)
			return
		}
		refuse(e.Status, feedbackError(v, e))
		return
	}
	http.Redirect(w, r, "/public/"+url.PathEscape(c.ID)+"/"+url.PathEscape(p.ID)+"?sent=1#feedback", http.StatusSeeOther)
}

// feedbackError is a refusal of the service in the visitor's words: the fields
// the form has, named as the form names them.
func feedbackError(v *visit, e *service.Error) string {
	switch e.Code {
	case "invalid_content":
		return v.T("pub.err.content")
	case "invalid_phone":
		return v.T("pub.err.phone")
	case "invalid_submitter":
		return v.T("pub.err.name")
	case "invalid_item":
		return v.T("pub.err.item")
	case "publication_closed":
		return v.T("pub.err.refused")
	}
	return v.T("pub.err.refused")
}

// ---- the challenge and the rate limit

// challengeLife is how long a form's challenge may be answered.
const challengeLife = 30 * time.Minute

// challenge is a sum to work out, and the token that says, to this server only,
// what its answer is, for which publication, until when.
type challenge struct {
	A, B  int
	Token string
}

// challenges issues and checks the feedback form's challenges. The token is
// "<expiry>.<nonce>.<mac>", the mac an HMAC-SHA256, under the store's
// FeedbackSecret, of the publication, expiry, nonce and answer: the answer is in
// no field, and a token is good for one publication, for a while, once (in this
// process; another process behind the same address would take it once more).
type challenges struct {
	mu   sync.Mutex
	key  []byte
	used map[string]time.Time
}

func (c *challenges) secret(ctx context.Context, svc *service.Service) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == nil {
		key, err := svc.FeedbackSecret(ctx)
		if err != nil {
			return nil, err
		}
		c.key = key
	}
	return c.key, nil
}

func (c *challenges) mac(key []byte, pub string, exp int64, nonce string, answer int) string {
	m := hmac.New(sha256.New, key)
	_, _ = fmt.Fprintf(m, "%s\x00%d\x00%s\x00%d", pub, exp, nonce, answer) // a hash.Hash never fails to write
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c *challenges) issue(ctx context.Context, svc *service.Service, pub string) (challenge, error) {
	key, err := c.secret(ctx, svc)
	if err != nil {
		return challenge{}, err
	}
	a, b := randomDigit(), randomDigit()
	n := make([]byte, 12)
	_, _ = rand.Read(n)
	nonce := base64.RawURLEncoding.EncodeToString(n)
	exp := svc.Now().Add(challengeLife).Unix()
	return challenge{A: a, B: b, Token: fmt.Sprintf("%d.%s.%s", exp, nonce, c.mac(key, pub, exp, nonce, a+b))}, nil
}

// check answers the message key of what is wrong with the answer to the token,
// or "" when it is right; a right answer uses the token up.
func (c *challenges) check(ctx context.Context, svc *service.Service, pub, token, answer string, now time.Time) string {
	parts := strings.Split(token, ".")
	if token == "" || len(parts) != 3 {
		return "pub.err.challenge"
	}
	exp, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return "pub.err.challenge"
	}
	if now.Unix() > exp {
		return "pub.err.expired"
	}
	n, err := strconv.Atoi(strings.TrimSpace(answer))
	if err != nil {
		return "pub.err.answer"
	}
	key, err := c.secret(ctx, svc)
	if err != nil {
		return "pub.err.challenge"
	}
	if !hmac.Equal([]byte(c.mac(key, pub, exp, parts[1], n)), []byte(parts[2])) {
		return "pub.err.answer"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used == nil {
		c.used = map[string]time.Time{}
	}
	if _, dup := c.used[parts[1]]; dup {
		return "pub.err.expired"
	}
	for k, until := range c.used {
		if now.After(until) {
			delete(c.used, k)
		}
	}
	c.used[parts[1]] = time.Unix(exp, 0)
	return ""
}

// randomDigit is 1 to 9.
func randomDigit() int {
	n, err := rand.Int(rand.Reader, big.NewInt(9))
	if err != nil {
		return 5
	}
	return int(n.Int64()) + 1
}

// feedbackEvery and feedbackBurst are how often one client address may post the
// feedback form: a burst of a few, then one every feedbackEvery. Every post
// counts, a refused one too: it is what guessing looks like.
const (
	feedbackEvery = 2 * time.Minute
	feedbackBurst = 5
)

// feedbackLimit limits the feedback form's posts per client address.
type feedbackLimit struct {
	mu      sync.Mutex
	clients map[string]*feedbackClient
}

type feedbackClient struct {
	limiter *rate.Limiter
	seen    time.Time
}

func (l *feedbackLimit) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clients == nil {
		l.clients = map[string]*feedbackClient{}
	}
	if len(l.clients) > 10000 {
		// Forget the clients whose bucket has long filled up again.
		for k, c := range l.clients {
			if now.Sub(c.seen) > feedbackEvery*feedbackBurst {
				delete(l.clients, k)
			}
		}
	}
	c, ok := l.clients[client]
	if !ok {
		c = &feedbackClient{limiter: rate.NewLimiter(rate.Every(feedbackEvery), feedbackBurst)}
		l.clients[client] = c
	}
	c.seen = now
	return c.limiter.AllowN(now, 1)
}
