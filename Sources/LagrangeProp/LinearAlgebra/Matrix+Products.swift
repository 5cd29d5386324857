extension Matrix {
  /// The product `A·x` (or `Aᵀ·x` with `transpose`), via BLAS `dgemv`.
  ///
  /// - Complexity: O(rows · columns).
  /// - Throws: `LinearAlgebraError.dimensionMismatch` if `x` has the wrong length.
  public func multiplied(by x: [Double], transpose: Bool = false) throws(LinearAlgebraError)
    -> [Double]
  {
    let (inner, outer) = transpose ? (rows, columns) : (columns, rows)
    guard x.count == inner else {
      throw .dimensionMismatch(
        operation: "Matrix.multiplied(by:)", expected: inner, actual: x.count)
    }
    var y = [Double](repeating: 0, count: outer)
    if inner == 0 { return y }
    elements.withUnsafeBufferPointer { a in
      x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
          LAPACK.dgemv(
            transpose: transpose, rows: rows, columns: columns, a: a.baseAddress!, lda: rows,
            x: xp.baseAddress!, y: yp.baseAddress!)
        }
      }
    }
    return y
  }

  /// The product `A·B`, via BLAS `dgemm`.
  ///
  /// - Complexity: O(rows · columns · other.columns).
  /// - Throws: `LinearAlgebraError.dimensionMismatch` if `columns ≠ other.rows`.
  public func multiplied(by other: Matrix) throws(LinearAlgebraError) -> Matrix {
    guard columns == other.rows else {
      throw .dimensionMismatch(
        operation: "Matrix.multiplied(by: Matrix)", expected: columns, actual: other.rows)
    }
    try Self.checkShape(rows: rows, columns: other.columns, operation: "Matrix.multiplied(by:)")
    var c = Matrix(validRows: rows, columns: other.columns)
    if rows == 0 || other.columns == 0 || columns == 0 { return c }
    elements.withUnsafeBufferPointer { a in
      other.elements.withUnsafeBufferPointer { b in
        c.elements.withUnsafeMutableBufferPointer { cp in
          LAPACK.dgemm(
            m: rows, n: other.columns, k: columns, a: a.baseAddress!, b: b.baseAddress!,
            c: cp.baseAddress!)
        }
      }
    }
    return c
  }
}
