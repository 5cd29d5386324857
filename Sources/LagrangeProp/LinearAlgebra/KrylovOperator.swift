/// The equilibrated operator GMRES iterates with: `B = R·A·C` for `A·x = b`
/// and `Bᵀ = C·Aᵀ·R` for `Aᵀ·x = b` (`R`, `C` the row and column scalings of
/// the CSC matrix `A`), stored so that both products are gather loops.
///
/// `B` is kept by rows (a CSR copy with both scalings folded into its values),
/// `Bᵀ` by the columns of `A` — its values with `R` folded in (a copy, unless
/// `R` is the identity) — with `C` applied to each output; indices are 32-bit. Each output entry is one dot product computed by one thread in a
/// fixed order, so the products are bit-identical serial or parallel; blocks
/// of rows run on all cores for large matrices.
///
/// - Complexity: building O(n + nonzeros); memory `8·nonzeros` bytes for the
///   row-wise values (the pattern and the column-wise values are shared).
struct KrylovOperator: Sendable {
  /// `A`'s pattern in both orientations.
  let pattern: SparsePattern
  /// `R·A·C` by rows, in `pattern.rowStart/rowColumns`'s slots.
  let rowValues: [Double]
  /// `R·A` by columns (the CSC matrix's values when `R = I`), in
  /// `pattern.columnStart/columnRows`'s slots.
  let columnValues: [Double]
  /// `C`: the scale of column `j` of `A`, applied to entry `j` of `C·Aᵀ·x`.
  let columnScale: [Double]

  /// Rows per parallel block.
  static let blockLength = 1 << 14

  /// The operator of `matrix` (whose two orientations are `pattern`) with
  /// row scales `rowScale` and column scales `columnScale`.
  init(
    _ matrix: SparseMatrix, pattern: SparsePattern, rowScale: [Double], columnScale: [Double]
  ) {
    self.pattern = pattern
    var scaled = pattern.rowWise(matrix.values)
    scaled.withUnsafeMutableBufferPointer { values in
      pattern.rowStart.withUnsafeBufferPointer { start in
        pattern.rowColumns.withUnsafeBufferPointer { columns in
          rowScale.withUnsafeBufferPointer { scale in
            columnScale.withUnsafeBufferPointer { columnScale in
              for i in 0..<matrix.order {
                for r in start[i]..<start[i + 1] {
                  values[r] *= scale[i] * columnScale[Int(columns[r])]
                }
              }
            }
          }
        }
      }
    }
    rowValues = scaled
    if rowScale.allSatisfy({ $0 == 1 }) {
      columnValues = matrix.values
    } else {
      var byColumns = matrix.values
      for k in 0..<byColumns.count { byColumns[k] *= rowScale[matrix.rowIndices[k]] }
      columnValues = byColumns
    }
    self.columnScale = columnScale
  }

  /// `y = R·A·C·x`, or `y = C·Aᵀ·R·x` when `transpose`.
  ///
  /// - Complexity: O(n + nonzeros), on all cores for large matrices.
  func apply(
    _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, transpose: Bool
  ) {
    let parallel = ParallelBlocks.isParallel(work: rowValues.count)
    let (start, indices, values) =
      transpose
      ? (pattern.columnStart, pattern.columnRows, columnValues)
      : (pattern.rowStart, pattern.rowColumns, rowValues)
    start.withUnsafeBufferPointer { start in
      indices.withUnsafeBufferPointer { indices in
        values.withUnsafeBufferPointer { values in
          columnScale.withUnsafeBufferPointer { scale in
            ParallelBlocks.forEach(
              count: pattern.order, blockLength: Self.blockLength, parallel: parallel
            ) {
              _, rows in
              for i in rows {
                var sum = 0.0
                for k in start[i]..<start[i + 1] { sum += values[k] * x[Int(indices[k])] }
                y[i] = transpose ? scale[i] * sum : sum
              }
            }
          }
        }
      }
    }
  }
}
