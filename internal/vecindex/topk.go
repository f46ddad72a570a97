package vecindex

import "slices"

// candidate is an item being considered for the top k.
type candidate struct {
	score float32
	id    int64
	pos   int // position in the index, to find the article id afterwards
}

// better reports whether a ranks above b: higher score, then lower ID.
func better(a, b candidate) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.id < b.id
}

// topK keeps the k best candidates seen in a min-heap whose root is the worst
// of them, so each new candidate costs one comparison unless it gets in.
// Written out rather than with container/heap to avoid an interface call per
// comparison in the scan's inner loop.
type topK struct {
	k    int
	heap []candidate
}

func newTopK(k int) *topK { return &topK{k: k, heap: make([]candidate, 0, k)} }

func (t *topK) offer(c candidate) {
	if len(t.heap) < t.k {
		t.heap = append(t.heap, c)
		t.up(len(t.heap) - 1)
		return
	}
	if !better(c, t.heap[0]) {
		return
	}
	t.heap[0] = c
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !better(t.heap[parent], t.heap[i]) { // parent is already the worse one
			return
		}
		t.heap[parent], t.heap[i] = t.heap[i], t.heap[parent]
		i = parent
	}
}

func (t *topK) down(i int) {
	n := len(t.heap)
	for {
		worst := i
		for _, child := range [2]int{2*i + 1, 2*i + 2} {
			if child < n && better(t.heap[worst], t.heap[child]) {
				worst = child
			}
		}
		if worst == i {
			return
		}
		t.heap[i], t.heap[worst] = t.heap[worst], t.heap[i]
		i = worst
	}
}

// sorted returns the kept candidates best first.
func (t *topK) sorted() []candidate {
	out := slices.Clone(t.heap)
	slices.SortFunc(out, func(a, b candidate) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return out
}
