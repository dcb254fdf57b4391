package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"rectify/internal/api"
	"rectify/internal/payload"
	"rectify/internal/service"
	"rectify/internal/user"
)

// CodecPath is where the Temporal Web UI (or the temporal CLI's --codec-endpoint)
// decrypts payloads: POST CodecPath+"/decode".
const CodecPath = "/codec"

// codecBodyLimit bounds one decode request: the UI sends a page of events' payloads.
const codecBodyLimit = 16 << 20

// codecHandler decrypts payloads for people who may read citizens' data in clear —
// the office and leaders — signed in to rectify in the same browser (the UI sends
// its cookies) or with an API token. It never encrypts: a payload rectify's worker
// would accept can only come from rectify itself.
func (s *Server) codecHandler() http.Handler {
	decode := converter.NewPayloadCodecHTTPHandler(payload.NewCodec(s.PayloadKeys))
	uiOrigin := origin(s.TemporalUIURL)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Origin")
		if o := r.Header.Get("Origin"); o != "" && o == uiOrigin {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "POST")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != CodecPath+"/decode" {
			http.NotFound(w, r)
			return
		}
		var u user.User
		if v, ok := s.session(r); ok {
			u = v.User
		} else if r.Header.Get("Authorization") == "" {
			http.Error(w, "sign in to rectify (office or leader) to read payloads in clear", http.StatusUnauthorized)
			return
		} else if u, ok = s.api.Caller(w, r); !ok {
			return // answered, bad tokens counted like the API's
		}
		if service.Oversight.Check(u) != nil {
			http.Error(w, "only the office and leaders read payloads in clear", http.StatusForbidden)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, codecBodyLimit))
		if err != nil {
			http.Error(w, "the request is too large or was cut short", http.StatusBadRequest)
			return
		}
		if n := sealedPayloads(body); n > 0 {
			// Handed out in clear only once the access log has it.
			if err := s.svc.AuditRequired(api.WithOrigin(r).Context(), u, service.AuditDecryptPayloads, "", n); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			s.logger.Info("payloads decrypted for a reader of Temporal's histories", "user", u.Username, "payloads", n)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		decode.ServeHTTP(w, r)
	})
}

// sealedPayloads counts the payloads of a decode request (read as the codec reads
// it) that are encrypted with rectify's keys: those it decrypts. Payloads in clear
// pass through as they are; a request it cannot read the codec refuses.
func sealedPayloads(body []byte) int {
	var in commonpb.Payloads
	if protojson.Unmarshal(body, &in) != nil {
		return 0
	}
	n := 0
	for _, p := range in.GetPayloads() {
		if string(p.GetMetadata()[converter.MetadataEncoding]) == payload.EncodingEncrypted {
			n++
		}
	}
	return n
}

// origin is scheme://host[:port] of a URL, what a browser sends as Origin.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
