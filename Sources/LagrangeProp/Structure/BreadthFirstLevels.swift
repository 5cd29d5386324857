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
