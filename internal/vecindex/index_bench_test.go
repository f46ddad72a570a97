package vecindex_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/supportd/supportd/internal/vecindex"
)

// BenchmarkSearch measures one exact top-10 query over random normalised
// vectors, and reports the index's heap bytes per vector.
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/vecindex/
func BenchmarkSearch(b *testing.B) {
	for _, dim := range []int{384, 768} {
		for _, n := range []int{100, 10_000, 100_000} {
			b.Run(fmt.Sprintf("dim=%d/n=%d", dim, n), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(uint64(dim), uint64(n)))
				items := randomItems(rng, n, dim)
				ix, bytes := buildMeasured(b, items)
				items = nil
				q := randomItems(rng, 1, dim)[0].Vector
				for b.Loop() { // b.Loop excludes the setup above from the timing
					if _, err := ix.Search(q, 10); err != nil {
						b.Fatal(err)
					}
				}
				// Reported after the loop: ResetTimer would delete it.
				b.ReportMetric(float64(bytes)/float64(n), "B/vector")
			})
		}
	}
}

// buildMeasured builds the index and returns the heap bytes it holds.
func buildMeasured(b *testing.B, items []vecindex.Item) (*vecindex.Index, int64) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix, err := vecindex.New(items)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(items) // else freed during the measurement, hiding the index's own size
	return ix, int64(after.HeapAlloc) - int64(before.HeapAlloc)
}
