package api

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"rectify/internal/user"
)

// uploadAttachment stores one evidence file (multipart field "file") for an action
// on the opinion to come, and answers its reference (service.Attach). Who may
// attach is checked before the body is read; the file is read into memory, never
// more than the limit of one file.
func (s *Server) uploadAttachment(r *http.Request, u user.User) (int, any, error) {
	id := r.PathValue("id")
	if err := s.svc.MayAttach(r.Context(), u, id); err != nil {
		return 0, nil, err
	}
	limit := s.svc.AttachmentLimits().MaxBytes
	// The form around the file is small: a larger body is a file over the limit.
	r.Body = http.MaxBytesReader(nil, r.Body, limit+1<<20)
	var name string
	var data []byte
	got := false
	err := eachPart(r, func(part *multipart.Part) error {
		if part.FormName() != "file" {
			return nil
		}
		if got {
			return refuse(http.StatusBadRequest, "two_files", "api.two_files")
		}
		got, name = true, part.FileName()
		var err error
		if data, err = io.ReadAll(io.LimitReader(part, limit+1)); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return err
			}
			return refuse(http.StatusBadRequest, "upload_interrupted", "api.upload_interrupted")
		}
		if int64(len(data)) > limit {
			return s.svc.AttachmentTooLarge(name)
		}
		return nil
	})
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return 0, nil, s.svc.AttachmentTooLarge(name)
	case err != nil:
		return 0, nil, err
	case !got:
		return 0, nil, fileRequired()
	}
	ref, err := s.svc.Attach(r.Context(), u, id, name, data)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, ref, nil
}

// downloadAttachment serves an evidence file as it was recognised, as a download
// (SendFile): never shown in the browser, whatever it holds.
func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request, u user.User) error {
	return s.sendAttachment(w, r, u, false)
}

// downloadThumbnail serves the JPEG thumbnail rectify drew of a photo.
func (s *Server) downloadThumbnail(w http.ResponseWriter, r *http.Request, u user.User) error {
	return s.sendAttachment(w, r, u, true)
}

func (s *Server) sendAttachment(w http.ResponseWriter, r *http.Request, u user.User, thumbnail bool) error {
	d, err := s.svc.AttachmentFile(r.Context(), u, r.PathValue("id"), thumbnail)
	if err != nil {
		return err
	}
	defer d.Close()
	return SendFile(w, d)
}
