package app

import (
	"testing"

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
