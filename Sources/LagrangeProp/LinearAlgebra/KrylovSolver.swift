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

  /// The order `n`.
  package var order: Int { matrix.order }

  /// A solver for `matrix`, building its preconditioner (ILU(0) by default,
  /// Jacobi where ILU(0) meets a zero pivot).
  ///
  /// - Complexity: that of the preconditioner (see `SparsePreconditioner`).
  package init(
    _ matrix: SparseMatrix, settings: KrylovSettings = KrylovSettings(),
    preconditioner: KrylovPreconditionerKind = .incompleteLU
  ) {
    self.matrix = matrix
    self.settings = settings
    self.preconditioner = SparsePreconditioner(matrix, kind: preconditioner)
  }

  /// Solves `A·x = b` (or `Aᵀ·x = b`) for one right-hand side in place, to the
  /// relative `tolerance` (default `settings.tolerance`), from `x = 0`.
  ///
  /// - Complexity: per iteration O(nonzeros + restart · order).
  /// - Throws: `.krylovNotConverged(iterations:residual:tolerance:)`; `.nonFinite`.
  package func solve(
    _ b: UnsafeMutableBufferPointer<Double>, transpose: Bool, tolerance: Double? = nil
  ) throws(LinearAlgebraError) -> KrylovOutcome {
    var run = settings
    if let tolerance { run.tolerance = tolerance }
    var x = [Double](repeating: 0, count: order)
    let outcome = try x.withUnsafeMutableBufferPointer { (xp) throws(LinearAlgebraError) in
      try GMRES.solve(
        order: order, settings: run, b: UnsafeBufferPointer(b), x: xp,
        apply: { v, y in matrix.multiply(v, into: y, transpose: transpose) },
        precondition: { v in preconditioner.apply(v, transpose: transpose) })
    }
    for i in 0..<order { b[i] = x[i] }
    return outcome
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
