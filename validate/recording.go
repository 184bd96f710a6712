package validate

import (
	"slices"

	"github.com/ccaas/ccaas"
)

// RecordMode is when a queue's calls are recorded.
func RecordMode(s string) error {
	if !slices.Contains(ccaas.RecordModes, s) {
		return rule("never, always or demand (on the agent's demand)")
	}
	return nil
}

// RetentionDays is how many days a tenant keeps its recordings.
func RetentionDays(n int) error {
	return Between(n, 1, ccaas.MaxRecordingRetentionDays, "days")
}
