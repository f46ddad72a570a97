package vecindex_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/supportd/supportd/internal/vecindex"
)

// randomItems returns n random L2-normalised vectors of dim dimensions.
func randomItems(rng *rand.Rand, n, dim int) []vecindex.Item {
	items := make([]vecindex.Item, n)
	for i := range items {
		v := make([]float32, dim)
		var norm float64
		for j := range v {
			v[j] = float32(rng.NormFloat64())
			norm += float64(v[j]) * float64(v[j])
		}
		for j := range v {
			v[j] = float32(float64(v[j]) / math.Sqrt(norm))
		}
		items[i] = vecindex.Item{ID: int64(i + 1), ArticleID: "a" + string(rune('A'+i%26)), Vector: v}
	}
	return items
}

func mustNew(t testing.TB, items []vecindex.Item) *vecindex.Index {
	t.Helper()
	ix, err := vecindex.New(items)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ix
}

// bruteForce ranks every item by sorting, the reference Search must match.
func bruteForce(items []vecindex.Item, q []float32, k int) []vecindex.Hit {
	hits := make([]vecindex.Hit, len(items))
	for i, it := range items {
		var s float32
		for j := range q {
			s += q[j] * it.Vector[j]
		}
		hits[i] = vecindex.Hit{ID: it.ID, ArticleID: it.ArticleID, Score: s}
	}
	slices.SortFunc(hits, func(a, b vecindex.Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return int(a.ID - b.ID)
	})
	return hits[:min(k, len(hits))]
}

func TestSearchMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	items := randomItems(rng, 2000, 51) // 51: not a multiple of dot's unrolling
	ix := mustNew(t, items)
	for _, k := range []int{1, 10, 100, 2000} {
		for range 5 {
			q := randomItems(rng, 1, 51)[0].Vector
			got, err := ix.Search(q, k)
			if err != nil {
				t.Fatal(err)
			}
			assertSameHits(t, items, q, got, bruteForce(items, q, k))
		}
	}
}

// assertSameHits checks got against the reference ranking allowing for
// rounding (Search sums in a different order): the i-th scores agree, each
// hit's score is its item's, hits are distinct and best first.
func assertSameHits(t *testing.T, items []vecindex.Item, q []float32, got, want []vecindex.Hit) {
	t.Helper()
	const eps = 1e-5
	if len(got) != len(want) {
		t.Fatalf("got %d hits, want %d", len(got), len(want))
	}
	ref := make(map[int64]float32, len(items))
	for _, h := range bruteForce(items, q, len(items)) {
		ref[h.ID] = h.Score
	}
	seen := make(map[int64]bool, len(got))
	for i, g := range got {
		if seen[g.ID] {
			t.Fatalf("hit %d: id %d returned twice", i, g.ID)
		}
		seen[g.ID] = true
		if math.Abs(float64(g.Score-want[i].Score)) > eps || math.Abs(float64(g.Score-ref[g.ID])) > eps {
			t.Fatalf("hit %d = %+v, want score %v (item's own %v)", i, g, want[i].Score, ref[g.ID])
		}
		if i > 0 && g.Score > got[i-1].Score {
			t.Fatalf("hit %d scores above hit %d", i, i-1)
		}
	}
}

func TestSearchKLargerThanIndex(t *testing.T) {
	items := randomItems(rand.New(rand.NewPCG(3, 4)), 5, 8)
	got, err := mustNew(t, items).Search(items[0].Vector, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d hits, want all 5", len(got))
	}
	if got[0].ID != items[0].ID {
		t.Errorf("best hit %d, want the query's own item %d", got[0].ID, items[0].ID)
	}
}

func TestSearchNothingToReturn(t *testing.T) {
	empty := mustNew(t, nil)
	if hits, err := empty.Search([]float32{1, 0}, 10); err != nil || len(hits) != 0 {
		t.Errorf("empty index: %v, %v; want no hits, no error", hits, err)
	}
	if empty.Len() != 0 || empty.Dim() != 0 {
		t.Errorf("empty index: Len %d Dim %d", empty.Len(), empty.Dim())
	}
	ix := mustNew(t, randomItems(rand.New(rand.NewPCG(5, 6)), 3, 4))
	for _, k := range []int{0, -1} {
		if hits, err := ix.Search([]float32{1, 0, 0, 0}, k); err != nil || len(hits) != 0 {
			t.Errorf("k=%d: %v, %v; want no hits, no error", k, hits, err)
		}
	}
}

func TestSearchDimensionMismatch(t *testing.T) {
	ix := mustNew(t, randomItems(rand.New(rand.NewPCG(7, 8)), 3, 4))
	hits, err := ix.Search([]float32{1, 0, 0}, 2)
	if !errors.Is(err, vecindex.ErrDimension) || hits != nil {
		t.Errorf("got %v, %v; want nil, ErrDimension", hits, err)
	}
}

func TestSearchTiesByID(t *testing.T) {
	same := []float32{0.6, 0.8}
	ix := mustNew(t, []vecindex.Item{
		{ID: 30, ArticleID: "c", Vector: same},
		{ID: 10, ArticleID: "a", Vector: same},
		{ID: 40, ArticleID: "d", Vector: []float32{1, 0}},
		{ID: 20, ArticleID: "b", Vector: same},
	})
	got, err := ix.Search([]float32{0.6, 0.8}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []vecindex.Hit{{ID: 10, ArticleID: "a", Score: 1}, {ID: 20, ArticleID: "b", Score: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name  string
		items []vecindex.Item
	}{
		{"mixed dimensions", []vecindex.Item{{ID: 1, Vector: []float32{1, 0}}, {ID: 2, Vector: []float32{1}}}},
		{"empty vector", []vecindex.Item{{ID: 1}}},
		{"NaN", []vecindex.Item{{ID: 1, Vector: []float32{float32(math.NaN())}}}},
		{"Inf", []vecindex.Item{{ID: 1, Vector: []float32{float32(math.Inf(1))}}}},
		{"duplicate id", []vecindex.Item{{ID: 1, Vector: []float32{1}}, {ID: 1, Vector: []float32{0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := vecindex.New(tt.items); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}

func TestNewCopiesVectors(t *testing.T) {
	v := []float32{1, 0}
	ix := mustNew(t, []vecindex.Item{{ID: 1, Vector: v}})
	v[0] = -1
	hits, _ := ix.Search([]float32{1, 0}, 1)
	if hits[0].Score != 1 {
		t.Errorf("score %v after the caller changed its slice; the index must own a copy", hits[0].Score)
	}
}

func TestConcurrentSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	items := randomItems(rng, 500, 16)
	ix := mustNew(t, items)
	queries := randomItems(rng, 8, 16)
	var wg sync.WaitGroup
	for _, q := range queries {
		want, err := ix.Search(q.Vector, 5)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for range 20 {
				got, err := ix.Search(q.Vector, 5)
				if err != nil || !slices.Equal(got, want) {
					t.Errorf("concurrent search: %v, %v; want %v", got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
