/// The compressed-sparse-column pattern of `D` restricted to a contiguous range
/// of program positions (rows and columns): a cyclic block `B` (`D_BB`) or the
/// non-input block (`D_zz`), with the slot every partial adds into.
///
/// Column `j` of `D_BB` is constraint `start + j`'s gradient over the range: its
/// in-range arguments (duplicates merged) and the diagonal, which is always
/// stored (`−1` for an assignment, `∂g/∂z_i` or a structural zero for a residual
/// constraint) so that preconditioners and pivots find it. It depends on the
/// program's structure only, so one pattern serves every Newton iteration.
struct SparseJacobianPattern: Sendable {
  /// The program positions covered (rows and columns, in this order).
  let range: Range<Int>
  /// CSC offsets (`range.count + 1`).
  let columnStart: [Int]
  /// CSC row indices, relative to `range.lowerBound`, ascending per column.
  let rowIndices: [Int]
  /// For each edge `k` of the range's constraints (`k − edgeOffset`), its slot
  /// in `rowIndices`, or `-1` for an argument outside the range.
  let edgeSlots: [Int32]
  /// The first edge of the range's constraints.
  let edgeOffset: Int
  /// The slot of each column's diagonal entry.
  let diagonalSlots: [Int32]

  /// The number of stored entries.
  var nonzeroCount: Int { rowIndices.count }
}

extension Program {
  /// The CSC pattern of `D` over program positions `range` (see `SparseJacobianPattern`).
  ///
  /// - Complexity: O(|range| + edges of its constraints · fan-in) (a small
  ///   insertion sort per column), memory O(edges).
  func sparseJacobianPattern(_ range: Range<Int>) -> SparseJacobianPattern {
    let lower = range.lowerBound
    let edgeOffset = Int(argumentStart[range.lowerBound])
    let edgeEnd = Int(argumentStart[range.upperBound])
    var columnStart = [Int](repeating: 0, count: range.count + 1)
    var rowIndices: [Int] = []
    rowIndices.reserveCapacity(edgeEnd - edgeOffset + range.count)
    var edgeSlots = [Int32](repeating: -1, count: edgeEnd - edgeOffset)
    var diagonalSlots = [Int32](repeating: -1, count: range.count)
    // (row, source) pairs of one column; source −1 is the diagonal.
    var rows: [Int] = []
    var sources: [Int] = []
    for j in 0..<range.count {
      let p = lower + j
      rows.removeAll(keepingCapacity: true)
      sources.removeAll(keepingCapacity: true)
      rows.append(j)
      sources.append(-1)
      for k in argumentRange(p) {
        let q = Int(arguments[k])
        guard range.contains(q) else { continue }
        // Insertion sort: fan-ins are small.
        var at = rows.count
        rows.append(q - lower)
        sources.append(k)
        while at > 0 && rows[at - 1] > rows[at] {
          rows.swapAt(at - 1, at)
          sources.swapAt(at - 1, at)
          at -= 1
        }
      }
      var slot = rowIndices.count - 1
      var previous = -1
      for t in 0..<rows.count {
        if rows[t] != previous {
          rowIndices.append(rows[t])
          slot += 1
          previous = rows[t]
        }
        if sources[t] < 0 {
          diagonalSlots[j] = Int32(truncatingIfNeeded: slot)
        } else {
          edgeSlots[sources[t] - edgeOffset] = Int32(truncatingIfNeeded: slot)
        }
      }
      columnStart[j + 1] = rowIndices.count
    }
    return SparseJacobianPattern(
      range: range, columnStart: columnStart, rowIndices: rowIndices, edgeSlots: edgeSlots,
      edgeOffset: edgeOffset, diagonalSlots: diagonalSlots)
  }

  /// `D` over `pattern.range` at the given partials, straight into CSC storage
  /// (no dense intermediate): `D[a, i] = ∂c_i/∂z_a`, `−1` on the diagonal of assignments.
  ///
  /// - Complexity: O(nonzeros + edges of the range's constraints).
  func assembleSparseJacobian(
    _ pattern: SparseJacobianPattern, partials: UnsafeBufferPointer<Double>
  ) -> SparseMatrix {
    var values: [Double] = hugePageArray(count: pattern.nonzeroCount) {
      $0.initialize(repeating: 0)
    }
    values.withUnsafeMutableBufferPointer { v in
      pattern.edgeSlots.withUnsafeBufferPointer { slots in
        for (j, p) in pattern.range.enumerated() {
          if !isResidual[p] { v[Int(pattern.diagonalSlots[j])] -= 1 }
          for k in argumentRange(p) {
            let slot = Int(slots[k - pattern.edgeOffset])
            if slot >= 0 { v[slot] += partials[k] }
          }
        }
      }
    }
    return SparseMatrix(
      validOrder: pattern.range.count, columnStart: pattern.columnStart,
      rowIndices: pattern.rowIndices, values: values)
  }
}
