package main

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// productionHashCost is hashCost as the binary has it, before init lowers it.
var productionHashCost = hashCost

// The tests store MinCost hashes (the demo's users, the admin commands'
// agents and operators): at bcrypt's default cost each hash made and each
// login checked takes most of a second under -race, and every demo start
// seeds five.
func init() { hashCost = bcrypt.MinCost }

func TestHashCost(t *testing.T) {
	if productionHashCost != bcrypt.DefaultCost {
		t.Fatalf("the commands hash passwords at cost %d, want bcrypt's default %d", productionHashCost, bcrypt.DefaultCost)
	}
}
