package validate

import "github.com/ccaas/ccaas"

// RetentionDays is how many days a tenant keeps its recordings.
func RetentionDays(n int) error {
	return Between(n, 1, ccaas.MaxRecordingRetentionDays, "days")
}
