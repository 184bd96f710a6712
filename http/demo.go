package http

import (
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"
)

// demoNumber is what a simulated caller's number or DID may look like.
var demoNumber = regexp.MustCompile(`^\+?[0-9]{1,20}$`)

func (s *Server) demoCall(c *gin.Context) {
	if s.cfg.Demo == nil {
		fail(c, http.StatusNotFound, "not found")
		return
	}
	var req struct {
		DID  string `json:"did"`
		From string `json:"from"`
	}
	if !readJSON(c, &req) {
		return
	}
	if (req.DID != "" && !demoNumber.MatchString(req.DID)) || (req.From != "" && !demoNumber.MatchString(req.From)) {
		fail(c, http.StatusBadRequest, "did and from must be phone numbers: digits with an optional leading +")
		return
	}
	ch, err := s.cfg.Demo.PlaceCall(req.DID, req.From)
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
