package queue

// An ordered set as a treap whose nodes live in an arena shared by all the
// trees of one kind in a Router: nodes are addressed by int32 index (0 is the
// empty tree), freed nodes go to a free list and are reused, so insertions
// and deletions allocate nothing once the arena has grown to the working
// size. Every node knows the size of its subtree, which gives rank
// (Position) and size (Waiting, ReadyCount) in O(log n) and O(1). Priorities
// come from a fixed-seed xorshift generator, so a Router is deterministic.

// ordered is implemented by the keys of a tree: a total order in which no
// two keys of one tree compare equal.
type ordered[K any] interface {
	compare(K) int
}

type node[K any] struct {
	key         K
	left, right int32
	size        int32
	prio        uint32
}

type arena[K ordered[K]] struct {
	nodes []node[K] // nodes[0] is the empty tree: size 0, never written
	free  int32     // head of the free list, linked through left
	rnd   uint64
}

// tree is one ordered set in an arena; min caches its smallest node.
type tree struct {
	root, min int32
}

func newArena[K ordered[K]]() arena[K] {
	return arena[K]{nodes: make([]node[K], 1, 64), rnd: 0x9e3779b97f4a7c15}
}

func (a *arena[K]) alloc(k K) int32 {
	a.rnd ^= a.rnd << 13
	a.rnd ^= a.rnd >> 7
	a.rnd ^= a.rnd << 17
	n := node[K]{key: k, size: 1, prio: uint32(a.rnd >> 32)}
	if i := a.free; i != 0 {
		a.free = a.nodes[i].left
		a.nodes[i] = n
		return i
	}
	a.nodes = append(a.nodes, n)
	return int32(len(a.nodes) - 1)
}

func (a *arena[K]) release(i int32) {
	a.nodes[i] = node[K]{left: a.free} // the zero key drops strings and pointers
	a.free = i
}

func (a *arena[K]) fix(i int32) {
	n := &a.nodes[i]
	n.size = 1 + a.nodes[n.left].size + a.nodes[n.right].size
}

func (a *arena[K]) size(t *tree) int { return int(a.nodes[t.root].size) }

// insert adds k, which must not be in t already.
func (a *arena[K]) insert(t *tree, k K) {
	i := a.alloc(k)
	t.root = a.ins(t.root, i)
	if t.min == 0 || k.compare(a.nodes[t.min].key) < 0 {
		t.min = i
	}
}

func (a *arena[K]) ins(n, x int32) int32 {
	if n == 0 {
		return x
	}
	if a.nodes[x].prio > a.nodes[n].prio {
		l, r := a.split(n, a.nodes[x].key)
		a.nodes[x].left, a.nodes[x].right = l, r
		a.fix(x)
		return x
	}
	if a.nodes[x].key.compare(a.nodes[n].key) < 0 {
		a.nodes[n].left = a.ins(a.nodes[n].left, x)
	} else {
		a.nodes[n].right = a.ins(a.nodes[n].right, x)
	}
	a.fix(n)
	return n
}

// split divides the tree at n into the keys below k and the others.
func (a *arena[K]) split(n int32, k K) (int32, int32) {
	if n == 0 {
		return 0, 0
	}
	if a.nodes[n].key.compare(k) < 0 {
		l, r := a.split(a.nodes[n].right, k)
		a.nodes[n].right = l
		a.fix(n)
		return n, r
	}
	l, r := a.split(a.nodes[n].left, k)
	a.nodes[n].left = r
	a.fix(n)
	return l, n
}

// merge joins two trees whose keys are all below, then all above, each other.
func (a *arena[K]) merge(l, r int32) int32 {
	switch {
	case l == 0:
		return r
	case r == 0:
		return l
	case a.nodes[l].prio > a.nodes[r].prio:
		a.nodes[l].right = a.merge(a.nodes[l].right, r)
		a.fix(l)
		return l
	default:
		a.nodes[r].left = a.merge(l, a.nodes[r].left)
		a.fix(r)
		return r
	}
}

// delete removes k; it reports whether k was in t.
func (a *arena[K]) delete(t *tree, k K) bool {
	var gone int32
	t.root = a.del(t.root, k, &gone)
	if gone == 0 {
		return false
	}
	if gone == t.min {
		t.min = a.leftmost(t.root)
	}
	a.release(gone)
	return true
}

func (a *arena[K]) del(n int32, k K, gone *int32) int32 {
	if n == 0 {
		return 0
	}
	switch c := k.compare(a.nodes[n].key); {
	case c == 0:
		*gone = n
		return a.merge(a.nodes[n].left, a.nodes[n].right)
	case c < 0:
		a.nodes[n].left = a.del(a.nodes[n].left, k, gone)
	default:
		a.nodes[n].right = a.del(a.nodes[n].right, k, gone)
	}
	a.fix(n)
	return n
}

func (a *arena[K]) leftmost(n int32) int32 {
	if n == 0 {
		return 0
	}
	for a.nodes[n].left != 0 {
		n = a.nodes[n].left
	}
	return n
}

// below returns how many keys of t are smaller than k.
func (a *arena[K]) below(t *tree, k K) int {
	count := 0
	for n := t.root; n != 0; {
		if k.compare(a.nodes[n].key) <= 0 {
			n = a.nodes[n].left
		} else {
			count += int(a.nodes[a.nodes[n].left].size) + 1
			n = a.nodes[n].right
		}
	}
	return count
}

// after returns the node of the smallest key of t greater than k, or 0.
func (a *arena[K]) after(t *tree, k K) int32 {
	found := int32(0)
	for n := t.root; n != 0; {
		if k.compare(a.nodes[n].key) < 0 {
			found = n
			n = a.nodes[n].left
		} else {
			n = a.nodes[n].right
		}
	}
	return found
}

// keys appends the keys of t in order to dst.
func (a *arena[K]) keys(t *tree, dst []K) []K {
	var walk func(n int32)
	walk = func(n int32) {
		if n == 0 {
			return
		}
		walk(a.nodes[n].left)
		dst = append(dst, a.nodes[n].key)
		walk(a.nodes[n].right)
	}
	walk(t.root)
	return dst
}

// clear frees every node of t and leaves it empty.
func (a *arena[K]) clear(t *tree) {
	var free func(n int32)
	free = func(n int32) {
		if n == 0 {
			return
		}
		l, r := a.nodes[n].left, a.nodes[n].right
		a.release(n)
		free(l)
		free(r)
	}
	free(t.root)
	*t = tree{}
}
