/// The symbolic analysis of a sparse LU (UMFPACK `umfpack_dl_symbolic`): a
/// fill-reducing column ordering of a pattern and the estimated cost of the
/// numeric factorization — flops, peak memory, non-zeros of `L + U` — known
/// *before* any numeric work, so a caller can choose another method when the
/// fill would be catastrophic (random sparse graphs) instead of finding out.
///
/// It depends on the pattern only: one analysis serves every numeric
/// factorization of matrices with the same `columnStart` / `rowIndices`
/// (Newton's iterations).
package struct SparseLUAnalysis: Sendable {
  /// The order of the analysed pattern.
  package let order: Int
  /// The number of stored entries of the analysed pattern.
  package let nonzeroCount: Int
  /// Estimated flops of the numeric factorization (`UMFPACK_FLOPS_ESTIMATE`, an upper bound).
  package let estimatedFlops: Double
  /// Estimated peak memory of the factorization, bytes (`UMFPACK_PEAK_MEMORY_ESTIMATE`).
  package let estimatedPeakMemoryBytes: Double
  /// Memory used by the symbolic analysis itself, bytes (`UMFPACK_SYMBOLIC_PEAK_MEMORY`).
  package let symbolicPeakMemoryBytes: Double
  /// Estimated non-zeros of `L + U` (`UMFPACK_LNZ_ESTIMATE + UMFPACK_UNZ_ESTIMATE − n`).
  package let estimatedFactorNonzeros: Double
  /// `nil` for an empty pattern (UMFPACK refuses order 0).
  let symbolic: UMFPACK.Symbolic?
  let control: [Double]

  /// Analyses the pattern of `matrix` (its values guide UMFPACK's strategy choice only).
  ///
  /// - Complexity: about O(nonzeros · α) for the ordering (COLAMD or AMD).
  /// - Throws: `LinearAlgebraError.outOfMemory(routine: "umfpack_dl_symbolic", …)`.
  package init(_ matrix: SparseMatrix) throws(LinearAlgebraError) {
    let control = UMFPACK.defaultControl()
    guard matrix.order > 0 else {
      (order, nonzeroCount, estimatedFlops, estimatedPeakMemoryBytes) = (0, 0, 0, 0)
      (symbolicPeakMemoryBytes, estimatedFactorNonzeros) = (0, 0)
      (symbolic, self.control) = (nil, control)
      return
    }
    let (symbolic, estimates) = try UMFPACK.symbolic(matrix, control: control)
    self.order = matrix.order
    self.nonzeroCount = matrix.nonzeroCount
    self.estimatedFlops = estimates.flops
    self.estimatedPeakMemoryBytes = estimates.peakMemoryBytes
    self.symbolicPeakMemoryBytes = estimates.symbolicPeakMemoryBytes
    self.estimatedFactorNonzeros = estimates.factorNonzeros
    self.symbolic = symbolic
    self.control = control
  }
}

/// What a sparse LU of a pattern would cost, from its approximate minimum
/// degree ordering (AMD on `A + Aᵀ`, `amd_l_order`): the non-zeros of `L + U`
/// and the flops of an LU with diagonal pivots in that order — exact for that
/// factorization, which UMFPACK's symmetric strategy performs when the diagonal
/// is acceptable (UMFPACK's own `UMFPACK_*_ESTIMATE`s are upper bounds that
/// overestimate a 2-D grid's factor by two orders of magnitude).
package struct SparseFillEstimate: Sendable, Equatable {
  /// Non-zeros of `L + U` (diagonal once).
  package let factorNonzeros: Double
  /// Flops of the factorization.
  package let flops: Double
  /// Bytes of the factors: 12 per entry (a value and a 32-bit index on average
  /// in UMFPACK's packed storage), plus half for its frontal work arrays.
  package var bytes: Double { 18 * factorNonzeros }

  /// Orders the pattern of `matrix` and counts.
  ///
  /// - Complexity: AMD's, near O(nonzeros) for local (grid-like) patterns;
  ///   screen random sparse ones first (`maximumBreadthFirstLevelWidth`).
  /// - Throws: `.outOfMemory(routine: "amd_l_order", …)`.
  package init(_ matrix: SparseMatrix) throws(LinearAlgebraError) {
    (factorNonzeros, flops) = try UMFPACK.minimumDegreeEstimate(matrix)
  }
}

/// A sparse LU factorization by UMFPACK (multifrontal, dense frontal matrices
/// through BLAS) of the equilibrated `A_s = R·A·C` (power-of-two scalings, as
/// the dense factorizations' `dgeequb`; see `Equilibration`), computed once and
/// reused for any number of solves with `A` or `Aᵀ` (`UMFPACK_A` / `UMFPACK_At`:
/// the transpose is never formed). UMFPACK scales the rows of `A_s` once more and
/// factors `P·R_u⁻¹·A_s·Q = L·U`.
///
/// ```swift
/// let analysis = try SparseLUAnalysis(a)        // ordering + estimates
/// if analysis.estimatedPeakMemoryBytes < limit {
///   let lu = try SparseLUFactorization(a, analysis: analysis)
///   let x = try lu.solve(b)                     // A x = b
///   let y = try lu.solve(c, transpose: true)    // Aᵀ y = c
/// }
/// ```
package struct SparseLUFactorization: LinearSystemSolver {
  /// The order `n`.
  package let order: Int
  /// The factored matrix, `A_s = R·A·C` (UMFPACK's iterative refinement reads it
  /// in every solve).
  package let matrix: SparseMatrix
  /// The power-of-two scalings `R` and `C` of `A` (solves map through them).
  let equilibration: Equilibration
  /// The symbolic analysis used.
  package let analysis: SparseLUAnalysis
  /// Flops of the numeric factorization (`UMFPACK_FLOPS`).
  package let flops: Double
  /// Peak memory of the factorization, bytes (`UMFPACK_PEAK_MEMORY`).
  package let peakMemoryBytes: Double
  /// Non-zeros of `L + U` (diagonal counted once).
  package let factorNonzeros: Int
  /// `min |u_kk| / max |u_kk|` of the factors of the equilibrated matrix
  /// (`UMFPACK_RCOND`): what the negligible-pivot test and the choice of scaling
  /// order read; the reported condition is `reciprocalConditionNumber()`.
  package let pivotRatio: Double
  /// `nil` for order 0.
  let numeric: UMFPACK.Numeric?
  /// The condition estimate when the factorization already computed it (to
  /// choose the scaling order), so that it is not computed twice.
  let knownReciprocalCondition: Double?

  /// The routine named in errors.
  static let routine = "umfpack_dl_numeric"

  /// Factors `matrix`, with `analysis` of its pattern if given (else analysing it first).
  ///
  /// A pivot with `|u_kk| ≤ n · ε · max_k |u_kk|` (ε = 2⁻⁵³) is treated as zero,
  /// as `PivotReporting` does for LAPACK's factorizations: the matrix is
  /// numerically singular and solving with it would return numbers of size `1/ε`.
  /// The test reads the factors of the equilibrated matrix, so that it does not
  /// depend on how the equations and variables are scaled: `a = eˣ, b = eᵃ` at
  /// `x = 3.6` (one partial of `8·10¹⁵`, an exactly regular unit-triangular
  /// Jacobian) passes, as on the dense paths.
  ///
  /// - Complexity: the estimated flops of the analysis (`analysis.estimatedFlops`).
  /// - Throws: `.singular(routine: "umfpack_dl_numeric", pivot: j)` naming the
  ///   column `j` of `A` pivoted at a zero or negligible `u_kk`; `.nonFinite` if
  ///   `matrix` holds NaN or infinity; `.outOfMemory`; `.dimensionMismatch` if
  ///   `analysis` was made for another pattern.
  package init(_ matrix: SparseMatrix, analysis given: SparseLUAnalysis? = nil)
    throws(LinearAlgebraError)
  {
    for value in matrix.values where !value.isFinite {
      throw .nonFinite(routine: Self.routine)
    }
    let analysis: SparseLUAnalysis
    if let given { analysis = given } else { analysis = try SparseLUAnalysis(matrix) }
    guard analysis.order == matrix.order, analysis.nonzeroCount == matrix.nonzeroCount else {
      throw .dimensionMismatch(
        operation: "SparseLUFactorization (pattern of the analysis)",
        expected: analysis.nonzeroCount, actual: matrix.nonzeroCount)
    }
    self.order = matrix.order
    self.analysis = analysis
    guard matrix.order > 0, let symbolic = analysis.symbolic else {
      (self.matrix, equilibration, knownReciprocalCondition) = (matrix, .identity, 1)
      (flops, peakMemoryBytes, factorNonzeros, pivotRatio, numeric) = (0, 0, 0, 1, nil)
      return
    }
    // Rows first (as `dgeequb`); when that leaves the matrix looking nearly
    // singular and the columns-first order scales it otherwise (a constraint
    // multiplied by 10¹⁶ is a column), the better of the two (see `LUFactorization`).
    // A row spanning more than the exponent range would lose entries to that
    // scaling: the columns-first order then, if it keeps them all, else none.
    var rowsFirst = Equilibration.powerOfTwo(matrix)
    if rowsFirst.losesBits(matrix) {
      let columnsFirst = Equilibration.powerOfTwo(matrix, columnsFirst: true)
      rowsFirst = columnsFirst.losesBits(matrix) ? .identity : columnsFirst
    }
    var chosen = try Attempt(matrix, scaling: rowsFirst, analysis: analysis, symbolic: symbolic)
    var estimate: Double?
    // The other order is tried when rows first left entries below 2⁻²⁰ (the sign
    // of a scaled column) and the factorization looks nearly singular — by its
    // Hager–Higham estimate: the pivot ratio can be optimistic by orders of magnitude.
    if chosen.negligibleEntries > 0 {
      let columnsFirst = Equilibration.powerOfTwo(matrix, columnsFirst: true)
      if !columnsFirst.isEquivalent(to: rowsFirst, order: order) && !columnsFirst.losesBits(matrix)
      {
        let first = chosen.isSingular ? 0 : chosen.reciprocalCondition(control: analysis.control)
        estimate = first
        if first < LUFactorization.retryBelowReciprocalCondition {
          let other = try Attempt(
            matrix, scaling: columnsFirst, analysis: analysis, symbolic: symbolic)
          let second = other.isSingular ? 0 : other.reciprocalCondition(control: analysis.control)
          if (chosen.isSingular && !other.isSingular)
            || second > LUFactorization.preferenceFactor * first
          {
            (chosen, estimate) = (other, second)
          }
        }
      }
    }
    knownReciprocalCondition = estimate
    (self.matrix, equilibration, numeric) = (chosen.matrix, chosen.scaling, chosen.numeric)
    let report = chosen.report
    self.flops = report.flops
    self.peakMemoryBytes = report.peakMemoryBytes
    self.factorNonzeros = report.factorNonzeros
    self.pivotRatio = report.pivotRatio
    if chosen.isSingular {
      let pivot = UMFPACK.smallestPivotColumn(chosen.numeric, order: order)
      throw .singular(
        routine: report.singular ? Self.routine : Self.routine + " (pivot below n·ε·max|u|)",
        pivot: pivot.column)
    }
  }

  /// One numeric factorization of `matrix` under one scaling.
  private struct Attempt {
    let scaling: Equilibration
    /// `R·A·C`.
    let matrix: SparseMatrix
    let numeric: UMFPACK.Numeric
    let report: UMFPACK.NumericReport

    /// Non-zeros of `R·A·C` below 2⁻²⁰ (`LUFactorization.negligibleScaledEntry`).
    let negligibleEntries: Int

    init(
      _ original: SparseMatrix, scaling: Equilibration, analysis: SparseLUAnalysis,
      symbolic: UMFPACK.Symbolic
    ) throws(LinearAlgebraError) {
      self.scaling = scaling
      matrix = scaling.applied(to: original)
      negligibleEntries = matrix.values.reduce(0) {
        $0 + ($1 != 0 && abs($1) < LUFactorization.negligibleScaledEntry ? 1 : 0)
      }
      (numeric, report) = try UMFPACK.numeric(matrix, symbolic: symbolic, control: analysis.control)
    }

    /// Hager–Higham's estimate for `R·A·C` (see `reciprocalConditionNumber()`).
    func reciprocalCondition(control: [Double]) -> Double {
      SparseLUFactorization.estimate(matrix, numeric: numeric, control: control)
    }

    /// A zero pivot, or one with `|u_kk| ≤ n·ε·max|u|`.
    var isSingular: Bool {
      report.singular || !(report.pivotRatio > Double(matrix.order) * Double.ulpOfOne / 2)
    }
  }

  /// Hager–Higham's estimate of the reciprocal condition number
  /// `1 / (‖A_s‖₁·‖A_s⁻¹‖₁)` of the equilibrated matrix `A_s` (LAPACK `dlacn2`
  /// on UMFPACK solves without iterative refinement), as `dgecon` estimates it
  /// for the dense LU: usually within a factor 3, where `pivotRatio` can be
  /// optimistic by orders of magnitude (10⁴ on `I − γP` with `1 − γ = 10⁻⁶`).
  ///
  /// - Complexity: about five solves, O(nonzeros of L + U) each.
  package func reciprocalConditionNumber() -> Double {
    if let knownReciprocalCondition { return knownReciprocalCondition }
    guard order > 0, let numeric else { return 1 }
    return Self.estimate(matrix, numeric: numeric, control: analysis.control)
  }

  /// Hager–Higham's estimate for the factored `matrix` (solves without refinement).
  fileprivate static func estimate(
    _ matrix: SparseMatrix, numeric: UMFPACK.Numeric, control: [Double]
  ) -> Double {
    let order = matrix.order
    let control = UMFPACK.withoutRefinement(control)
    var wi = [Int](repeating: 0, count: order)
    var w = [Double](repeating: 0, count: 5 * order)
    var b = [Double](repeating: 0, count: order)
    return LAPACK.reciprocalCondition(order: order, oneNorm: matrix.oneNorm) { x, transpose in
      for i in 0..<order { b[i] = x[i] }
      do {
        try UMFPACK.solve(
          matrix, numeric: numeric, transpose: transpose, x: x.baseAddress!, b: b,
          control: control, wi: &wi, w: &w)
        return true
      } catch {
        return false
      }
    }
  }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) in place, one `umfpack_dl_wsolve` per
  /// column (with UMFPACK's iterative refinement) on the equilibrated system,
  /// sharing one workspace.
  ///
  /// - Complexity: O(nonzeros of L + U) per column.
  /// - Throws: `.nonFinite(routine: "umfpack_dl_wsolve")` if the solution is not
  ///   finite (left in place) or a solve overflowed inside UMFPACK.
  package func solve(
    _ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool
  ) throws(LinearAlgebraError) {
    guard order > 0, rightHandSides > 0, let numeric else { return }
    equilibration.scaleRightHandSides(
      b, order: order, rightHandSides: rightHandSides, transpose: transpose)
    try solveEquilibrated(numeric, b, rightHandSides: rightHandSides, transpose: transpose)
    equilibration.scaleSolutions(
      b, order: order, rightHandSides: rightHandSides, transpose: transpose)
    // Scaling back (by powers of two) can overflow a finite solution.
    if b.contains(where: { !$0.isFinite }) { throw .nonFinite(routine: "umfpack_dl_wsolve") }
  }

  /// `solve` on the equilibrated system `A_s` (right-hand sides already scaled);
  /// a non-finite solution is scaled back and left in place before the error.
  private func solveEquilibrated(
    _ numeric: UMFPACK.Numeric, _ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int,
    transpose: Bool
  ) throws(LinearAlgebraError) {
    var wi = [Int](repeating: 0, count: order)
    var w = [Double](repeating: 0, count: 5 * order)
    var x = [Double](repeating: 0, count: order)
    // ‖op(A)‖∞, for the residual check of every column.
    let operatorNorm = transpose ? matrix.oneNorm : matrix.infinityNorm
    for c in 0..<rightHandSides {
      let column = b.baseAddress! + c * order
      try wi.withUnsafeMutableBufferPointer { (wip) throws(LinearAlgebraError) in
        try w.withUnsafeMutableBufferPointer { (wp) throws(LinearAlgebraError) in
          try x.withUnsafeMutableBufferPointer { (xp) throws(LinearAlgebraError) in
            try UMFPACK.solve(
              matrix, numeric: numeric, transpose: transpose, x: xp.baseAddress!,
              b: UnsafePointer(column), control: analysis.control, wi: wip.baseAddress!,
              w: wp.baseAddress!)
          }
        }
      }
      if x.contains(where: { !$0.isFinite }) {
        // Left in place (in the caller's scaling), so that the caller can name
        // where it overflowed.
        for i in 0..<order { column[i] = x[i] }
        equilibration.scaleSolutions(
          UnsafeMutableBufferPointer(start: column, count: order), order: order, rightHandSides: 1,
          transpose: transpose)
        throw .nonFinite(routine: "umfpack_dl_wsolve")
      }
      // A solve that overflowed inside UMFPACK's scaled factors can come back
      // finite and wrong (zero where the true solution is beyond the largest
      // Double): the residual, which a stable solve with iterative refinement
      // keeps at rounding level, tells.
      guard
        residualIsSmall(
          x, rightHandSide: UnsafeBufferPointer(start: column, count: order), transpose: transpose,
          operatorNorm: operatorNorm)
      else {
        throw .nonFinite(
          routine:
            "umfpack_dl_wsolve (its solution does not satisfy the system: an overflow inside the solve)"
        )
      }
      for i in 0..<order { column[i] = x[i] }
    }
  }

  /// Whether `‖b − op(A)·x‖∞ ≤ 10⁻⁶·(‖op(A)‖∞·‖x‖∞ + ‖b‖∞)`: far above what a
  /// backward-stable solve leaves, far below a wrong solution's residual.
  ///
  /// - Complexity: O(order + nonzeros).
  private func residualIsSmall(
    _ x: [Double], rightHandSide b: UnsafeBufferPointer<Double>, transpose: Bool,
    operatorNorm: Double
  ) -> Bool {
    var r = Array(b)
    for j in 0..<order {
      for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] {
        let i = matrix.rowIndices[k]
        if transpose { r[j] -= matrix.values[k] * x[i] } else { r[i] -= matrix.values[k] * x[j] }
      }
    }
    var residual = 0.0
    var xSize = 0.0
    var bSize = 0.0
    for i in 0..<order {
      // A NaN (∞ − ∞ in an overflowing product) counts as a large residual.
      if !(abs(r[i]) <= residual) { residual = abs(r[i]) }
      xSize = max(xSize, abs(x[i]))
      bSize = max(bSize, abs(b[i]))
    }
    return residual <= 1e-6 * (operatorNorm * xSize + bSize)
  }
}
