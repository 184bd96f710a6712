package main

import (
	"fmt"
	"slices"
	"time"
)

// summary is a latency distribution.
type summary struct {
	N    int           `json:"n"`
	Mean time.Duration `json:"mean"`
	P50  time.Duration `json:"p50"`
	P90  time.Duration `json:"p90"`
	P95  time.Duration `json:"p95"`
	P99  time.Duration `json:"p99"`
	Max  time.Duration `json:"max"`
}

func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	at := func(p int) time.Duration { return s[(len(s)-1)*p/100] }
	return summary{N: len(s), Mean: sum / time.Duration(len(s)), P50: at(50), P90: at(90), P95: at(95), P99: at(99), Max: s[len(s)-1]}
}

func (s summary) String() string {
	if s.N == 0 {
		return "n=0"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s  (n=%d)", ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), s.N)
}

// ms prints a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// mib prints bytes in MiB.
func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

// kib prints bytes in KiB.
func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/(1<<10)) }
