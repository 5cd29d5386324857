/// A solver for `A` from a solver for the symmetrically permuted `A' = P·A·Pᵀ`,
/// `(P·v)[position[i]] = v[i]`: `A·x = b ⇔ A'·(P·x) = P·b`, and the same for
/// `Aᵀ`. Used to factor a band matrix in the order that makes its band narrow.
package struct PermutedSystem<Base: LinearSystemSolver>: LinearSystemSolver {
  /// The solver of `P·A·Pᵀ`.
  package let base: Base
  /// `position[i]`: where row and column `i` of `A` sit in `P·A·Pᵀ`.
  package let position: [Int]

  /// Wraps a solver of `P·A·Pᵀ`.
  package init(_ base: Base, position: [Int]) {
    self.base = base
    self.position = position
  }

  /// The order `n`.
  package var order: Int { base.order }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) in place: permute, solve, permute back.
  ///
  /// - Complexity: the base solve plus O(n) per column.
  /// - Throws: as the base solver; a `.singular` pivot is reported in `P·A·Pᵀ`'s indices.
  package func solve(
    _ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool
  ) throws(LinearAlgebraError) {
    let n = order
    var permuted = [Double](repeating: 0, count: n * rightHandSides)
    for c in 0..<rightHandSides {
      for i in 0..<n { permuted[c * n + position[i]] = b[c * n + i] }
    }
    try permuted.withUnsafeMutableBufferPointer { (p) throws(LinearAlgebraError) in
      try base.solve(p, rightHandSides: rightHandSides, transpose: transpose)
    }
    for c in 0..<rightHandSides {
      for i in 0..<n { b[c * n + i] = permuted[c * n + position[i]] }
    }
  }
}
