/// An LU factorization with partial pivoting of a band matrix, computed once by
/// LAPACK `dgbtrf` in the matrix's own storage and reused for solves with `A`
/// or `Aᵀ` (`dgbtrs`, `trans = 'N'` or `'T'`).
///
/// - Complexity: factoring O(n · kl · (kl + ku)); each solve O(n · (2·kl + ku)).
public struct BandLUFactorization: LinearSystemSolver {
  /// The factors as `dgbtrf` leaves them (in `BandMatrix` storage, fill-in rows used).
  public let factors: BandMatrix
  /// The one-norm of the matrix before factoring.
  public let oneNorm: Double
  /// The one-based row interchanges of `dgbtrf`.
  let pivots: [LAPACKInt]

  /// The order `n`.
  public var order: Int { factors.order }

  /// Factors a band matrix with `dgbtrf` (no copy when `matrix` is uniquely referenced).
  ///
  /// - Throws: `.singular(routine: "dgbtrf", pivot: k)` if `U[k, k]` is exactly zero;
  ///   `.nonFinite(routine: "dgbtrf")` if the matrix holds NaN or infinity.
  public init(_ matrix: consuming BandMatrix) throws(LinearAlgebraError) {
    let n = matrix.order, kl = matrix.lowerBandwidth, ku = matrix.upperBandwidth
    let ldab = matrix.leadingDimension
    var pivots = [LAPACKInt](repeating: 0, count: n)
    var norm = 0.0
    if n > 0 {
      norm = matrix.storage.withUnsafeBufferPointer { ab in
        LAPACK.dlangbOneNorm(n: n, kl: kl, ku: ku, ab: ab.baseAddress! + kl, ldab: ldab)
      }
      guard norm.isFinite else { throw .nonFinite(routine: "dgbtrf") }
      try matrix.storage.withUnsafeMutableBufferPointer { (ab) throws(LinearAlgebraError) in
        try pivots.withUnsafeMutableBufferPointer { (p) throws(LinearAlgebraError) in
          try LAPACK.dgbtrf(
            n: n, kl: kl, ku: ku, ab: ab.baseAddress!, ldab: ldab, pivots: p.baseAddress!)
        }
      }
    }
    self.factors = matrix
    self.oneNorm = norm
    self.pivots = pivots
  }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) in place on `rightHandSides` columns (`dgbtrs`,
  /// O(n · (2·kl + ku) · columns)); the checked vector and matrix forms come from `LinearSystemSolver`.
  ///
  /// - Throws: `.nonFinite(routine: "dgbtrs")` if the solution is not finite.
  public func solve(_ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool)
    throws(LinearAlgebraError)
  {
    guard order > 0, rightHandSides > 0 else { return }
    factors.storage.withUnsafeBufferPointer { ab in
      pivots.withUnsafeBufferPointer { p in
        LAPACK.dgbtrs(
          transpose: transpose, n: order, kl: factors.lowerBandwidth, ku: factors.upperBandwidth,
          nrhs: rightHandSides, ab: ab.baseAddress!, ldab: factors.leadingDimension,
          pivots: p.baseAddress!, b: b.baseAddress!, ldb: order)
      }
    }
    try LAPACK.checkFinite(UnsafeBufferPointer(b), "dgbtrs")
  }

  /// An estimate of the reciprocal condition number in the one-norm (LAPACK `dgbcon`).
  ///
  /// - Complexity: O(n · (kl + ku)).
  public func reciprocalConditionNumber() throws(LinearAlgebraError) -> Double {
    guard order > 0 else { return 1 }
    return try factors.storage.withUnsafeBufferPointer { (ab) throws(LinearAlgebraError) in
      try pivots.withUnsafeBufferPointer { (p) throws(LinearAlgebraError) in
        try LAPACK.dgbcon(
          n: order, kl: factors.lowerBandwidth, ku: factors.upperBandwidth, ab: ab.baseAddress!,
          ldab: factors.leadingDimension, pivots: p.baseAddress!, oneNorm: oneNorm)
      }
    }
  }
}
