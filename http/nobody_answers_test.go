package http

import (
	"strings"
	"testing"

	"github.com/ccaas/ccaas"
)

// TestNobodyAnswersNamesTheOverflowQueue: the warning about a queue without
// members says where its callers move after the maximum wait.
func TestNobodyAnswersNamesTheOverflowQueue(t *testing.T) {
	cfg := ccaas.TenantConfig{Queues: []ccaas.Queue{{ID: 7, Name: "Sales"}}}
	for target, want := range map[string]string{"7": "then move to queue Sales.", "8": "then move to a removed queue."} {
		q := ccaas.Queue{Name: "Support", MaxWaitSeconds: 60, Overflow: ccaas.OverflowQueue, OverflowTarget: target}
		got := nobodyAnswers(cfg, &q)
		if w := "Its callers wait 60 s (its maximum wait), " + want; !strings.Contains(got, w) {
			t.Errorf("target %s: %q lacks %q", target, got, w)
		}
	}
}
