package ari

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinels for ARI's HTTP statuses. An *Error wraps the one that matches its
// status, so callers test with errors.Is(err, ari.ErrNotFound).
var (
	ErrBadRequest       = errors.New("ari: bad request")                // 400: missing or invalid parameter, unknown channel in addChannel
	ErrUnauthorized     = errors.New("ari: authentication required")    // 401
	ErrForbidden        = errors.New("ari: forbidden")                  // 403: e.g. push config without a writable sorcery mapping
	ErrNotFound         = errors.New("ari: not found")                  // 404: channel, bridge, playback or variable gone
	ErrMethodNotAllowed = errors.New("ari: method not allowed")         // 405
	ErrConflict         = errors.New("ari: conflict")                   // 409: channel not in Stasis, id already in use
	ErrUnprocessable    = errors.New("ari: unprocessable")              // 422: channel not in this bridge / not in Stasis
	ErrServer           = errors.New("ari: asterisk internal error")    // 500: e.g. originate "Allocation failed"
	ErrUnavailable      = errors.New("ari: asterisk not available")     // 503: not booted yet
	ErrUnexpectedStatus = errors.New("ari: unexpected response status") // anything else
)

// Error is a non-2xx answer from ARI.
type Error struct {
	Method  string
	Path    string
	Status  int
	Message string // ARI's "message" (or "error") field, or the raw body
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("ari %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("ari %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// Unwrap returns the sentinel for the status.
func (e *Error) Unwrap() error { return StatusError(e.Status) }

// StatusError maps an HTTP status to its sentinel.
func StatusError(status int) error {
	switch status {
	case http.StatusBadRequest:
		return ErrBadRequest
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusMethodNotAllowed:
		return ErrMethodNotAllowed
	case http.StatusConflict:
		return ErrConflict
	case http.StatusUnprocessableEntity:
		return ErrUnprocessable
	case http.StatusInternalServerError:
		return ErrServer
	case http.StatusServiceUnavailable:
		return ErrUnavailable
	}
	return ErrUnexpectedStatus
}

// ErrorBody is ARI's error document. Most errors use "message"; originate's
// "Allocation failed" uses "error".
type ErrorBody struct {
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}
