

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
public struct LUFactorization: Sendable {
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
    guard matrix.isSquare else {
      throw .dimensionMismatch(
        operation: "LUFactorization (square matrix)", expected: matrix.rows, actual: matrix.columns)
    }
    let n = matrix.rows
    let norm = matrix.oneNorm
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

  /// Solves `A·x = b` (or `Aᵀ·x = b` with `transpose`) in place, overwriting `b` with `x`.
  ///
  /// - Complexity: O(n²) (`dgetrs`).
  /// - Throws: `.dimensionMismatch` if `b.count ≠ n`; `.nonFinite(routine: "dgetrs")`
  ///   if the solution is not finite.
  public func solve(inPlace b: inout [Double], transpose: Bool = false) throws(LinearAlgebraError) {
    guard b.count == order else {
      throw .dimensionMismatch(operation: "LUFactorization.solve", expected: order, actual: b.count)
    }
    try b.withUnsafeMutableBufferPointer { (bp) throws(LinearAlgebraError) in
      try solve(bp, rightHandSides: 1, transpose: transpose)
    }
  }

  /// Solves `A·x = b` (or `Aᵀ·x = b` with `transpose`) and returns `x`.
  ///
  /// - Complexity: O(n²) (`dgetrs`).
  /// - Throws: as `solve(inPlace:transpose:)`.
  public func solve(_ b: [Double], transpose: Bool = false) throws(LinearAlgebraError) -> [Double] {
    var x = b
    try solve(inPlace: &x, transpose: transpose)
    return x
  }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) for several right-hand sides at once, in place.
  ///
  /// - Complexity: O(n² · columns) (`dgetrs`, level 3).
  /// - Throws: `.dimensionMismatch` if `B.rows ≠ n`; `.nonFinite(routine: "dgetrs")`.
  public func solve(inPlace b: inout Matrix, transpose: Bool = false) throws(LinearAlgebraError) {
    guard b.rows == order else {
      throw .dimensionMismatch(operation: "LUFactorization.solve", expected: order, actual: b.rows)
    }
    let nrhs = b.columns
    try b.elements.withUnsafeMutableBufferPointer { (bp) throws(LinearAlgebraError) in
      try solve(bp, rightHandSides: nrhs, transpose: transpose)
    }
  }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) for several right-hand sides and returns `X`.
  ///
  /// - Throws: as `solve(inPlace:transpose:)`.
  public func solve(_ b: Matrix, transpose: Bool = false) throws(LinearAlgebraError) -> Matrix {
    var x = b
    try solve(inPlace: &x, transpose: transpose)
    return x
  }

  /// Solves in place on a raw column-major buffer of `rightHandSides` columns of length `n`.
  func solve(_ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool)
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
