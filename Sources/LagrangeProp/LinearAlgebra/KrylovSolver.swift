import Foundation

/// An iterative solver of a sparse system `A·x = b` or `Aᵀ·x = b`: restarted
/// GMRES (right-preconditioned, see `GMRES`) with a Jacobi or ILU(0)
/// preconditioner. Like a factorization it is built once and solves any number
/// of right-hand sides; unlike one it may fail to converge, and then throws
/// instead of returning an approximation.
///
/// ```swift
/// let krylov = KrylovSolver(a, settings: KrylovSettings(tolerance: 1e-12))
/// let x = try krylov.solve(b)                   // A x = b, ‖b − A x‖ ≤ 1e-12 ‖b‖
/// let y = try krylov.solve(c, transpose: true)  // Aᵀ y = c (no transposed copy)
/// ```
package struct KrylovSolver: LinearSystemSolver {
  /// The matrix.
  package let matrix: SparseMatrix
  /// Tolerance, iteration limit and restart length.
  package let settings: KrylovSettings
  /// The preconditioner.
  package let preconditioner: SparsePreconditioner
  /// Row and column scales `R`, `C` (see `twoSidedScaling`): GMRES solves the
  /// equilibrated `B·y = R·b`, `x = C·y` (and `Bᵀ·z = C·b`, `x = R·z`) with
  /// `B = R·A·C`, so that badly scaled equations weigh alike in the residual
  /// and a badly scaled variable does not bound the attainable residual.
  let rowScale: [Double]
  let columnScale: [Double]
  /// `B = R·A·C` and `Bᵀ` as gather loops (the products GMRES takes).
  let equilibrated: KrylovOperator
  /// The singularity check started by `startingSingularityCheck()`, if any.
  private var check: KrylovConditionCheck?
  /// The Krylov basis of the last solve, kept for the next (shared by copies,
  /// and by every solver a program builds for the same block).
  private let bases: KrylovBasisPool

  /// The order `n`.
  package var order: Int { matrix.order }

  /// Whether `startingSingularityCheck()` made this solver.
  var isCheckStarted: Bool { check != nil }

  /// About the bytes this solver holds: the matrix (16 bytes per non-zero),
  /// its row-wise equilibrated values (8), ILU(0)'s factors in both
  /// orientations (16) and the two-way pattern (16), plus `O(n)` — and the
  /// pages of the kept Krylov basis its solves touched (8·n per iteration of
  /// the longest restart cycle), not counted here.
  ///
  /// - Complexity: O(1).
  var byteCount: Int { 56 * matrix.nonzeroCount + 80 * order }

  /// This solver with its singularity check decided: by the certificate of
  /// `diagonalDominanceBound()` when the equilibrated matrix is strictly
  /// diagonally dominant by columns (no solve), else by
  /// `reciprocalConditionEstimate()` started on a background thread, so that it
  /// runs alongside the first solve; `reciprocalCondition()` waits for it.
  ///
  /// - Complexity: O(n + nonzeros) here; the check, if needed, is one GMRES
  ///   solve to a loose tolerance.
  package func startingSingularityCheck() -> KrylovSolver {
    var checked = self
    checked.check =
      diagonalDominanceBound().map { KrylovConditionCheck(certified: $0) }
      ?? KrylovConditionCheck(self)
    return checked
  }

  /// The check's estimate of the reciprocal condition number (waiting for it
  /// to finish), or `nil` if no check was started: a lower bound when the
  /// matrix was certified diagonally dominant, else the solve's estimate,
  /// which is never below the true value.
  ///
  /// A certificate's bound below `threshold` is replaced by the solve's estimate
  /// (computed now): Varah's bound can be far below the true value (on a
  /// boundary-value problem whose `u³` term makes it barely dominant, 1.1·10⁻⁶
  /// where the truth is 4.6·10⁻³), and a matrix is refused as ill-conditioned on
  /// an estimate, never on a bound alone.
  ///
  /// - Complexity: waiting for the check, plus one loose GMRES solve when a
  ///   certificate's bound is below `threshold`.
  /// - Throws: what `reciprocalConditionEstimate()` throws: `.singular` when the
  ///   matrix is singular as far as GMRES can tell, `.krylovNotConverged`, `.nonFinite`.
  package func reciprocalCondition(refiningBelow threshold: Double = 0)
    throws(LinearAlgebraError) -> Double?
  {
    guard let check else { return nil }
    let value = try check.result()
    guard check.isCertified, value < threshold else { return value }
    return try reciprocalConditionEstimate()
  }

  /// A solver for `matrix`, building its preconditioner (ILU(0) by default,
  /// Jacobi where ILU(0) meets a zero pivot).
  ///
  /// - Complexity: that of the preconditioner (see `SparsePreconditioner`).
  package init(
    _ matrix: SparseMatrix, settings: KrylovSettings = KrylovSettings(),
    preconditioner: KrylovPreconditionerKind = .incompleteLU
  ) {
    self.init(matrix, settings: settings, preconditioner: preconditioner, pattern: nil)
  }

  /// A solver for `matrix` whose two orientations are `pattern` (built here if
  /// `nil`; a program keeps it per block, so that repeated calls reuse it).
  ///
  /// - Parameter bases: where the solves keep their Krylov basis between
  ///   calls (a program passes one per block, so that the next solver for the
  ///   block writes into pages already faulted in); a new pool if `nil`.
  init(
    _ matrix: SparseMatrix, settings: KrylovSettings,
    preconditioner: KrylovPreconditionerKind, pattern: SparsePattern?,
    bases: KrylovBasisPool? = nil
  ) {
    let pattern = pattern ?? SparsePattern(matrix)
    self.init(
      matrix, settings: settings,
      preconditioner: SparsePreconditioner(matrix, kind: preconditioner, pattern: pattern),
      pattern: pattern, bases: bases ?? KrylovBasisPool())
  }

  /// A solver for `matrix` with a preconditioner built elsewhere (e.g. the
  /// sparse LU of a nearby matrix).
  ///
  /// - Complexity: O(n + nonzeros) for the equilibration and the row-wise copy
  ///   of the matrix (`KrylovOperator`).
  package init(
    _ matrix: SparseMatrix, settings: KrylovSettings, preconditioner: SparsePreconditioner
  ) {
    self.init(
      matrix, settings: settings, preconditioner: preconditioner, pattern: SparsePattern(matrix),
      bases: KrylovBasisPool())
  }

  /// A solver for `matrix`, whose two orientations are `pattern`.
  private init(
    _ matrix: SparseMatrix, settings: KrylovSettings, preconditioner: SparsePreconditioner,
    pattern: SparsePattern, bases: KrylovBasisPool
  ) {
    self.bases = bases
    self.matrix = matrix
    self.settings = settings
    self.preconditioner = preconditioner
    // Each row's and column's largest magnitude, rows by the row-wise pattern:
    // both are gathers over fixed blocks on every core (a maximum does not
    // depend on the order it is taken in).
    let n = matrix.order
    var rowMax = [Double](repeating: 0, count: n)
    var columnMax = [Double](repeating: 0, count: n)
    let parallel = ParallelBlocks.isParallel(work: matrix.nonzeroCount)
    matrix.values.withUnsafeBufferPointer { values in
      rowMax.withUnsafeMutableBufferPointer { rowMax in
        pattern.rowStart.withUnsafeBufferPointer { start in
          pattern.columnPosition.withUnsafeBufferPointer { position in
            ParallelBlocks.forEach(count: n, blockLength: 1 << 14, parallel: parallel) {
              _, rows in
              for i in rows {
                var largest = 0.0
                for r in start[i]..<start[i + 1] {
                  largest = max(largest, abs(values[position[r]]))
                }
                rowMax[i] = largest
              }
            }
          }
        }
      }
      columnMax.withUnsafeMutableBufferPointer { columnMax in
        matrix.columnStart.withUnsafeBufferPointer { start in
          ParallelBlocks.forEach(count: n, blockLength: 1 << 14, parallel: parallel) {
            _, columns in
            for j in columns {
              var largest = 0.0
              for k in start[j]..<start[j + 1] { largest = max(largest, abs(values[k])) }
              columnMax[j] = largest
            }
          }
        }
      }
    }
    (self.rowScale, self.columnScale) = Self.twoSidedScaling(
      matrix, pattern: pattern, rowMax: rowMax, columnMax: columnMax)
    self.equilibrated = KrylovOperator(
      matrix, pattern: pattern, rowScale: rowScale, columnScale: columnScale)
  }

  /// Row and column scales `R`, `C` for `B = R·A·C` with every row's and every
  /// column's largest entry near 1: rows first (`R = 1/max_j |a_ij|`, then `C`
  /// from `R·A`) or columns first, whichever leaves the larger sum of the
  /// scaled non-zeros' binary exponents. Rows first does not undo a scaled column (a
  /// variable substituted by `10⁸·w`: its large entries set the scales of the
  /// rows they meet and leave those rows' other entries negligible, and GMRES's
  /// attainable residual rises to about `10⁸·ε`), nor columns first a scaled row
  /// (a constraint multiplied by `10⁸`). When every row and column maximum is
  /// within a factor 2 of 1, their reciprocals are taken as they are.
  ///
  /// - Complexity: O(n + nonzeros).
  static func twoSidedScaling(
    _ matrix: SparseMatrix, pattern: SparsePattern, rowMax: [Double], columnMax: [Double]
  ) -> (rows: [Double], columns: [Double]) {
    func reciprocal(_ m: Double) -> Double { m > 0 && m.isFinite ? 1 / m : 1 }
    let n = matrix.order
    // Every maximum within a factor 2 of 1 (a discounted chain's `I − γP`): the
    // plain reciprocals already leave every entry within a factor 4 of the
    // two-sided scaling, and cost no further pass over the entries.
    let nearOne = { (m: Double) in m >= 0.5 && m <= 2 }
    if rowMax.allSatisfy(nearOne) && columnMax.allSatisfy(nearOne) {
      return (rowMax.map(reciprocal), columnMax.map(reciprocal))
    }
    // Rows first: C from the columns of R·A.
    let rowsFirstRows = rowMax.map(reciprocal)
    var rowsFirstColumns = [Double](repeating: 1, count: n)
    for j in 0..<n {
      var largest = 0.0
      for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] {
        largest = max(largest, abs(rowsFirstRows[matrix.rowIndices[k]] * matrix.values[k]))
      }
      rowsFirstColumns[j] = reciprocal(largest)
    }
    // Columns first: R from the rows of A·C.
    let columnsFirstColumns = columnMax.map(reciprocal)
    var columnsFirstRows = [Double](repeating: 0, count: n)
    for j in 0..<n {
      for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] {
        let i = matrix.rowIndices[k]
        columnsFirstRows[i] = max(
          columnsFirstRows[i], abs(matrix.values[k] * columnsFirstColumns[j]))
      }
    }
    for i in 0..<n { columnsFirstRows[i] = reciprocal(columnsFirstRows[i]) }
    // The order whose scaled entries are larger overall (by their binary
    // exponents: the other order shrinks the entries a scaled row or column
    // dominates, by that scaling).
    func exponentSum(_ rows: [Double], _ columns: [Double]) -> Int {
      var sum = 0
      for j in 0..<n {
        for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] where matrix.values[k] != 0 {
          let b = rows[matrix.rowIndices[k]] * matrix.values[k] * columns[j]
          sum &+= b == 0 ? -1100 : Int(b.exponent)  // an underflow to 0: below every exponent
        }
      }
      return sum
    }
    return exponentSum(columnsFirstRows, columnsFirstColumns)
      > exponentSum(rowsFirstRows, rowsFirstColumns)
      ? (columnsFirstRows, columnsFirstColumns) : (rowsFirstRows, rowsFirstColumns)
  }

  /// Solves `A·x = b` (or `Aᵀ·x = b`) for one right-hand side in place, to the
  /// relative `tolerance` (default `settings.tolerance`) on the equilibrated
  /// system, `‖R·(b − A·x)‖₂ ≤ tolerance·‖R·b‖₂` (`C·…` for `Aᵀ`), from `x = 0`.
  ///
  /// - Complexity: per iteration O(nonzeros + restart · order).
  /// - Throws: `.krylovNotConverged(iterations:residual:tolerance:)`; `.nonFinite`.
  package func solve(
    _ b: UnsafeMutableBufferPointer<Double>, transpose: Bool, tolerance: Double? = nil
  ) throws(LinearAlgebraError) -> KrylovOutcome {
    var run = settings
    if let tolerance { run.tolerance = tolerance }
    var x = [Double](repeating: 0, count: order)
    let (scale, solutionScale) = transpose ? (columnScale, rowScale) : (rowScale, columnScale)
    for i in 0..<order { b[i] *= scale[i] }
    let outcome = try x.withUnsafeMutableBufferPointer { (xp) throws(LinearAlgebraError) in
      try solveEquilibrated(UnsafeBufferPointer(b), into: xp, transpose: transpose, settings: run)
    }
    for i in 0..<order { b[i] = x[i] * solutionScale[i] }
    return outcome
  }

  /// GMRES on the equilibrated system `R·A·x = c` (or `C·Aᵀ·x = c`): `c` is
  /// already scaled, `x` holds the initial guess and, even when this throws,
  /// the last iterate.
  ///
  /// - Throws: as `GMRES.solve`.
  func solveEquilibrated(
    _ c: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>,
    transpose: Bool, settings run: KrylovSettings, stopsOnStagnation: Bool = false
  ) throws(LinearAlgebraError) -> KrylovOutcome {
    var basis = bases.take()
    defer { bases.give(basis) }
    let (before, after) = transpose ? (columnScale, rowScale) : (rowScale, columnScale)
    return try before.withUnsafeBufferPointer { (s) throws(LinearAlgebraError) in
      try after.withUnsafeBufferPointer { (t) throws(LinearAlgebraError) in
        try GMRES.solve(
          order: order, settings: run, b: c, x: x, basis: &basis,
          stopsOnStagnation: stopsOnStagnation,
          apply: { v, y in equilibrated.apply(v, into: y, transpose: transpose) },
          precondition: { v in
            // The preconditioner of B = R·A·C is R·M·C: (R·M·C)⁻¹ = C⁻¹·M⁻¹·R⁻¹
            // (for Bᵀ = C·Aᵀ·R: R⁻¹·M⁻ᵀ·C⁻¹).
            guard preconditioner.kind != .identity else { return }
            for i in 0..<v.count { v[i] /= s[i] }
            preconditioner.apply(v, transpose: transpose)
            for i in 0..<v.count { v[i] /= t[i] }
          })
      }
    }
  }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) column by column in place (the
  /// `LinearSystemSolver` requirement).
  ///
  /// - Throws: `.krylovNotConverged` for the first column that does not converge; `.nonFinite`.
  package func solve(
    _ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool
  ) throws(LinearAlgebraError) {
    for c in 0..<rightHandSides {
      _ = try solve(
        UnsafeMutableBufferPointer(rebasing: b[(c * order)..<((c + 1) * order)]),
        transpose: transpose)
    }
  }
}

/// One Krylov basis kept between the solves of a `KrylovSolver` and its
/// copies, so that a second solve (the adjoint after the forward solve, the
/// next call with a `Program.Workspace`) writes into pages already faulted in.
/// A solve running while another holds the basis allocates its own; at most
/// one basis is kept.
final class KrylovBasisPool: @unchecked Sendable {
  private let lock = NSLock()
  /// Guarded by `lock`.
  private var kept: [Double] = []

  /// The kept basis (empty if none, or if another solve holds it).
  func take() -> [Double] {
    lock.withLock {
      var taken: [Double] = []
      swap(&taken, &kept)
      return taken
    }
  }

  /// Keeps `basis` for the next solve, unless one is kept already.
  func give(_ basis: [Double]) {
    lock.withLock { if kept.isEmpty { kept = basis } }
  }
}
