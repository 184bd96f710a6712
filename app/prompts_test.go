package app_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ccaas/ccaas/app"
)

// TestPromptsDocumented: docs/deploy.md gives the words of every prompt the
// product plays, for operators to record.
func TestPromptsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range app.Prompts {
		name := strings.TrimPrefix(p, "ccaas/")
		if !strings.Contains(string(doc), "| `"+name+"` | \"") {
			t.Errorf("docs/deploy.md has no row with the words of prompt %s", p)
		}
	}
}
