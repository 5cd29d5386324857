/// A square sparse matrix in compressed sparse column (CSC) storage: the row
/// indices and values of column `j` are `rowIndices[k]`, `values[k]` for
/// `k ∈ columnStart[j] ..< columnStart[j + 1]`, rows strictly increasing within
/// a column (no duplicates) — the layout UMFPACK reads in place.
///
/// The constraint Jacobian is naturally column-compressed: column `i` of `D` is
/// constraint `i`'s gradient, i.e. its argument list. The engine assembles it
/// straight from the partials (no dense intermediate); the transpose is never
/// formed: products and solves take a `transpose` flag (a CSC array of `A` is
/// the CSR array of `Aᵀ`).
///
/// - Complexity: O(order + nonzeros) memory.
package struct SparseMatrix: Sendable, Equatable {
  /// The order `n` of the `n × n` matrix.
  package let order: Int
  /// `order + 1` offsets into `rowIndices` / `values`, from 0 to `nonzeroCount`.
  package let columnStart: [Int]
  /// The row of each stored entry (ascending within each column).
  package let rowIndices: [Int]
  /// The value of each stored entry.
  package var values: [Double]

  /// The number of stored entries.
  package var nonzeroCount: Int { rowIndices.count }

  /// A matrix from CSC arrays, checked.
  ///
  /// - Complexity: O(order + nonzeros).
  /// - Throws: `LinearAlgebraError.invalidShape` if the offsets do not run from 0
  ///   to the entry count without decreasing, a row index is out of range, or the
  ///   rows of a column are not strictly increasing; `.dimensionMismatch` if
  ///   `values.count ≠ rowIndices.count`.
  package init(order: Int, columnStart: [Int], rowIndices: [Int], values: [Double])
    throws(LinearAlgebraError)
  {
    let operation = "SparseMatrix"
    guard order >= 0, columnStart.count == order + 1 else {
      throw .invalidShape(
        operation: operation, reason: "columnStart needs order + 1 = \(order + 1) offsets")
    }
    guard values.count == rowIndices.count else {
      throw .dimensionMismatch(
        operation: operation, expected: rowIndices.count, actual: values.count)
    }
    guard columnStart[0] == 0, columnStart[order] == rowIndices.count else {
      throw .invalidShape(
        operation: operation, reason: "offsets must run from 0 to \(rowIndices.count)")
    }
    for j in 0..<order {
      let range = columnStart[j]..<columnStart[j + 1]
      guard range.lowerBound <= range.upperBound else {
        throw .invalidShape(operation: operation, reason: "offsets decrease at column \(j)")
      }
      var previous = -1
      for k in range {
        let i = rowIndices[k]
        guard i > previous, i < order else {
          throw .invalidShape(
            operation: operation,
            reason: "column \(j): row \(i) out of range or not strictly increasing")
        }
        previous = i
      }
    }
    self.init(validOrder: order, columnStart: columnStart, rowIndices: rowIndices, values: values)
  }

  /// A matrix from CSC arrays the caller has built valid (the engine's assembly).
  init(validOrder order: Int, columnStart: [Int], rowIndices: [Int], values: [Double]) {
    self.order = order
    self.columnStart = columnStart
    self.rowIndices = rowIndices
    self.values = values
  }

  /// A sparse copy of the non-zeros of a dense square matrix (tests, benchmarks).
  ///
  /// - Complexity: O(n²).
  /// - Throws: `.dimensionMismatch` if `matrix` is not square.
  package init(_ matrix: Matrix) throws(LinearAlgebraError) {
    guard matrix.isSquare else {
      throw .dimensionMismatch(
        operation: "SparseMatrix (square matrix)", expected: matrix.rows, actual: matrix.columns)
    }
    let n = matrix.rows
    var start = [0]
    var rows: [Int] = []
    var values: [Double] = []
    for j in 0..<n {
      for i in 0..<n where matrix[i, j] != 0 {
        rows.append(i)
        values.append(matrix[i, j])
      }
      start.append(rows.count)
    }
    self.init(validOrder: n, columnStart: start, rowIndices: rows, values: values)
  }

  /// The entry `A[i, j]` (zero when not stored).
  ///
  /// - Complexity: O(log(nonzeros in column j)).
  package subscript(row: Int, column: Int) -> Double {
    var low = columnStart[column]
    var high = columnStart[column + 1]
    while low < high {
      let mid = (low + high) / 2
      if rowIndices[mid] < row { low = mid + 1 } else { high = mid }
    }
    return low < columnStart[column + 1] && rowIndices[low] == row ? values[low] : 0
  }

  /// `y = A·x` (or `y = Aᵀ·x`), without forming `Aᵀ`: the plain product
  /// scatters column `j` times `x_j`; the transposed one is a dot product per column.
  ///
  /// - Precondition: `x.count == y.count == order`.
  /// - Complexity: O(order + nonzeros).
  package func multiply(
    _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, transpose: Bool
  ) {
    precondition(x.count >= order && y.count >= order, "SparseMatrix.multiply: short vector")
    columnStart.withUnsafeBufferPointer { start in
      rowIndices.withUnsafeBufferPointer { rows in
        values.withUnsafeBufferPointer { a in
          if transpose {
            for j in 0..<order {
              var sum = 0.0
              for k in start[j]..<start[j + 1] { sum += a[k] * x[rows[k]] }
              y[j] = sum
            }
          } else {
            for i in 0..<order { y[i] = 0 }
            for j in 0..<order {
              let xj = x[j]
              if xj == 0 { continue }
              for k in start[j]..<start[j + 1] { y[rows[k]] += a[k] * xj }
            }
          }
        }
      }
    }
  }

  /// `A·x` (or `Aᵀ·x`) as a new vector.
  ///
  /// - Complexity: O(order + nonzeros).
  /// - Throws: `.dimensionMismatch` if `x.count ≠ order`.
  package func multiply(_ x: [Double], transpose: Bool = false) throws(LinearAlgebraError)
    -> [Double]
  {
    guard x.count == order else {
      throw .dimensionMismatch(operation: "SparseMatrix.multiply", expected: order, actual: x.count)
    }
    var y = [Double](repeating: 0, count: order)
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in multiply(xp, into: yp, transpose: transpose) }
    }
    return y
  }

  /// The position of each column's diagonal entry in `values`, or `-1` where it is not stored.
  ///
  /// - Complexity: O(nonzeros).
  package var diagonalPositions: [Int] {
    var positions = [Int](repeating: -1, count: order)
    positions.withUnsafeMutableBufferPointer { positions in
      columnStart.withUnsafeBufferPointer { start in
        rowIndices.withUnsafeBufferPointer { rows in
          for j in 0..<order {
            for k in start[j]..<start[j + 1] where rows[k] == j {
              positions[j] = k
              break
            }
          }
        }
      }
    }
    return positions
  }

  /// The one-norm `max_j Σ_i |a_ij|`.
  ///
  /// - Complexity: O(order + nonzeros).
  package var oneNorm: Double {
    var norm = 0.0
    for j in 0..<order {
      var sum = 0.0
      for k in columnStart[j]..<columnStart[j + 1] { sum += abs(values[k]) }
      norm = sum > norm || sum.isNaN ? sum : norm
    }
    return norm
  }

  /// The infinity-norm `max_i Σ_j |a_ij|` (the one-norm of `Aᵀ`).
  ///
  /// - Complexity: O(order + nonzeros), `8·order` bytes.
  package var infinityNorm: Double {
    var rowSums = [Double](repeating: 0, count: order)
    for k in 0..<nonzeroCount { rowSums[rowIndices[k]] += abs(values[k]) }
    return rowSums.reduce(0) { $1 > $0 || $1.isNaN ? $1 : $0 }
  }

  /// A dense copy (tests and small systems).
  ///
  /// - Complexity: O(n²).
  /// - Throws: `.invalidShape` if `8·n²` bytes exceed the machine's memory.
  package func dense() throws(LinearAlgebraError) -> Matrix {
    var m = try Matrix(rows: order, columns: order)
    for j in 0..<order {
      for k in columnStart[j]..<columnStart[j + 1] { m[rowIndices[k], j] = values[k] }
    }
    return m
  }
}
