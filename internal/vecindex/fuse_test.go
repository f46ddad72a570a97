package vecindex_test

import (
	"math"
	"slices"
	"testing"

	"github.com/supportd/supportd/internal/vecindex"
)

func TestFuseKnownExample(t *testing.T) {
	lexical := []string{"a", "b", "c"}
	semantic := []string{"c", "a", "d"}
	got := vecindex.Fuse(lexical, semantic)
	want := []vecindex.Fused{
		{"a", 1.0/61 + 1.0/62},
		{"c", 1.0/61 + 1.0/63},
		{"b", 1.0 / 62},
		{"d", 1.0 / 63},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].ID != want[i].ID || math.Abs(got[i].Score-want[i].Score) > 1e-15 {
			t.Errorf("[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestFuseTiesKeepFirstMetOrder(t *testing.T) {
	// x and y have the same ranks (1, 2 and 3) in different lists: exact ties.
	got := ids(vecindex.Fuse([]string{"x", "y", "z"}, []string{"y", "z", "x"}, []string{"z", "x", "y"}))
	if want := []string{"x", "y", "z"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	got = ids(vecindex.Fuse([]string{"q", "p"}, []string{"p", "q"}))
	if want := []string{"q", "p"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v (the first list breaks ties)", got, want)
	}
}

func TestFuseDuplicateWithinListCountsOnce(t *testing.T) {
	got := vecindex.Fuse([]string{"a", "a", "b"})
	if len(got) != 2 || got[0].Score != 1.0/61 || got[1].Score != 1.0/63 {
		t.Errorf("got %v; want a at rank 1 only and b at its position, rank 3", got)
	}
}

func TestFuseEmpty(t *testing.T) {
	if got := vecindex.Fuse(); len(got) != 0 {
		t.Errorf("no lists: %v", got)
	}
	if got := vecindex.Fuse(nil, []string{}); len(got) != 0 {
		t.Errorf("empty lists: %v", got)
	}
}

func ids(fs []vecindex.Fused) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}
