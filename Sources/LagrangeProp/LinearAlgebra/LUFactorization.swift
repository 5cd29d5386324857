/// An LU factorization with partial pivoting of the equilibrated matrix,
/// `R·A·C = P·L·U` (`R`, `C` diagonal powers of two from `dgeequb`), computed once by
/// LAPACK `dgetrf` and reused for any number of solves with `A` or `Aᵀ`
/// (`dgetrs`, `trans = 'N'` or `'T'`).
///
/// The factors overwrite the matrix's own buffer: pass a matrix you no longer
/// need (`consume`) and no copy is made.
///
/// ```swift
/// let lu = try LUFactorization(a)
/// let x = try lu.solve(b)                   // A x = b
/// let y = try lu.solve(c, transpose: true)  // Aᵀ y = c
/// ```
package struct LUFactorization: LinearSystemSolver {
  /// The order `n` of the factored `n × n` matrix.
  package let order: Int
  /// The one-norm of the equilibrated matrix `R·A·C` before factoring (used by
  /// the condition estimate and the negligible-pivot test).
  package let oneNorm: Double
  /// `L` (unit lower, below the diagonal) and `U` (on and above) of `R·A·C`, as
  /// `dgetrf` leaves them.
  package let factors: Matrix
  /// The one-based row interchanges of `dgetrf`.
  let pivots: [LAPACKInt]
  /// The power-of-two scalings `R`, `C` applied before factoring.
  let equilibration: Equilibration

  /// Equilibrates (`dgeequb`, powers of two: no rounding) and factors a square
  /// matrix with `dgetrf`.
  ///
  /// - Complexity: O(n³) (`2n³/3` flops), plus O(n²) for the scalings and the one-norm.
  /// - Throws: `LinearAlgebraError.dimensionMismatch` if `matrix` is not square;
  ///   `.singular(routine: "dgeequb", pivot: k)` for a zero row or column `k`;
  ///   `.singular(routine: "dgetrf", pivot: k)` if `U[k, k]` is exactly zero;
  ///   `.nonFinite(routine: "dgetrf")` if the matrix holds NaN or infinity.
  ///
  /// `equilibrate: false` factors `A` itself (`R = C = I`), as plain `dgetrf`.
  package init(_ matrix: consuming Matrix, equilibrate: Bool = true) throws(LinearAlgebraError) {
    let norm = matrix.oneNorm
    try self.init(matrix, oneNorm: norm, equilibrate: equilibrate)
  }

  /// Factors a square matrix whose one-norm the caller has already summed (while
  /// assembling it), saving the O(n²) pass when no scaling is needed.
  ///
  /// `unitScaled: true` states that the caller found every row's and every
  /// column's largest magnitude in `unitScaleRange` (while assembling): `dgeequb`'s
  /// power-of-two scalings, `2^⌊log₂ max⌋` truncated toward zero, are then all 1,
  /// and its two passes over the matrix are skipped (the same factorization).
  init(
    _ matrix: consuming Matrix, oneNorm norm: Double, equilibrate: Bool = true,
    unitScaled: Bool = false
  )
    throws(LinearAlgebraError)
  {
    guard matrix.isSquare else {
      throw .dimensionMismatch(
        operation: "LUFactorization (square matrix)", expected: matrix.rows, actual: matrix.columns)
    }
    let n = matrix.rows
    guard norm.isFinite else { throw .nonFinite(routine: "dgetrf") }
    var pivots = [LAPACKInt](repeating: 0, count: n)
    var scaledNorm = norm
    var equilibration = Equilibration.identity
    if n > 0 && equilibrate && !unitScaled {
      var rows = [Double](repeating: 1, count: n)
      var columns = [Double](repeating: 1, count: n)
      try matrix.elements.withUnsafeBufferPointer { (a) throws(LinearAlgebraError) in
        try LAPACK.dgeequb(
          n: n, a: a.baseAddress!, lda: n, rows: &rows, columns: &columns)
      }
      equilibration = Equilibration(rowScale: rows, columnScale: columns)
      if equilibration.rowScale != nil || equilibration.columnScale != nil {
        scaledNorm = 0
        matrix.elements.withUnsafeMutableBufferPointer { a in
          for j in 0..<n {
            var sum = 0.0
            let cj = columns[j]
            for i in 0..<n {
              a[i + j * n] *= rows[i] * cj
              sum += abs(a[i + j * n])
            }
            scaledNorm = max(scaledNorm, sum)
          }
        }
      }
    }
    if n > 0 {
      try matrix.elements.withUnsafeMutableBufferPointer { (a) throws(LinearAlgebraError) in
        try pivots.withUnsafeMutableBufferPointer { (p) throws(LinearAlgebraError) in
          try LAPACK.dgetrf(n: n, a: a.baseAddress!, lda: n, pivots: p.baseAddress!)
        }
      }
    }
    self.order = n
    self.oneNorm = scaledNorm
    self.factors = matrix
    self.pivots = pivots
    self.equilibration = equilibration
  }

  /// Row and column maxima in this range give `dgeequb` scalings of 1: their
  /// `log₂` lies in `(−1, 1)`, with a margin that no rounding of the logarithm crosses.
  package static let unitScaleRange: ClosedRange<Double> = 0.75...1.5

  /// Solves `A·X = B` (or `Aᵀ·X = B`) in place on `rightHandSides` columns (`dgetrs`,
  /// O(n² · columns)); the checked vector and matrix forms come from `LinearSystemSolver`.
  ///
  /// - Throws: `.nonFinite(routine: "dgetrs")` if the solution is not finite.
  package func solve(_ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool)
    throws(LinearAlgebraError)
  {
    guard order > 0, rightHandSides > 0 else { return }
    precondition(b.count >= order * rightHandSides, "LUFactorization.solve: buffer too short")
    equilibration.scaleRightHandSides(
      b, order: order, rightHandSides: rightHandSides, transpose: transpose)
    factors.elements.withUnsafeBufferPointer { a in
      pivots.withUnsafeBufferPointer { p in
        LAPACK.dgetrs(
          transpose: transpose, n: order, nrhs: rightHandSides, a: a.baseAddress!, lda: order,
          pivots: p.baseAddress!, b: b.baseAddress!, ldb: order)
      }
    }
    equilibration.scaleSolutions(
      b, order: order, rightHandSides: rightHandSides, transpose: transpose)
    try LAPACK.checkFinite(UnsafeBufferPointer(b), "dgetrs")
  }

  /// An estimate of the reciprocal condition number `1 / (‖A_s‖₁ ‖A_s⁻¹‖₁)` of
  /// the equilibrated matrix `A_s = R·A·C`, from the factors (LAPACK `dgecon`), as
  /// LAPACK's expert driver `dgesvx` reports it: invariant under row and column
  /// scaling. Near `0`: nearly singular; near `1`: well conditioned.
  ///
  /// - Complexity: O(n²).
  package func reciprocalConditionNumber() throws(LinearAlgebraError) -> Double {
    guard order > 0 else { return 1 }
    return try factors.elements.withUnsafeBufferPointer { (a) throws(LinearAlgebraError) in
      try LAPACK.dgecon(n: order, a: a.baseAddress!, lda: order, oneNorm: oneNorm)
    }
  }
}
