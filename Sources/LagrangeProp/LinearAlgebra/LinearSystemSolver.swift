/// A square system `A` ready to solve `A·x = b` and `Aᵀ·x = b` in place: a
/// factorization (`LUFactorization`, `BandLUFactorization`) or a triangular
/// matrix (`TriangularMatrix`, `TriangularBandMatrix`).
///
/// Conforming types implement one raw, in-place solve on a column-major buffer;
/// the checked conveniences for vectors and matrices come from this protocol,
/// the way Julia's `ldiv!` underlies `F \ b`.
package protocol LinearSystemSolver: Sendable {
  /// The order `n` of the system.
  var order: Int { get }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) in place on a column-major buffer of
  /// `rightHandSides` columns of length `order` (the LAPACK call itself).
  ///
  /// - Precondition: `b.count == order · rightHandSides`.
  /// - Throws: `LinearAlgebraError.singular` / `.nonFinite` from the routine.
  func solve(
    _ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool
  ) throws(LinearAlgebraError)

  /// Solves `A·x = b` (or `Aᵀ·x = b`) in place for one right-hand side. A default
  /// is provided; a type with a faster single-vector routine (`dtrsv`) supplies its own.
  func solve(inPlace b: inout [Double], transpose: Bool) throws(LinearAlgebraError)
}

extension LinearSystemSolver {
  /// Solves `A·x = b` (or `Aᵀ·x = b` with `transpose`) in place, overwriting `b` with `x`.
  ///
  /// - Throws: `.dimensionMismatch` if `b.count ≠ n`; `.singular` / `.nonFinite` from the routine.
  package func solve(inPlace b: inout [Double], transpose: Bool = false) throws(LinearAlgebraError)
  {
    guard b.count == order else {
      throw .dimensionMismatch(operation: "\(Self.self).solve", expected: order, actual: b.count)
    }
    try b.withUnsafeMutableBufferPointer { (bp) throws(LinearAlgebraError) in
      try solve(bp, rightHandSides: 1, transpose: transpose)
    }
  }

  /// Solves `A·x = b` (or `Aᵀ·x = b`) and returns `x`.
  ///
  /// - Throws: as `solve(inPlace:transpose:)`.
  package func solve(_ b: [Double], transpose: Bool = false) throws(LinearAlgebraError) -> [Double]
  {
    var x = b
    try solve(inPlace: &x, transpose: transpose)
    return x
  }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) for several right-hand sides at once, in place.
  ///
  /// - Throws: `.dimensionMismatch` if `B.rows ≠ n`; `.singular` / `.nonFinite` from the routine.
  package func solve(inPlace b: inout Matrix, transpose: Bool = false) throws(LinearAlgebraError) {
    guard b.rows == order else {
      throw .dimensionMismatch(operation: "\(Self.self).solve", expected: order, actual: b.rows)
    }
    let columns = b.columns
    try b.elements.withUnsafeMutableBufferPointer { (bp) throws(LinearAlgebraError) in
      try solve(bp, rightHandSides: columns, transpose: transpose)
    }
  }

  /// Solves `A·X = B` (or `Aᵀ·X = B`) and returns `X`.
  ///
  /// - Throws: as `solve(inPlace:transpose:)`.
  package func solve(_ b: Matrix, transpose: Bool = false) throws(LinearAlgebraError) -> Matrix {
    var x = b
    try solve(inPlace: &x, transpose: transpose)
    return x
  }
}
