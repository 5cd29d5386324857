/// An LU factorization with partial pivoting, `A = P·L·U`, computed once by
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
public struct LUFactorization: LinearSystemSolver {
  /// The order `n` of the factored `n × n` matrix.
  public let order: Int
  /// The one-norm of the matrix before factoring (used by the condition estimate).
  public let oneNorm: Double
  /// `L` (unit lower, below the diagonal) and `U` (on and above), as `dgetrf` leaves them.
  public let factors: Matrix
  /// The one-based row interchanges of `dgetrf`.
  let pivots: [LAPACKInt]

  /// Factors a square matrix with `dgetrf`.
  ///
  /// - Complexity: O(n³) (`2n³/3` flops), plus O(n²) for the one-norm.
  /// - Throws: `LinearAlgebraError.dimensionMismatch` if `matrix` is not square;
  ///   `.singular(routine: "dgetrf", pivot: k)` if `U[k, k]` is exactly zero;
  ///   `.nonFinite(routine: "dgetrf")` if the matrix holds NaN or infinity.
  public init(_ matrix: consuming Matrix) throws(LinearAlgebraError) {
    let norm = matrix.oneNorm
    try self.init(matrix, oneNorm: norm)
  }

  /// Factors a square matrix whose one-norm the caller has already summed (while
  /// assembling it), saving the O(n²) pass.
  init(_ matrix: consuming Matrix, oneNorm norm: Double) throws(LinearAlgebraError) {
    guard matrix.isSquare else {
      throw .dimensionMismatch(
        operation: "LUFactorization (square matrix)", expected: matrix.rows, actual: matrix.columns)
    }
    let n = matrix.rows
    guard norm.isFinite else { throw .nonFinite(routine: "dgetrf") }
    var pivots = [LAPACKInt](repeating: 0, count: n)
    if n > 0 {
      try matrix.elements.withUnsafeMutableBufferPointer { (a) throws(LinearAlgebraError) in
        try pivots.withUnsafeMutableBufferPointer { (p) throws(LinearAlgebraError) in
          try LAPACK.dgetrf(n: n, a: a.baseAddress!, lda: n, pivots: p.baseAddress!)
        }
      }
    }
    self.order = n
    self.oneNorm = norm
    self.factors = matrix
    self.pivots = pivots
  }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) in place on `rightHandSides` columns (`dgetrs`,
  /// O(n² · columns)); the checked vector and matrix forms come from `LinearSystemSolver`.
  ///
  /// - Throws: `.nonFinite(routine: "dgetrs")` if the solution is not finite.
  public func solve(_ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool)
    throws(LinearAlgebraError)
  {
    guard order > 0, rightHandSides > 0 else { return }
    factors.elements.withUnsafeBufferPointer { a in
      pivots.withUnsafeBufferPointer { p in
        LAPACK.dgetrs(
          transpose: transpose, n: order, nrhs: rightHandSides, a: a.baseAddress!, lda: order,
          pivots: p.baseAddress!, b: b.baseAddress!, ldb: order)
      }
    }
    try LAPACK.checkFinite(UnsafeBufferPointer(b), "dgetrs")
  }

  /// An estimate of the reciprocal condition number `1 / (‖A‖₁ ‖A⁻¹‖₁)` from
  /// the factors (LAPACK `dgecon`). Near `0`: nearly singular; near `1`: well conditioned.
  ///
  /// - Complexity: O(n²).
  public func reciprocalConditionNumber() throws(LinearAlgebraError) -> Double {
    guard order > 0 else { return 1 }
    return try factors.elements.withUnsafeBufferPointer { (a) throws(LinearAlgebraError) in
      try LAPACK.dgecon(n: order, a: a.baseAddress!, lda: order, oneNorm: oneNorm)
    }
  }
}
