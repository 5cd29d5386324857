/// An LU factorization with partial pivoting of an equilibrated band matrix,
/// `R·A·C = P·L·U` (`R`, `C` diagonal powers of two from `dgbequb`), computed once by
/// LAPACK `dgbtrf` in the matrix's own storage and reused for solves with `A`
/// or `Aᵀ` (`dgbtrs`, `trans = 'N'` or `'T'`).
///
/// - Complexity: factoring O(n · kl · (kl + ku)); each solve O(n · (2·kl + ku)).
package struct BandLUFactorization: LinearSystemSolver {
  /// The factors as `dgbtrf` leaves them (in `BandMatrix` storage, fill-in rows used).
  package let factors: BandMatrix
  /// The one-norm of the equilibrated matrix before factoring.
  package let oneNorm: Double
  /// The one-based row interchanges of `dgbtrf`.
  let pivots: [LAPACKInt]
  /// The power-of-two scalings `R`, `C` applied before factoring.
  let equilibration: Equilibration

  /// The order `n`.
  package var order: Int { factors.order }

  /// Factors a band matrix with `dgbtrf` (no copy when `matrix` is uniquely referenced).
  ///
  /// - Throws: `.singular(routine: "dgbtrf", pivot: k)` if `U[k, k]` is exactly zero;
  ///   `.nonFinite(routine: "dgbtrf")` if the matrix holds NaN or infinity.
  ///
  /// `equilibrate: false` factors `A` itself (`R = C = I`), as plain `dgbtrf`.
  package init(_ matrix: consuming BandMatrix, equilibrate: Bool = true) throws(LinearAlgebraError)
  {
    let n = matrix.order, kl = matrix.lowerBandwidth, ku = matrix.upperBandwidth
    let ldab = matrix.leadingDimension
    var pivots = [LAPACKInt](repeating: 0, count: n)
    var norm = 0.0
    var equilibration = Equilibration.identity
    if n > 0 {
      norm = matrix.storage.withUnsafeBufferPointer { ab in
        LAPACK.dlangbOneNorm(n: n, kl: kl, ku: ku, ab: ab.baseAddress! + kl, ldab: ldab)
      }
      guard norm.isFinite else { throw .nonFinite(routine: "dgbtrf") }
    }
    if n > 0 && equilibrate {
      var rows = [Double](repeating: 1, count: n)
      var columns = [Double](repeating: 1, count: n)
      try matrix.storage.withUnsafeBufferPointer { (ab) throws(LinearAlgebraError) in
        try LAPACK.dgbequb(
          n: n, kl: kl, ku: ku, ab: ab.baseAddress! + kl, ldab: ldab, rows: &rows,
          columns: &columns)
      }
      // A row spanning more than the exponent range would lose entries to that
      // scaling (see `Equilibration`): the columns-first order then, if it keeps
      // them all, else none.
      func losesBits() -> Bool {
        matrix.storage.withUnsafeBufferPointer { ab in
          (0..<n).contains { j in
            (max(0, j - ku)...min(n - 1, j + kl)).contains { i in
              !Equilibration.keepsEveryBit(
                ab[kl + ku + i - j + j * ldab], scaledBy: rows[i] * columns[j])
            }
          }
        }
      }
      if losesBits() {
        matrix.storage.withUnsafeBufferPointer { ab in
          for j in 0..<n {
            var largest = 0.0
            for i in max(0, j - ku)...min(n - 1, j + kl) {
              largest = max(largest, abs(ab[kl + ku + i - j + j * ldab]))
            }
            columns[j] = Equilibration.reciprocalPowerOfTwo(below: largest)
          }
          for i in 0..<n {
            var largest = 0.0
            for j in max(0, i - kl)...min(n - 1, i + ku) {
              largest = max(largest, abs(ab[kl + ku + i - j + j * ldab]) * columns[j])
            }
            rows[i] = Equilibration.reciprocalPowerOfTwo(below: largest)
          }
        }
        if losesBits() {
          rows = [Double](repeating: 1, count: n)
          columns = rows
        }
      }
      equilibration = Equilibration(rowScale: rows, columnScale: columns)
      if equilibration.rowScale != nil || equilibration.columnScale != nil {
        matrix.storage.withUnsafeMutableBufferPointer { ab in
          for j in 0..<n {
            for i in max(0, j - ku)...min(n - 1, j + kl) {
              ab[kl + ku + i - j + j * ldab] *= rows[i] * columns[j]
            }
          }
        }
        norm = matrix.storage.withUnsafeBufferPointer { ab in
          LAPACK.dlangbOneNorm(n: n, kl: kl, ku: ku, ab: ab.baseAddress! + kl, ldab: ldab)
        }
      }
    }
    if n > 0 {
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
    self.equilibration = equilibration
  }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) in place on `rightHandSides` columns (`dgbtrs`,
  /// O(n · (2·kl + ku) · columns)); the checked vector and matrix forms come from `LinearSystemSolver`.
  ///
  /// - Throws: `.nonFinite(routine: "dgbtrs")` if the solution is not finite.
  package func solve(_ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool)
    throws(LinearAlgebraError)
  {
    guard order > 0, rightHandSides > 0 else { return }
    precondition(b.count >= order * rightHandSides, "BandLUFactorization.solve: buffer too short")
    equilibration.scaleRightHandSides(
      b, order: order, rightHandSides: rightHandSides, transpose: transpose)
    factors.storage.withUnsafeBufferPointer { ab in
      pivots.withUnsafeBufferPointer { p in
        LAPACK.dgbtrs(
          transpose: transpose, n: order, kl: factors.lowerBandwidth, ku: factors.upperBandwidth,
          nrhs: rightHandSides, ab: ab.baseAddress!, ldab: factors.leadingDimension,
          pivots: p.baseAddress!, b: b.baseAddress!, ldb: order)
      }
    }
    equilibration.scaleSolutions(
      b, order: order, rightHandSides: rightHandSides, transpose: transpose)
    try LAPACK.checkFinite(UnsafeBufferPointer(b), "dgbtrs")
  }

  /// An estimate of the reciprocal condition number of the equilibrated matrix
  /// in the one-norm (Hager–Higham with `dgbtrs` solves, as LAPACK `dgbcon`
  /// estimates it). (Rows are scaled first, as `dgbequb` does; unlike the dense
  /// and sparse LU, the band LU does not try the other order.)
  ///
  /// - Complexity: O(n · (kl + ku)).
  package func reciprocalConditionNumber() throws(LinearAlgebraError) -> Double {
    guard order > 0 else { return 1 }
    return try factors.storage.withUnsafeBufferPointer { (ab) throws(LinearAlgebraError) in
      try pivots.withUnsafeBufferPointer { (p) throws(LinearAlgebraError) in
        LAPACK.bandReciprocalCondition(
          n: order, kl: factors.lowerBandwidth, ku: factors.upperBandwidth, ab: ab.baseAddress!,
          ldab: factors.leadingDimension, pivots: p.baseAddress!, oneNorm: oneNorm)
      }
    }
  }
}
