package http

import (
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"
)

// demoNumber is what a simulated caller's number or DID may look like;
// demoKeys the keys they may press.
var (
	demoNumber = regexp.MustCompile(`^\+?[0-9]{1,20}$`)
	demoKeys   = regexp.MustCompile(`^[0-9*#]{0,24}$`)
)

func (s *Server) demoCall(c *gin.Context) {
	if s.cfg.Demo == nil {
		fail(c, http.StatusNotFound, "not found")
		return
	}
	var req struct {
		DID  string `json:"did"`
		From string `json:"from"`
		Keys string `json:"keys"`
	}
	if !readJSON(c, &req) {
		return
	}
	if (req.DID != "" && !demoNumber.MatchString(req.DID)) || (req.From != "" && !demoNumber.MatchString(req.From)) {
		fail(c, http.StatusBadRequest, "did and from must be phone numbers: digits with an optional leading +")
		return
	}
	if !demoKeys.MatchString(req.Keys) {
		fail(c, http.StatusBadRequest, "keys are at most 24 of 0-9 * #")
		return
	}
	ch, err := s.cfg.Demo.PlaceCall(req.DID, req.From, req.Keys)
	if err != nil {
		s.log.Warn("demo call failed", "err", err)
		fail(c, http.StatusServiceUnavailable, "the simulated call could not be placed: "+err.Error())
		return
	}
	c.JSON(http.StatusCreated, gin.H{"channel": ch})
}

func (s *Server) demoHangup(c *gin.Context) {
	if s.cfg.Demo == nil {
		fail(c, http.StatusNotFound, "not found")
		return
	}
	if err := s.cfg.Demo.HangupCustomer(c.Request.Context(), session(c)); err != nil {
		s.failErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
