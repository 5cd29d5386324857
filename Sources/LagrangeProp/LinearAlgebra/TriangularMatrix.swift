/// A dense square triangular matrix, solved by substitution in place.
///
/// One right-hand side uses BLAS `dtrsv` (level 2, after an O(n) check of the
/// diagonal for zeros); several use LAPACK `dtrtrs` (level 3). `transpose`
/// solves `Tᵀ·x = b` from the same storage. Entries outside the triangle are
/// ignored, so a full matrix can be handed over without clearing them.
package struct TriangularMatrix: LinearSystemSolver {
  /// The matrix; only `triangle` of it is read.
  package let matrix: Matrix
  /// Which triangle holds the matrix.
  package let triangle: Triangle

  /// Wraps a square matrix as triangular (no copy when `matrix` is uniquely referenced).
  ///
  /// - Throws: `LinearAlgebraError.dimensionMismatch` if `matrix` is not square.
  package init(_ matrix: consuming Matrix, triangle: Triangle) throws(LinearAlgebraError) {
    guard matrix.isSquare else {
      throw .dimensionMismatch(
        operation: "TriangularMatrix (square matrix)", expected: matrix.rows, actual: matrix.columns
      )
    }
    self.matrix = matrix
    self.triangle = triangle
  }

  /// The order `n`.
  package var order: Int { matrix.rows }

  /// Solves `T·x = b` (or `Tᵀ·x = b`) in place with BLAS `dtrsv`.
  ///
  /// - Complexity: O(n²).
  /// - Throws: `.dimensionMismatch` if `b.count ≠ n`; `.singular(routine: "dtrsv", pivot: k)`
  ///   if `T[k, k] = 0`; `.nonFinite(routine: "dtrsv")` if the solution is not finite.
  package func solve(inPlace b: inout [Double], transpose: Bool = false) throws(LinearAlgebraError)
  {
    let n = order
    guard b.count == n else {
      throw .dimensionMismatch(operation: "TriangularMatrix.solve", expected: n, actual: b.count)
    }
    guard n > 0 else { return }
    try matrix.elements.withUnsafeBufferPointer { (a) throws(LinearAlgebraError) in
      for k in 0..<n {
        if a[k + k * n] == 0 { throw .singular(routine: "dtrsv", pivot: k) }
        // An infinite diagonal would silently give x_k = 0.
        if !a[k + k * n].isFinite { throw .nonFinite(routine: "dtrsv") }
      }
      b.withUnsafeMutableBufferPointer { x in
        LAPACK.dtrsv(
          triangle: triangle, transpose: transpose, unitDiagonal: false, n: n,
          a: a.baseAddress!, lda: n, x: x.baseAddress!)
      }
    }
    try b.withUnsafeBufferPointer { (x) throws(LinearAlgebraError) in
      try LAPACK.checkFinite(x, "dtrsv")
    }
  }

  /// Solves `T·x = b` (or `Tᵀ·x = b`) and returns `x`.
  ///
  /// - Throws: as `solve(inPlace:transpose:)`.
  package func solve(_ b: [Double], transpose: Bool = false) throws(LinearAlgebraError) -> [Double]
  {
    var x = b
    try solve(inPlace: &x, transpose: transpose)
    return x
  }

  /// Solves `T·X = B` (or `Tᵀ·X = B`) in place on `rightHandSides` columns with LAPACK
  /// `dtrtrs` (level 3, O(n² · columns)); the checked matrix forms come from
  /// `LinearSystemSolver`. (The vector forms above use `dtrsv`.)
  ///
  /// - Throws: `.singular(routine: "dtrtrs", pivot: k)` if `T[k, k] = 0`; `.nonFinite(routine: "dtrtrs")`
  ///   for an infinite diagonal or a non-finite solution.
  package func solve(_ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool)
    throws(LinearAlgebraError)
  {
    let n = order
    guard n > 0, rightHandSides > 0 else { return }
    try matrix.elements.withUnsafeBufferPointer { (a) throws(LinearAlgebraError) in
      for k in 0..<n where !a[k + k * n].isFinite { throw .nonFinite(routine: "dtrtrs") }
      try LAPACK.dtrtrs(
        triangle: triangle, transpose: transpose, unitDiagonal: false, n: n, nrhs: rightHandSides,
        a: a.baseAddress!, lda: n, b: b.baseAddress!, ldb: n)
    }
    try LAPACK.checkFinite(UnsafeBufferPointer(b), "dtrtrs")
  }
}
