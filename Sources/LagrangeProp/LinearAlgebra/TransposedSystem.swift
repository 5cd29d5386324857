/// A solver for `Aᵀ` from a solver for `A`: every solve flips `transpose`, so a
/// factorization of `Aᵀ` serves as one of `A` without a transposed copy.
package struct TransposedSystem<Base: LinearSystemSolver>: LinearSystemSolver {
  /// The solver of `A`.
  package let base: Base

  /// Wraps a solver of `A` as one of `Aᵀ`.
  package init(_ base: Base) { self.base = base }

  /// The order `n`.
  package var order: Int { base.order }

  /// Solves `Aᵀ·X = B` (or `A·X = B` with `transpose`) in place.
  ///
  /// - Throws: as the base solver.
  package func solve(
    _ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool
  ) throws(LinearAlgebraError) {
    try base.solve(b, rightHandSides: rightHandSides, transpose: !transpose)
  }

  /// Solves `Aᵀ·x = b` (or `A·x = b`) in place for one right-hand side.
  ///
  /// - Throws: as the base solver.
  package func solve(inPlace b: inout [Double], transpose: Bool = false) throws(LinearAlgebraError)
  {
    try base.solve(inPlace: &b, transpose: !transpose)
  }
}
