/// A reverse Cuthill–McKee ordering of a square sparsity pattern (of `A + Aᵀ`)
/// and the bandwidth and envelope it achieves.
///
/// Cuthill–McKee numbers the vertices breadth-first from a pseudo-peripheral
/// vertex (George–Liu: repeated breadth-first searches from a vertex of least
/// degree in the last level), neighbours in increasing degree; reversing it
/// keeps the bandwidth and usually shrinks the envelope. A grid gets a band
/// about its width; a random sparse graph (an expander) gets a band of order
/// `n`, whatever the order: its envelope bounds the fill of any band or profile
/// LU, and flags catastrophic fill in O(nonzeros) before any factorization.
struct ReverseCuthillMcKee {
  /// `permutation[k]` is the original index placed at position `k`.
  let permutation: [Int]
  /// `position[i]` is the new position of original index `i`.
  let position: [Int]
  /// `max |position(i) − position(j)|` over the pattern's off-diagonal entries.
  let bandwidth: Int
  /// `Σ_i (position(i) − min over i's neighbours of position)`: the entries a
  /// profile (skyline) factor of `A + Aᵀ` stores below the diagonal.
  let envelope: Int

  /// Orders the pattern given in compressed columns (`columnStart`, `rowIndices`
  /// over `order` rows and columns; the transpose is added, the diagonal ignored).
  ///
  /// - Complexity: O(order + nonzeros · log(maximum degree)).
  init(order n: Int, columnStart: [Int], rowIndices: [Int]) {
    // Symmetric adjacency of A + Aᵀ, without duplicates or the diagonal.
    var degree = [Int](repeating: 0, count: n + 1)
    for j in 0..<n {
      for k in columnStart[j]..<columnStart[j + 1] where rowIndices[k] != j {
        degree[j] += 1
        degree[rowIndices[k]] += 1
      }
    }
    var start = [Int](repeating: 0, count: n + 1)
    for i in 0..<n { start[i + 1] = start[i] + degree[i] }
    var fill = start
    var neighbours = [Int](repeating: 0, count: start[n])
    for j in 0..<n {
      for k in columnStart[j]..<columnStart[j + 1] where rowIndices[k] != j {
        let i = rowIndices[k]
        neighbours[fill[j]] = i
        fill[j] += 1
        neighbours[fill[i]] = j
        fill[i] += 1
      }
    }
    // Deduplicate each list (in place, compacting), recomputing degrees.
    var mark = [Int](repeating: -1, count: n)
    var compactStart = [Int](repeating: 0, count: n + 1)
    var write = 0
    for i in 0..<n {
      compactStart[i] = write
      for k in start[i]..<start[i + 1] {
        let v = neighbours[k]
        if mark[v] != i {
          mark[v] = i
          neighbours[write] = v
          write += 1
        }
      }
    }
    compactStart[n] = write
    for i in 0..<n { degree[i] = compactStart[i + 1] - compactStart[i] }

    var order: [Int] = []
    order.reserveCapacity(n)
    var visited = [Bool](repeating: false, count: n)
    var level = [Int](repeating: -1, count: n)
    var queue: [Int] = []
    queue.reserveCapacity(n)

    /// Breadth-first levels from `root` within its unvisited component; returns
    /// the vertices reached in order and the last level's least-degree vertex.
    func levels(from root: Int) -> (reached: [Int], depth: Int, candidate: Int) {
      var reached = [root]
      level[root] = 0
      var head = 0
      var depth = 0
      while head < reached.count {
        let v = reached[head]
        head += 1
        for k in compactStart[v]..<compactStart[v + 1] {
          let w = neighbours[k]
          if !visited[w] && level[w] < 0 {
            level[w] = level[v] + 1
            depth = max(depth, level[w])
            reached.append(w)
          }
        }
      }
      var candidate = root
      for v in reached where level[v] == depth {
        if level[candidate] != depth || degree[v] < degree[candidate] { candidate = v }
      }
      for v in reached { level[v] = -1 }
      return (reached, depth, candidate)
    }

    for seed in (0..<n).sorted(by: { degree[$0] < degree[$1] }) where !visited[seed] {
      // Pseudo-peripheral root: at most a few sweeps while the depth grows.
      var root = seed
      var (_, depth, candidate) = levels(from: root)
      for _ in 0..<4 {
        let next = levels(from: candidate)
        if next.depth <= depth { break }
        root = candidate
        depth = next.depth
        candidate = next.candidate
      }
      // Cuthill–McKee from the root, neighbours by increasing degree.
      queue.removeAll(keepingCapacity: true)
      queue.append(root)
      visited[root] = true
      var head = 0
      var batch: [Int] = []
      while head < queue.count {
        let v = queue[head]
        head += 1
        batch.removeAll(keepingCapacity: true)
        for k in compactStart[v]..<compactStart[v + 1] where !visited[neighbours[k]] {
          visited[neighbours[k]] = true
          batch.append(neighbours[k])
        }
        batch.sort { degree[$0] < degree[$1] }
        queue.append(contentsOf: batch)
      }
      order.append(contentsOf: queue)
    }
    order.reverse()
    var position = [Int](repeating: 0, count: n)
    for (k, v) in order.enumerated() { position[v] = k }
    var bandwidth = 0
    var envelope = 0
    for v in 0..<n {
      var first = position[v]
      for k in compactStart[v]..<compactStart[v + 1] {
        let p = position[neighbours[k]]
        bandwidth = max(bandwidth, abs(p - position[v]))
        first = min(first, p)
      }
      envelope += position[v] - first
    }
    self.permutation = order
    self.position = position
    self.bandwidth = bandwidth
    self.envelope = envelope
  }
}

/// The widest level of breadth-first searches over a pattern's columns (the
/// edges `j → i` for the entries `a_ij`), restarted from every unvisited vertex:
/// a screen for catastrophic fill in O(order + nonzeros), without building
/// `A + Aᵀ`. Any elimination order of a connected graph whose breadth-first
/// levels are `W` wide has frontal matrices (and band, and profile) of order
/// `W` somewhere: a grid of width `m` has `W ≈ m` (2-D) or `m²` (3-D), a random
/// sparse graph `W` of order `n` (its levels number about `log n`).
///
/// - Complexity: O(order + nonzeros).
func maximumBreadthFirstLevelWidth(order n: Int, columnStart: [Int], rowIndices: [Int]) -> Int {
  var visited = [Bool](repeating: false, count: n)
  var queue = [Int](repeating: 0, count: n)
  var widest = 0
  var tail = 0
  for root in 0..<n where !visited[root] {
    visited[root] = true
    queue[tail] = root
    var levelStart = tail
    tail += 1
    while levelStart < tail {
      let levelEnd = tail
      widest = max(widest, levelEnd - levelStart)
      for h in levelStart..<levelEnd {
        let v = queue[h]
        for k in columnStart[v]..<columnStart[v + 1] where !visited[rowIndices[k]] {
          visited[rowIndices[k]] = true
          queue[tail] = rowIndices[k]
          tail += 1
        }
      }
      levelStart = levelEnd
    }
  }
  return widest
}
