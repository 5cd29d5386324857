/// The equilibrated operator GMRES iterates with: `R·A` for `A·x = b` and
/// `C·Aᵀ` for `Aᵀ·x = b` (`R`, `C` the row and column equilibrations of the
/// CSC matrix `A`), stored so that both products are gather loops.
///
/// `R·A` is kept by rows (a CSR copy with the scaling folded into its values),
/// `Aᵀ` by the columns of `A` with `C` applied to each output; indices are
/// 32-bit. Each output entry is one dot product computed by one thread in a
/// fixed order, so the products are bit-identical serial or parallel; blocks
/// of rows run on all cores for large matrices.
///
/// - Complexity: building O(n + nonzeros); memory `12·nonzeros + 8·n` bytes for
///   the row copy and `4·nonzeros` for the 32-bit row indices of `A`.
struct KrylovOperator: Sendable {
  let order: Int
  /// `R·A` by rows: row `i` is `rowColumns/rowValues[rowStart[i]..<rowStart[i + 1]]`.
  let rowStart: [Int]
  let rowColumns: [Int32]
  let rowValues: [Double]
  /// `A` by columns (the CSC matrix's offsets and values), row indices as `Int32`.
  let columnStart: [Int]
  let columnRows: [Int32]
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
    order = matrix.order
    rowStart = pattern.rowStart
    rowColumns = pattern.rowColumns
    var scaled = pattern.rowWise(matrix.values)
    scaled.withUnsafeMutableBufferPointer { values in
      pattern.rowStart.withUnsafeBufferPointer { start in
        rowScale.withUnsafeBufferPointer { scale in
          for i in 0..<matrix.order {
            for r in start[i]..<start[i + 1] { values[r] *= scale[i] }
          }
        }
      }
    }
    rowValues = scaled
    columnStart = pattern.columnStart
    columnRows = pattern.columnRows
    columnValues = matrix.values
    self.columnScale = columnScale
  }

  /// `y = R·A·x`, or `y = C·Aᵀ·x` when `transpose`.
  ///
  /// - Complexity: O(n + nonzeros), on all cores for large matrices.
  func apply(
    _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, transpose: Bool
  ) {
    let parallel = ParallelBlocks.isParallel(work: rowValues.count)
    let (start, indices, values) =
      transpose ? (columnStart, columnRows, columnValues) : (rowStart, rowColumns, rowValues)
    start.withUnsafeBufferPointer { start in
      indices.withUnsafeBufferPointer { indices in
        values.withUnsafeBufferPointer { values in
          columnScale.withUnsafeBufferPointer { scale in
            ParallelBlocks.forEach(count: order, blockLength: Self.blockLength, parallel: parallel)
            {
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
