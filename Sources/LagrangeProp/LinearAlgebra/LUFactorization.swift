/// An LU factorization with partial pivoting of the equilibrated matrix,
/// `R·A·C = P·L·U` (`R`, `C` diagonal powers of two from `dgeequb`), computed once by
/// LAPACK `dgetrf` and reused for any number of solves with `A` or `Aᵀ`
/// (`dgetrs`, `trans = 'N'` or `'T'`).
///
/// The factors overwrite the matrix's own buffer: pass a matrix you no longer
/// need (`consume`) and no copy is made — except when the rows-first scaling
/// leaves entries below 2⁻²⁰ (the largest in each row and column being near 1):
/// then the scaled matrix is kept until its factorization is judged, and if that
/// has a negligible pivot or an estimated reciprocal condition below 10⁻⁶, it is
/// factored again with the columns-first scalings (when they differ) and the
/// clearly better factorization (no negligible pivot where the other has one,
/// or a condition estimate 100 times larger) is kept (see `Equilibration`).
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
  /// - Complexity: O(n³) (`2n³/3` flops), plus O(n²) for the scalings and the
  ///   one-norm; twice that, and an O(n²) copy, when a second scaling order is tried.
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
    guard n > 0 && equilibrate && !unitScaled else {
      self = try Self.factored(matrix, scaling: .identity, scaledNorm: norm)
      return
    }
    var rows = [Double](repeating: 1, count: n)
    var columns = [Double](repeating: 1, count: n)
    try matrix.elements.withUnsafeBufferPointer { (a) throws(LinearAlgebraError) in
      try LAPACK.dgeequb(n: n, a: a.baseAddress!, lda: n, rows: &rows, columns: &columns)
    }
    let rowsFirst = Equilibration(rowScale: rows, columnScale: columns)
    // A row spanning more than the exponent range would lose entries to that
    // scaling (`scale` leaves the matrix as it was): the columns-first order
    // then, if it keeps them all, else none.
    guard let (scaledNorm, negligibleEntries) = Self.scale(&matrix, by: rowsFirst, oneNorm: norm)
    else {
      let columnsFirst = matrix.elements.withUnsafeBufferPointer {
        Equilibration.columnsFirst(columnMajor: $0, order: n, undoing: .identity)
      }
      if let (scaledNorm, _) = Self.scale(&matrix, by: columnsFirst, oneNorm: norm) {
        self = try Self.factored(matrix, scaling: columnsFirst, scaledNorm: scaledNorm)
      } else {
        self = try Self.factored(matrix, scaling: .identity, scaledNorm: norm)
      }
      return
    }
    // Scaling rows first does not undo a scaled column (a constraint multiplied
    // by 10¹⁶ is a column of the Jacobian): the rows its large entries meet are
    // scaled down until their other entries are negligible. When the scaling left
    // entries that small, the scaled matrix is kept (shared until `dgetrf`
    // writes) so that the columns-first order can be tried if the factorization
    // looks nearly singular.
    let kept: Matrix? =
      negligibleEntries > 0 && n * n <= Self.alternativeElementLimit ? matrix : nil
    let first: Result<LUFactorization, LinearAlgebraError>
    do {
      first = .success(try Self.factored(matrix, scaling: rowsFirst, scaledNorm: scaledNorm))
    } catch {
      first = .failure(error)
    }
    guard var kept, Self.needsAnotherScaling(first) else {
      self = try first.get()
      return
    }
    let columnsFirst = kept.elements.withUnsafeBufferPointer {
      Equilibration.columnsFirst(columnMajor: $0, order: n, undoing: rowsFirst)
    }
    guard !columnsFirst.isEquivalent(to: rowsFirst, order: n),
      let (otherNorm, _) = Self.scale(
        &kept, by: columnsFirst.relative(to: rowsFirst, order: n), oneNorm: scaledNorm)
    else {
      self = try first.get()
      return
    }
    let second: LUFactorization
    do {
      second = try Self.factored(kept, scaling: columnsFirst, scaledNorm: otherNorm)
    } catch {
      self = try first.get()
      return
    }
    self = Self.better(first, second)
  }

  /// Entries below this magnitude after scaling (the scaled matrix's rows and
  /// columns have largest entries in `[1, 2)`) are the sign of a scaling order
  /// that does not suit the matrix; see `init(_:oneNorm:equilibrate:unitScaled:)`.
  static let negligibleScaledEntry = 0x1p-20

  /// Below this estimated reciprocal condition (or with a negligible pivot) a
  /// factorization whose two scaling orders disagree is redone with the other.
  static let retryBelowReciprocalCondition = 1e-6

  /// How much larger the other order's condition estimate must be for it to
  /// replace the rows-first one (whose solves have small residuals row by row).
  static let preferenceFactor = 100.0

  /// The largest matrix (elements) copied for that second factorization: 2²⁵
  /// (256 MiB); larger ones keep the rows-first scaling.
  static let alternativeElementLimit = 1 << 25

  /// Whether `first` failed as singular, has a negligible pivot
  /// (`|u_kk| ≤ n·ε·‖A_s‖₁`) or an estimated reciprocal condition below
  /// `retryBelowReciprocalCondition`.
  private static func needsAnotherScaling(_ first: Result<LUFactorization, LinearAlgebraError>)
    -> Bool
  {
    switch first {
    case .failure(.singular): return true
    case .failure: return false
    case .success(let lu):
      if lu.negligiblePivot != nil { return true }
      return !((try? lu.reciprocalConditionNumber()) ?? 0 >= retryBelowReciprocalCondition)
    }
  }

  /// `second` if `first` failed or has a negligible pivot that `second` has not,
  /// or if `second`'s condition estimate is `preferenceFactor` times larger; else `first`.
  private static func better(
    _ first: Result<LUFactorization, LinearAlgebraError>, _ second: LUFactorization
  ) -> LUFactorization {
    guard case .success(let lu) = first else { return second }
    if (lu.negligiblePivot == nil) != (second.negligiblePivot == nil) {
      return lu.negligiblePivot == nil ? lu : second
    }
    let a = (try? lu.reciprocalConditionNumber()) ?? 0
    let b = (try? second.reciprocalConditionNumber()) ?? 0
    return b > preferenceFactor * a ? second : lu
  }

  /// Scales `matrix` in place by `scaling` and returns its new one-norm (the
  /// given `oneNorm` when `scaling` is the identity) and the number of its
  /// non-zero entries below `negligibleScaledEntry` after scaling — or `nil`, the
  /// matrix left as it was, if the scaling would lose bits of an entry
  /// (`Equilibration.keepsEveryBit`: checked in the same pass).
  ///
  /// - Complexity: O(n²), none for the identity.
  private static func scale(_ matrix: inout Matrix, by scaling: Equilibration, oneNorm: Double)
    -> (oneNorm: Double, negligibleEntries: Int)?
  {
    guard scaling.rowScale != nil || scaling.columnScale != nil else { return (oneNorm, 0) }
    let n = matrix.rows
    let rows = scaling.rowScale ?? [Double](repeating: 1, count: n)
    let columns = scaling.columnScale ?? [Double](repeating: 1, count: n)
    var scaledNorm = 0.0
    var negligible = 0
    let kept = matrix.elements.withUnsafeMutableBufferPointer { a in
      for j in 0..<n {
        var sum = 0.0
        let cj = columns[j]
        for i in 0..<n {
          let s = rows[i] * cj
          let x = a[i + j * n] * s
          guard Equilibration.keepsEveryBit(a[i + j * n], scaledBy: s) else {
            // Undo what was scaled (exactly: powers of two, every bit kept).
            for k in 0..<(i + j * n) { a[k] /= rows[k % n] * columns[k / n] }
            return false
          }
          a[i + j * n] = x
          sum += abs(x)
          negligible &+= x != 0 && abs(x) < negligibleScaledEntry ? 1 : 0
        }
        scaledNorm = max(scaledNorm, sum)
      }
      return true
    }
    return kept ? (scaledNorm, negligible) : nil
  }

  /// The already scaled `matrix` factored by `dgetrf`.
  private static func factored(
    _ matrix: consuming Matrix, scaling: Equilibration, scaledNorm: Double
  ) throws(LinearAlgebraError) -> LUFactorization {
    let n = matrix.rows
    var pivots = [LAPACKInt](repeating: 0, count: n)
    if n > 0 {
      try matrix.elements.withUnsafeMutableBufferPointer { (a) throws(LinearAlgebraError) in
        try pivots.withUnsafeMutableBufferPointer { (p) throws(LinearAlgebraError) in
          try LAPACK.dgetrf(n: n, a: a.baseAddress!, lda: n, pivots: p.baseAddress!)
        }
      }
    }
    return LUFactorization(
      order: n, oneNorm: scaledNorm, factors: matrix, pivots: pivots, equilibration: scaling)
  }

  private init(
    order: Int, oneNorm: Double, factors: consuming Matrix, pivots: [LAPACKInt],
    equilibration: Equilibration
  ) {
    self.order = order
    self.oneNorm = oneNorm
    self.factors = factors
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
  /// LAPACK's expert driver `dgesvx` reports it (for the better of the two
  /// scaling orders when the first looked nearly singular). Near `0`: nearly
  /// singular; near `1`: well conditioned.
  ///
  /// - Complexity: O(n²).
  package func reciprocalConditionNumber() throws(LinearAlgebraError) -> Double {
    guard order > 0 else { return 1 }
    return try factors.elements.withUnsafeBufferPointer { (a) throws(LinearAlgebraError) in
      try LAPACK.dgecon(n: order, a: a.baseAddress!, lda: order, oneNorm: oneNorm)
    }
  }
}
