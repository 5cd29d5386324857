/// Numerical singularity of a factorization that LAPACK accepted.
///
/// `dgetrf` and `dgbtrf` report only an *exactly* zero pivot. A constraint
/// Jacobian that is singular in exact arithmetic — `I − γP` with `γ = 1` and a
/// stochastic `P`, say — usually leaves a pivot of the order of round-off
/// instead, and solving with it returns numbers of size `1/ε` as if they were
/// derivatives (and lets Newton "converge" at a meaningless point). The engine
/// therefore treats a pivot with
///
///     |u_kk| ≤ m · ε · ‖A‖₁      (ε = 2⁻⁵³, m the order)
///
/// as zero. The test is sound: with partial pivoting `|l_ij| ≤ 1`, so the vector
/// `x` with `x_k = 1` that solves the leading `k` columns' triangular system gives
/// `‖A x‖₂ ≤ √m · |u_kk|`, hence `σ_min(A) ≤ √m · |u_kk|` — a matrix flagged
/// here has a relative distance to singularity of order `m·ε` or less. It costs
/// `O(m)` (`O(m)` more for a band) after an `O(m³)` (`O(m·k²)`) factorization.
/// The factorizations equilibrate first (`R·A·C`, powers of two; see
/// `Equilibration`; the dense and sparse LU try both orders of the row and
/// column scalings when the first looks nearly singular), and the test reads
/// the equilibrated factors, so a scaled constraint or variable does not make a
/// regular Jacobian "singular": one large partial (`b = exp(a)` at `a ≈ 36.6`,
/// `∂b/∂a ≈ 8·10¹⁵`), or a residual multiplied by 10¹⁶, is answered.
/// A 1 × 1 block is judged against the terms it was summed from (see
/// `BlockFactorization.scalar`).
/// A factorization that can name a numerically negligible pivot.
protocol PivotReporting {
  /// The LAPACK routine that factored it, for error messages.
  static var routine: String { get }
  /// The column of a negligible pivot (see above), or `nil`.
  var negligiblePivot: Int? { get }
}

extension LUFactorization: PivotReporting {
  static var routine: String { "dgetrf" }

  /// The column `k` of the smallest pivot of `U` if it is negligible,
  /// `|u_kk| ≤ m·ε·‖A‖₁`, else `nil`.
  ///
  /// - Complexity: O(m).
  var negligiblePivot: Int? {
    let m = order
    guard m > 0 else { return nil }
    return factors.elements.withUnsafeBufferPointer { a in
      smallestPivot(order: m, oneNorm: oneNorm) { k in a[k + k * m] }
    }
  }
}

extension BandLUFactorization: PivotReporting {
  static var routine: String { "dgbtrf" }

  /// The column `k` of the smallest pivot of `U` if it is negligible,
  /// `|u_kk| ≤ m·ε·‖A‖₁`, else `nil` (`U`'s diagonal is row `kl + ku` of the
  /// `dgbtrf` band storage).
  ///
  /// - Complexity: O(m).
  var negligiblePivot: Int? {
    let m = order
    guard m > 0 else { return nil }
    let diagonalRow = factors.lowerBandwidth + factors.upperBandwidth
    let ldab = factors.leadingDimension
    return factors.storage.withUnsafeBufferPointer { ab in
      smallestPivot(order: m, oneNorm: oneNorm) { k in ab[diagonalRow + k * ldab] }
    }
  }
}

/// The index of the smallest `|pivot(k)|`, `k < order`, if it is at most
/// `order · ε · oneNorm`.
private func smallestPivot(order m: Int, oneNorm: Double, _ pivot: (Int) -> Double) -> Int? {
  var smallest = 0
  var magnitude = Double.infinity
  for k in 0..<m where abs(pivot(k)) < magnitude {
    magnitude = abs(pivot(k))
    smallest = k
  }
  return magnitude <= Double(m) * (Double.ulpOfOne / 2) * oneNorm ? smallest : nil
}
