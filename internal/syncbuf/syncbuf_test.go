package syncbuf

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				fmt.Fprintf(&b, "w%d\n", i)
			}
		})
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 800 {
		t.Fatalf("%d lines, want 800", n)
	}
}

func TestTake(t *testing.T) {
	var b Buffer
	b.Write([]byte("one "))
	b.Write([]byte("two"))
	if got := b.Take(); got != "one two" {
		t.Fatalf("Take = %q", got)
	}
	if got := b.String(); got != "" {
		t.Fatalf("after Take: %q, want empty", got)
	}
	b.Write([]byte("three"))
	if got := b.Take(); got != "three" {
		t.Fatalf("second Take = %q", got)
	}
}
