/// The rows of a sparse pattern grouped by level for one triangular sweep
/// (level scheduling, Saad §11.6): a row's level is one more than the highest
/// level among the rows it reads — its entries strictly inside `triangle`,
/// earlier rows for `.lower` (forward substitution), later ones for `.upper`
/// (back substitution) — so the rows of one level depend only on lower levels
/// and can run in any order, on all cores. ILU(0)'s factorization runs level by
/// level (the `.lower` levels), and so do its sweeps (`LevelScheduledSweep`).
///
/// A random sparse pattern has few levels (29 for a random Markov chain of 10⁶
/// states with 8 transitions each, in natural order), a banded one as many as rows.
struct EliminationLevels: Sendable {
  /// The rows, level by level, increasing within a level.
  let rows: [Int32]
  /// Level `l` is `rows[levelStart[l]..<levelStart[l + 1]]`.
  let levelStart: [Int]

  /// The number of levels (the longest chain of dependent rows).
  var levelCount: Int { levelStart.count - 1 }

  /// The levels of the rows `start`/`columns` (columns increasing within a
  /// row) of an `n × n` pattern, for the sweep over the strict `triangle`.
  ///
  /// - Complexity: O(n + nonzeros).
  init(order n: Int, start: [Int], columns: [Int32], triangle: Triangle = .lower) {
    var level = [Int32](repeating: 0, count: n)
    var levels = n > 0 ? 1 : 0
    start.withUnsafeBufferPointer { start in
      columns.withUnsafeBufferPointer { columns in
        level.withUnsafeMutableBufferPointer { level in
          func visit(_ i: Int) {
            var l: Int32 = 0
            switch triangle {
            case .lower:
              for k in start[i]..<start[i + 1] {
                let c = Int(columns[k])
                if c >= i { break }
                l = max(l, level[c] &+ 1)
              }
            case .upper:
              var k = start[i + 1] - 1
              while k >= start[i] {
                let c = Int(columns[k])
                if c <= i { break }
                l = max(l, level[c] &+ 1)
                k -= 1
              }
            }
            level[i] = l
            levels = max(levels, Int(l) + 1)
          }
          switch triangle {
          case .lower: for i in 0..<n { visit(i) }
          case .upper: for i in stride(from: n - 1, through: 0, by: -1) { visit(i) }
          }
        }
      }
    }
    var offsets = [Int](repeating: 0, count: levels + 1)
    for l in level { offsets[Int(l) + 1] += 1 }
    for l in 0..<levels { offsets[l + 1] += offsets[l] }
    var next = offsets
    var sorted = [Int32](repeating: 0, count: n)
    for i in 0..<n {
      let l = Int(level[i])
      sorted[next[l]] = Int32(truncatingIfNeeded: i)
      next[l] += 1
    }
    rows = sorted
    levelStart = offsets
  }
}
