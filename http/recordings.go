package http

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
)

// GET /api/recordings/{id}: a recording's audio (a voicemail) for the
// logged-in agent's page, which plays it in an <audio> element. The app
// checks that it is the session's tenant's and that this user may hear it;
// anything else answers 404, another tenant's recording exactly like one
// that does not exist. Range requests are served (http.ServeContent), so a
// player can seek; nothing is cached on the way.
func (s *Server) recording(c *gin.Context) {
	rec, f, err := s.cfg.Agents.RecordingFile(c.Request.Context(), session(c), ccaas.RecordingID(c.Param("id")))
	if errors.Is(err, app.ErrNoSuchRecording) {
		fail(c, http.StatusNotFound, "there is no such recording, or it was deleted")
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	serveRecording(c, rec, f, "inline")
}

// serveRecording answers with a recording's audio, named for a download
// (disposition "attachment") or for a player ("inline"). Range requests are
// served, so a player can seek.
func serveRecording(c *gin.Context, rec ccaas.Recording, f *ari.RecordingFile, disposition string) {
	h := c.Writer.Header()
	h.Set("Content-Type", f.ContentType)
	if f.ContentType == "" {
		h.Set("Content-Type", "audio/"+rec.Format)
	}
	h.Set("Cache-Control", "private, no-store") // customers' voices stay off shared caches and disks
	h.Set("Content-Disposition", fmt.Sprintf("%s; filename=%q", disposition, rec.Kind+"-"+string(rec.ID)+"."+rec.Format))
	http.ServeContent(c.Writer, c.Request, "", rec.Created, bytes.NewReader(f.Data))
}
