package app

import (
	"testing"

	"github.com/ccaas/ccaas"
	"golang.org/x/crypto/bcrypt"
)

// productionDummyHashCost is dummyHashCost as the binary has it, before
// init lowers it.
var productionDummyHashCost = dummyHashCost

// The test worlds' agents have MinCost hashes, and so has the dummy an
// unknown user's password is compared with: at the default cost each
// unknown login would take most of a second under -race.
func init() { dummyHashCost = bcrypt.MinCost }

func TestDummyHashCost(t *testing.T) {
	if productionDummyHashCost != bcrypt.DefaultCost {
		t.Fatalf("the unknown-user dummy has cost %d, want bcrypt's default %d, the cost of stored hashes", productionDummyHashCost, bcrypt.DefaultCost)
	}
}

// CallTimers counts the timers the tenant's calls hold, read in its loop.
func CallTimers(a *App, tenant ccaas.TenantID) int {
	t := a.tenant(tenant)
	out := make(chan int)
	t.inbox.post(msgDone{then: func() {
		n := 0
		for _, c := range t.calls {
			n += len(c.timers)
		}
		out <- n
	}})
	return <-out
}
