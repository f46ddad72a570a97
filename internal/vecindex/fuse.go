package vecindex

import (
	"slices"
)

// RRFK is the constant k of reciprocal rank fusion: an item at rank r
// (1-based) in a list scores 1/(RRFK+r). 60 is the value of Cormack, Clarke
// and Büttcher (SIGIR 2009), who found it robust across collections; it damps
// the difference between the first few ranks, so one list's top hit cannot
// outweigh agreement between lists.
const RRFK = 60

// Fused is an ID with its fused score.
type Fused struct {
	ID    string
	Score float64
}

// Fuse merges ranked lists of IDs (each best first) by reciprocal rank fusion
// and returns every ID once, best first. An ID repeated within one list
// counts at its first (best) rank only. Equal scores keep the order in which
// the IDs were first met, reading the lists in the order given, each from
// best to worst: pass the list you trust most first.
func Fuse(lists ...[]string) []Fused {
	ranks := make(map[string][]int)
	var order []string // IDs in first-met order
	for _, list := range lists {
		seen := make(map[string]struct{}, len(list))
		for i, id := range list {
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = struct{}{}
			if _, known := ranks[id]; !known {
				order = append(order, id)
			}
			ranks[id] = append(ranks[id], i+1)
		}
	}
	out := make([]Fused, len(order))
	for i, id := range order {
		out[i] = Fused{ID: id, Score: rrfScore(ranks[id])}
	}
	slices.SortStableFunc(out, func(a, b Fused) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return out
}

// rrfScore sums 1/(RRFK+r) adding the ranks in ascending order, so IDs with
// the same ranks in different lists get bit-identical scores and tie exactly
// (floating-point addition is not associative).
func rrfScore(ranks []int) float64 {
	slices.Sort(ranks)
	var s float64
	for _, r := range ranks {
		s += 1 / float64(RRFK+r)
	}
	return s
}
