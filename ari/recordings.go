package ari

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// RecordRequest describes a recording of a channel's audio (what the
// channel's far end says) or of a bridge's mix. Name is the stored
// recording's name, Format a file format Asterisk can write ("wav").
// Zero values are left out, so Asterisk applies its defaults: no maximum
// length, IfExists "fail", TerminateOn "none".
type RecordRequest struct {
	Name               string
	Format             string
	MaxDurationSeconds int
	MaxSilenceSeconds  int
	IfExists           string // fail, overwrite or append
	Beep               bool   // play a beep before recording
	TerminateOn        string // none, any, *, # : the far end's key that stops a channel recording
}

func (r RecordRequest) values() (url.Values, error) {
	if r.Name == "" || r.Format == "" {
		return nil, fmt.Errorf("%w: a recording needs a name and a format", ErrInvalidRequest)
	}
	q := query("name", r.Name, "format", r.Format, "ifExists", r.IfExists, "terminateOn", r.TerminateOn)
	if r.MaxDurationSeconds > 0 {
		q.Set("maxDurationSeconds", strconv.Itoa(r.MaxDurationSeconds))
	}
	if r.MaxSilenceSeconds > 0 {
		q.Set("maxSilenceSeconds", strconv.Itoa(r.MaxSilenceSeconds))
	}
	if r.Beep {
		q.Set("beep", "true")
	}
	return q, nil
}

// RecordChannel starts recording a channel in Stasis. The answer (201,
// state "queued") comes before RecordingStarted; a name that is stored
// already is ErrConflict with IfExists "fail", an unknown format
// ErrUnprocessable. While an earlier recording of the channel runs, the
// new one waits for it.
func (c *Client) RecordChannel(ctx context.Context, channelID string, req RecordRequest) (*LiveRecording, error) {
	return startOn[LiveRecording](ctx, c, "/channels/%s/record", channelID, req)
}

// RecordBridge starts recording a bridge's mix (Asterisk adds a recorder
// channel to it). Events as RecordChannel.
func (c *Client) RecordBridge(ctx context.Context, bridgeID string, req RecordRequest) (*LiveRecording, error) {
	return startOn[LiveRecording](ctx, c, "/bridges/%s/record", bridgeID, req)
}

// LiveRecording returns a recording in progress; ErrNotFound once it ended.
func (c *Client) LiveRecording(ctx context.Context, name string) (*LiveRecording, error) {
	return getOne[LiveRecording](ctx, c, "/recordings/live/%s", name)
}

const livePath = "/recordings/live/%s/"

// StopRecording ends a live recording and stores it (RecordingFinished).
func (c *Client) StopRecording(ctx context.Context, name string) error {
	return c.op(ctx, http.MethodPost, livePath+"stop", nil, name)
}

// CancelRecording ends a live recording and throws it away.
func (c *Client) CancelRecording(ctx context.Context, name string) error {
	return c.op(ctx, http.MethodDelete, "/recordings/live/%s", nil, name)
}

// PauseRecording stops writing until UnpauseRecording; the pause is not in
// the file.
func (c *Client) PauseRecording(ctx context.Context, name string) error {
	return c.op(ctx, http.MethodPost, livePath+"pause", nil, name)
}

// UnpauseRecording resumes a paused recording.
func (c *Client) UnpauseRecording(ctx context.Context, name string) error {
	return c.op(ctx, http.MethodDelete, livePath+"pause", nil, name)
}

// MuteRecording writes silence until UnmuteRecording (the time is kept).
func (c *Client) MuteRecording(ctx context.Context, name string) error {
	return c.op(ctx, http.MethodPost, livePath+"mute", nil, name)
}

// UnmuteRecording writes the audio again.
func (c *Client) UnmuteRecording(ctx context.Context, name string) error {
	return c.op(ctx, http.MethodDelete, livePath+"mute", nil, name)
}

// StoredRecordings lists the finished recordings Asterisk keeps.
func (c *Client) StoredRecordings(ctx context.Context) ([]StoredRecording, error) {
	return getList[StoredRecording](ctx, c, "/recordings/stored")
}

// StoredRecording returns one stored recording; ErrNotFound if there is none.
func (c *Client) StoredRecording(ctx context.Context, name string) (*StoredRecording, error) {
	return getOne[StoredRecording](ctx, c, "/recordings/stored/%s", name)
}

// DeleteStoredRecording deletes a stored recording's file; ErrNotFound if
// there is none.
func (c *Client) DeleteStoredRecording(ctx context.Context, name string) error {
	return c.op(ctx, http.MethodDelete, "/recordings/stored/%s", nil, name)
}

// CopyStoredRecording copies a stored recording under another name; a name
// taken already is ErrConflict.
func (c *Client) CopyStoredRecording(ctx context.Context, name, to string) (*StoredRecording, error) {
	p, err := resourcePath("/recordings/stored/%s/copy", name)
	if err != nil {
		return nil, err
	}
	return postOne[StoredRecording](ctx, c, p, query("destinationRecordingName", to), nil)
}

// MaxRecordingBytes bounds a stored recording's file that
// StoredRecordingFile reads: about 70 minutes of 8 kHz 16-bit WAV.
const MaxRecordingBytes = 64 << 20

// RecordingFile is a stored recording's audio as Asterisk serves it.
type RecordingFile struct {
	Data        []byte
	ContentType string // e.g. "audio/wav"
}

// StoredRecordingFile fetches a stored recording's audio (GET
// /recordings/stored/{name}/file). A file larger than MaxRecordingBytes is
// ErrBadResponse; a missing recording ErrNotFound.
func (c *Client) StoredRecordingFile(ctx context.Context, name string) (*RecordingFile, error) {
	p, err := resourcePath("/recordings/stored/%s/file", name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+p, nil)
	if err != nil {
		return nil, fmt.Errorf("ari GET %s: %w", p, err)
	}
	if c.user != "" || c.pass != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	start := time.Now()
	r := call{method: http.MethodGet, path: p}
	resp, err := c.http.Do(req)
	if err != nil {
		c.observed(r, 0, start)
		return nil, fmt.Errorf("ari GET %s: %w", p, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.ContentLength > MaxRecordingBytes { // said before it is read: refused without reading it
		c.observed(r, resp.StatusCode, start)
		return nil, fmt.Errorf("ari GET %s: %w: a file of %d bytes, over %d", p, ErrBadResponse, resp.ContentLength, MaxRecordingBytes)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxRecordingBytes+1))
	c.observed(r, resp.StatusCode, start)
	if err != nil {
		return nil, fmt.Errorf("ari GET %s: read %d response: %w", p, resp.StatusCode, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &Error{Method: http.MethodGet, Path: p, Status: resp.StatusCode, Message: errorMessage(data)}
	}
	if len(data) > MaxRecordingBytes {
		return nil, fmt.Errorf("%w: ari GET %s: a recording larger than %d bytes", ErrBadResponse, p, MaxRecordingBytes)
	}
	return &RecordingFile{Data: data, ContentType: resp.Header.Get("Content-Type")}, nil
}
