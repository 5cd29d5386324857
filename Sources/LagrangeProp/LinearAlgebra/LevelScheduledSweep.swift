/// One triangular sweep of a sparse factor — the entries left of the diagonal
/// in increasing row order, or right of it in decreasing order — with its rows
/// stored level by level (level scheduling, Saad §11.6), so that each level's
/// rows run on all cores.
///
/// A row's level is one more than the highest level among the rows it reads,
/// so the rows of one level read only final values and can run in any order.
/// Each row still subtracts its terms in its own order: the sweep gives the
/// same bits as the sequential one. The rows are stored in level order, each
/// with its entries next to it: the sweep streams the schedule's arrays once,
/// as the sequential sweep streams the factor's (a level's rows read from the
/// factor's own arrays would each be a cache miss of their own).
///
/// The schedule depends on the pattern only (`SparsePattern` keeps one per
/// sweep); the values are gathered into its order once per factorization.
struct LevelScheduledSweep: Sendable {
  /// The rows, level by level (the sweep's `EliminationLevels`).
  let levels: EliminationLevels
  /// Position `p`'s entries are `columns[entryStart[p]..<entryStart[p + 1]]`.
  let entryStart: [Int]
  /// The entries' columns, in schedule order (each row's in its source order).
  let columns: [Int32]
  /// The source arrays' row offsets and diagonal positions (the pattern's own
  /// arrays, shared, not copied) and the triangle swept: where each position's
  /// entries start there (see `sourceStart(_:)`).
  private let lineStart: [Int]
  private let diagonal: [Int]
  private let triangle: Triangle

  /// The number of levels (the longest chain of dependent rows).
  var levelCount: Int { levels.levelCount }

  /// The schedule of the sweep over the strict `triangle` of rows
  /// `start`/`columns` (columns increasing within a row) of a pattern, each
  /// row's diagonal entry at `diagonal[i]`, in the order of `levels` (that
  /// sweep's `EliminationLevels`).
  ///
  /// - Complexity: O(n + nonzeros).
  init(
    levels: EliminationLevels, start: [Int], columns source: [Int32], diagonal: [Int],
    triangle: Triangle
  ) {
    let n = levels.rows.count
    var entryStart = [Int](repeating: 0, count: n + 1)
    var scheduled: [Int32] = []
    // Row i's entries of the sweep in the source arrays: `first(i)..<end(i)`.
    func first(_ i: Int) -> Int { triangle == .lower ? start[i] : diagonal[i] + 1 }
    func end(_ i: Int) -> Int { triangle == .lower ? diagonal[i] : start[i + 1] }
    levels.rows.withUnsafeBufferPointer { rows in
      source.withUnsafeBufferPointer { source in
        entryStart.withUnsafeMutableBufferPointer { entryStart in
          for p in 0..<n {
            let i = Int(rows[p])
            entryStart[p + 1] = entryStart[p] + end(i) - first(i)
          }
          scheduled = [Int32](unsafeUninitializedCapacity: entryStart[n]) {
            columns, initialized in
            for p in 0..<n {
              let shift = first(Int(rows[p])) - entryStart[p]
              for k in entryStart[p]..<entryStart[p + 1] { columns[k] = source[k + shift] }
            }
            initialized = entryStart[n]
          }
        }
      }
    }
    self.levels = levels
    self.entryStart = entryStart
    columns = scheduled
    lineStart = start
    self.diagonal = diagonal
    self.triangle = triangle
  }

  /// The sweep's values, gathered from `source` (the factor's values in the
  /// arrays the schedule was built from, or — with `position` — the entry at
  /// `position[e]` of `source` for entry `e` of those arrays) into schedule order.
  ///
  /// - Complexity: O(entries), on all cores when large.
  func gather(_ source: [Double], through position: [Int]? = nil) -> [Double] {
    let count = columns.count
    let n = levels.rows.count
    return hugePageArray(count: count) { (values: UnsafeMutableBufferPointer<Double>) in
      source.withUnsafeBufferPointer { source in
        (position ?? []).withUnsafeBufferPointer { position in
          entryStart.withUnsafeBufferPointer { entryStart in
            levels.rows.withUnsafeBufferPointer { rows in
              ParallelBlocks.forEach(
                count: n, blockLength: Self.blockLength,
                parallel: ParallelBlocks.isParallel(work: count)
              ) { _, positions in
                for p in positions {
                  let shift = sourceStart(Int(rows[p])) - entryStart[p]
                  if position.isEmpty {
                    for k in entryStart[p]..<entryStart[p + 1] { values[k] = source[k + shift] }
                  } else {
                    for k in entryStart[p]..<entryStart[p + 1] {
                      values[k] = source[position[k + shift]]
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Where row `i`'s entries of the sweep start in the source arrays.
  @inline(__always)
  private func sourceStart(_ i: Int) -> Int {
    triangle == .lower ? lineStart[i] : diagonal[i] + 1
  }

  /// Each position's pivot, `source[diagonal[row]]`, for a sweep that divides.
  ///
  /// - Complexity: O(n).
  func gatherPivots(_ source: [Double], diagonal: [Int]) -> [Double] {
    levels.rows.map { source[diagonal[Int($0)]] }
  }

  /// `v_i ← (v_i − Σ_k values_k·v_{columns_k})` for every row, level by level,
  /// divided by the row's pivot when `pivots` is given.
  ///
  /// - Complexity: O(n + entries), each level's rows on all cores when it has
  ///   enough of them; one dispatch per level.
  func run(
    _ v: UnsafeMutablePointer<Double>, values: [Double], pivots: [Double]?
  ) {
    levels.rows.withUnsafeBufferPointer { rows in
      entryStart.withUnsafeBufferPointer { entryStart in
        columns.withUnsafeBufferPointer { columns in
          values.withUnsafeBufferPointer { values in
            (pivots ?? []).withUnsafeBufferPointer { pivots in
              let divides = !pivots.isEmpty
              for l in 0..<levelCount {
                let first = levels.levelStart[l]
                let count = levels.levelStart[l + 1] - first
                ParallelBlocks.forEach(
                  count: count, blockLength: Self.blockLength,
                  parallel: count >= 2 * Self.blockLength
                ) { _, slice in
                  for p in (first + slice.lowerBound)..<(first + slice.upperBound) {
                    let i = Int(rows[p])
                    var s = v[i]
                    for k in entryStart[p]..<entryStart[p + 1] {
                      s -= values[k] * v[Int(columns[k])]
                    }
                    v[i] = divides ? s / pivots[p] : s
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Rows per parallel block: enough that a dispatch (a few microseconds) is
  /// small next to the block's random reads.
  static let blockLength = 1024

  /// Whether level scheduling pays for a sweep over `n` rows in `levelCount`
  /// levels: at least `minimumRowsPerLevel` rows per level on average (a
  /// banded or grid pattern has about as many levels as rows, or as grid
  /// lines, and stays sequential).
  static func pays(order n: Int, levelCount: Int) -> Bool {
    levelCount * minimumRowsPerLevel <= n
  }

  /// See `pays(order:levelCount:)`.
  static let minimumRowsPerLevel = blockLength
}
