package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rectify/internal/service"
	"rectify/internal/user"
)

// importTimeout bounds reading and checking an uploaded file (a 200k-row workbook
// takes seconds, not minutes).
const importTimeout = 5 * time.Minute

func (s *Server) createBatch(r *http.Request, u user.User) (int, any, error) {
	if err := service.CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	c, err := s.svc.Campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	opts := service.ImportOptions{Limits: s.svc.ImportLimits()}
	path, name, err := receiveUpload(r, &opts)
	if path != "" {
		defer os.Remove(path)
	}
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), importTimeout)
	defer cancel()
	v, err := s.svc.Import(ctx, u, c, path, name, opts)
	if err != nil {
		return 0, nil, err
	}
	if opts.DryRun {
		return http.StatusOK, v.In(Language(r)), nil
	}
	return http.StatusCreated, v.In(Language(r)), nil
}

// receiveUpload streams the multipart "file" part to a temporary file (never more
// than the size limit) and reads the strict and dry_run fields.
func receiveUpload(r *http.Request, opts *service.ImportOptions) (path, name string, err error) {
	err = eachPart(r, func(part *multipart.Part) error {
		switch part.FormName() {
		case "strict", "dry_run":
			v, _ := io.ReadAll(io.LimitReader(part, 16))
			on, err := formBool(part.FormName(), string(v))
			if err != nil {
				return err
			}
			if part.FormName() == "strict" {
				opts.Strict = on
			} else {
				opts.DryRun = on
			}
		case "file":
			if path != "" {
				return refuse(http.StatusBadRequest, "two_files", "api.two_files_batch")
			}
			name = filepath.Base(part.FileName())
			var err error
			path, err = spool(part, opts.Limits.MaxBytes)
			return err
		}
		return nil
	})
	if err != nil {
		return path, name, err
	}
	if path == "" {
		return "", "", fileRequired()
	}
	return path, name, nil
}

// eachPart reads a multipart/form-data upload part by part, handing each to take;
// a body that is not one is refused as the API refuses it, whatever the endpoint.
func eachPart(r *http.Request, take func(*multipart.Part) error) error {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		return refuse(http.StatusBadRequest, "not_multipart", "api.not_multipart")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return refuse(http.StatusBadRequest, "malformed_multipart", "api.malformed_multipart")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err // the endpoint's own refusal of a body over its bound
		}
		if err != nil {
			return refuse(http.StatusBadRequest, "malformed_multipart", "api.malformed_multipart")
		}
		if err := take(part); err != nil {
			return err
		}
	}
}

func fileRequired() error {
	return refuse(http.StatusBadRequest, "file_required", "api.file_required")
}

func formBool(field, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "false", "0", "no", "off":
		return false, nil
	case "true", "1", "yes", "on":
		return true, nil
	}
	return false, refuse(http.StatusUnprocessableEntity, "invalid_"+field, "api.param_bool", field, v)
}

// spool copies an upload to a temporary file, refusing more than max bytes.
func spool(part io.Reader, max int64) (string, error) {
	f, err := os.CreateTemp("", "rectify-upload-*")
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(part, max+1))
	if err != nil {
		_ = f.Close()
		return f.Name(), refuse(http.StatusBadRequest, "upload_interrupted", "api.upload_interrupted")
	}
	// The importer reads the file by name: a write that fails only on close (a full
	// disk) must not reach it as a shorter file.
	if err := f.Close(); err != nil {
		return f.Name(), err
	}
	if n > max {
		return f.Name(), refuse(http.StatusRequestEntityTooLarge, "file_too_large", "api.file_too_large", max>>20)
	}
	return f.Name(), nil
}
