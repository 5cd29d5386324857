import CLAPACKE

/// ILU(0) of a square CSC matrix `A`, computed on `B = Aᵀ`, whose rows are
/// `A`'s columns (IKJ variant, Saad §10.3.2): `B ≈ L·U` with unit lower `L`
/// and upper `U` on `B`'s pattern.
///
/// The factors are kept in both orientations (`SparsePattern`), so that both
/// `M⁻ᵀ = (L·U)⁻¹` and `M⁻¹ = (Uᵀ·Lᵀ)⁻¹` are a forward and a backward sweep of
/// gather loops. In program order ILU(0) eliminates a block's acyclic part
/// exactly, so GMRES works on (an approximation of) the feedback variables'
/// Schur complement.
struct IncompleteLU: Sendable {
  private let pattern: SparsePattern
  private let storage: Storage

  /// The factors, as the sweeps read them.
  private enum Storage: Sendable {
    /// In row order, for sweeps on one core: `L` (strictly below the
    /// diagonal) and `U` by rows of `B` (`A`'s columns), and the same by
    /// columns of `B` (the pattern's row-wise order).
    case rowOrder(factors: [Double], transposedFactors: [Double])
    /// In the order of the pattern's `sweepSchedules` (one array per sweep),
    /// with the pivots of the two sweeps that divide.
    case levelScheduled(ScheduledFactors)
  }

  /// The factors gathered into the order of `IncompleteLUSchedules`' sweeps.
  private struct ScheduledFactors: Sendable {
    let columnLower: [Double]
    let columnUpper: [Double]
    let columnUpperPivots: [Double]
    let rowLower: [Double]
    let rowLowerPivots: [Double]
    let rowUpper: [Double]
  }

  /// The ILU(0) of `matrix`, or `nil` when a diagonal entry is missing or a
  /// pivot is zero or not finite (the caller falls back to Jacobi).
  ///
  /// - Parameters:
  ///   - pattern: `matrix`'s pattern in both orientations.
  /// - Complexity: O(Σ_i Σ_{k < i, b_ik ≠ 0} nnz(row k of U)).
  init?(_ matrix: SparseMatrix, pattern: SparsePattern) {
    let n = matrix.order
    let diagonal = pattern.columnDiagonal
    if diagonal.contains(-1) { return nil }
    var values = hugePageArray(count: matrix.nonzeroCount) {
      (copy: UnsafeMutableBufferPointer<Double>) in
      _ = copy.initialize(from: matrix.values)
    }
    // Row c of U once factored, in one place: the random reads of the inner
    // loop touch one cache line per row instead of three arrays.
    var upperRows = hugePageArray(count: n) { (rows: UnsafeMutableBufferPointer<UpperRow>) in
      rows.initialize(repeating: UpperRow(first: 0, end: 0, pivot: 0))
    }
    let levels = pattern.eliminationLevels
    // Large factorizations run level by level, each level's rows split among
    // the cores (one marker array per lane); every row is eliminated by the
    // same operations in the same order as in the sequential loop.
    let lanes =
      ParallelBlocks.isParallel(work: values.count) && levels.levelCount * 64 < n
      ? min(ParallelBlocks.cores, 4) : 1
    var markers: [Int] = hugePageArray(count: lanes * n) { $0.initialize(repeating: -1) }
    var failed = [Bool](repeating: false, count: lanes)
    pattern.columnStart.withUnsafeBufferPointer { start in
      pattern.columnRows.withUnsafeBufferPointer { columns in
        values.withUnsafeMutableBufferPointer { lu in
          markers.withUnsafeMutableBufferPointer { markers in
            upperRows.withUnsafeMutableBufferPointer { upperRows in
              diagonal.withUnsafeBufferPointer { diagonal in
                failed.withUnsafeMutableBufferPointer { failed in
                  /// Eliminates row i with `marker` (all −1 before and after);
                  /// false at a zero or non-finite pivot.
                  func eliminate(_ i: Int, marker: UnsafeMutablePointer<Int>) -> Bool {
                    for k in start[i]..<start[i + 1] { marker[Int(columns[k])] = k }
                    for k in start[i]..<start[i + 1] {
                      let c = Int(columns[k])
                      if c >= i { break }
                      let row = upperRows[c]
                      let l = lu[k] / row.pivot
                      lu[k] = l
                      for kk in row.first..<row.end {
                        let target = marker[Int(columns[kk])]
                        if target >= 0 { lu[target] -= l * lu[kk] }
                      }
                    }
                    for k in start[i]..<start[i + 1] { marker[Int(columns[k])] = -1 }
                    let pivot = lu[diagonal[i]]
                    if pivot == 0 || !pivot.isFinite { return false }
                    upperRows[i] = UpperRow(first: diagonal[i] + 1, end: start[i + 1], pivot: pivot)
                    return true
                  }
                  /// Prefetches what eliminating row i reads first: the
                  /// descriptions of the rows of U it uses.
                  func prefetchUpperRows(of i: Int) {
                    for k in start[i]..<diagonal[i] {
                      lagrangeprop_prefetch(upperRows.baseAddress! + Int(columns[k]))
                    }
                  }
                  /// Prefetches the entries of those rows, once their
                  /// descriptions (prefetched earlier) are in cache. (In the
                  /// sequential loop, a row two ahead may use a row not factored
                  /// yet: its placeholder description points at the factor's
                  /// start, and a prefetch never changes a value.)
                  func prefetchUpperEntries(of i: Int) {
                    for k in start[i]..<diagonal[i] {
                      let first = upperRows[Int(columns[k])].first
                      lagrangeprop_prefetch(columns.baseAddress! + first)
                      lagrangeprop_prefetch(lu.baseAddress! + first)
                    }
                  }
                  if lanes == 1 {
                    for i in 0..<n {
                      if i + 4 < n { prefetchUpperRows(of: i + 4) }
                      if i + 2 < n { prefetchUpperEntries(of: i + 2) }
                      if !eliminate(i, marker: markers.baseAddress!) {
                        failed[0] = true
                        return
                      }
                    }
                    return
                  }
                  levels.rows.withUnsafeBufferPointer { rows in
                    for l in 0..<levels.levelCount where !failed.contains(true) {
                      let level = levels.levelStart[l]..<levels.levelStart[l + 1]
                      ParallelBlocks.forEach(
                        count: level.count, blockLength: (level.count + lanes - 1) / lanes,
                        parallel: level.count >= 64 * lanes
                      ) { lane, slice in
                        let marker = markers.baseAddress! + lane * n
                        let base = level.lowerBound
                        for r in slice {
                          // Rows of one level read only rows of earlier levels,
                          // which are final: the rows two and four ahead can be
                          // prefetched while this one is eliminated.
                          if r + 4 < slice.upperBound {
                            prefetchUpperRows(of: Int(rows[base + r + 4]))
                          }
                          if r + 2 < slice.upperBound {
                            prefetchUpperEntries(of: Int(rows[base + r + 2]))
                          }
                          if !eliminate(Int(rows[base + r]), marker: marker) {
                            failed[lane] = true
                            return
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
      }
    }
    let ok = !failed.contains(true)
    guard ok else { return nil }
    self.pattern = pattern
    if let schedules = pattern.sweepSchedules {
      // The row-wise sweeps gather through `columnPosition` (no row-wise copy
      // first); a diagonal entry is the same entry both ways, so both dividing
      // sweeps take their pivots from `values` at `diagonal`.
      let position = pattern.columnPosition
      storage = .levelScheduled(
        ScheduledFactors(
          columnLower: schedules.columnLower.gather(values),
          columnUpper: schedules.columnUpper.gather(values),
          columnUpperPivots: schedules.columnUpper.gatherPivots(values, diagonal: diagonal),
          rowLower: schedules.rowLower.gather(values, through: position),
          rowLowerPivots: schedules.rowLower.gatherPivots(values, diagonal: diagonal),
          rowUpper: schedules.rowUpper.gather(values, through: position)))
    } else {
      storage = .rowOrder(factors: values, transposedFactors: pattern.rowWise(values))
    }
  }

  /// Whether the sweeps run level by level (the pattern's `sweepSchedules`).
  var isLevelScheduled: Bool {
    if case .levelScheduled = storage { return true }
    return false
  }

  /// A factored row of `U`: its entries right of the diagonal, and the pivot.
  private struct UpperRow {
    var first: Int
    var end: Int
    var pivot: Double
  }

  /// `v ← (L·U)⁻¹·v` (`transpose`: `B = Aᵀ ≈ L·U`), or `v ← (Uᵀ·Lᵀ)⁻¹·v`.
  ///
  /// - Complexity: O(order + nonzeros): two sweeps.
  func solve(_ v: UnsafeMutableBufferPointer<Double>, transpose: Bool) {
    guard let v = v.baseAddress else { return }
    // Row r of L·U is B's row r; row r of Uᵀ·Lᵀ is B's column r, which the
    // row-wise arrays hold as a row: the same two sweeps on either, dividing
    // by U's diagonal in the first (Uᵀ) or in the second (U).
    let factors: [Double]
    let transposedFactors: [Double]
    switch storage {
    case .levelScheduled(let scheduled):
      let schedules = pattern.sweepSchedules!
      if transpose {
        schedules.columnLower.run(v, values: scheduled.columnLower, pivots: nil)
        schedules.columnUpper.run(
          v, values: scheduled.columnUpper, pivots: scheduled.columnUpperPivots)
      } else {
        schedules.rowLower.run(v, values: scheduled.rowLower, pivots: scheduled.rowLowerPivots)
        schedules.rowUpper.run(v, values: scheduled.rowUpper, pivots: nil)
      }
      return
    case .rowOrder(let f, let tf):
      (factors, transposedFactors) = (f, tf)
    }
    let (start, columns) =
      transpose ? (pattern.columnStart, pattern.columnRows) : (pattern.rowStart, pattern.rowColumns)
    let (lu, diagonal) =
      transpose
      ? (factors, pattern.columnDiagonal) : (transposedFactors, pattern.rowDiagonal)
    let n = pattern.order
    start.withUnsafeBufferPointer { start in
      columns.withUnsafeBufferPointer { columns in
        lu.withUnsafeBufferPointer { lu in
          diagonal.withUnsafeBufferPointer { diagonal in
            func forward(_ i: Int) {
              var s = v[i]
              for k in start[i]..<diagonal[i] { s -= lu[k] * v[Int(columns[k])] }
              v[i] = transpose ? s : s / lu[diagonal[i]]
            }
            func backward(_ i: Int) {
              var s = v[i]
              for k in (diagonal[i] + 1)..<start[i + 1] { s -= lu[k] * v[Int(columns[k])] }
              v[i] = transpose ? s / lu[diagonal[i]] : s
            }
            for i in 0..<n { forward(i) }
            var i = n - 1
            while i >= 0 {
              backward(i)
              i -= 1
            }
          }
        }
      }
    }
  }
}
