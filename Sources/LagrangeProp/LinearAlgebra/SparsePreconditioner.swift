/// The preconditioner of a Krylov solve.
package enum KrylovPreconditionerKind: String, Sendable, CaseIterable {
  /// None (`M = I`).
  case identity
  /// Jacobi: `M = diag(A)` (a zero diagonal entry is taken as 1).
  case jacobi
  /// Incomplete LU with no fill, ILU(0): `M = L·U` on the pattern of `A`. In
  /// program order it eliminates a block's acyclic part exactly, so GMRES works
  /// on (an approximation of) the feedback variables' Schur complement.
  case incompleteLU
  /// A sparse LU (UMFPACK) of the matrix — or, built with
  /// `init(factorization:)`, of a nearby one (Newton's previous Jacobian): GMRES
  /// then converges in a few iterations while the matrix drifts.
  case sparseLU
}

/// A preconditioner `M ≈ A` for `SparseMatrix` systems, applicable as `M⁻¹`
/// and `M⁻ᵀ` without a transposed copy.
///
/// ILU(0) is computed on `B = Aᵀ`, whose CSR arrays are `A`'s CSC arrays
/// (IKJ variant, Saad §10.3.2): `B ≈ L·U` with unit lower `L` and upper `U` on
/// `B`'s pattern. Then `M⁻ᵀ = (L·U)⁻¹` is a forward and a backward row sweep,
/// and `M⁻¹ = (Uᵀ·Lᵀ)⁻¹` the same sweeps by columns.
package struct SparsePreconditioner: Sendable {
  /// The kind actually built (ILU(0) falls back to Jacobi on a zero pivot, a
  /// sparse LU to ILU(0) on a singular matrix).
  package let kind: KrylovPreconditionerKind
  private let order: Int
  private let columnStart: [Int]
  private let rowIndices: [Int]
  /// ILU(0): `L` (strictly below the diagonal, rows of `B`) and `U` in `A`'s
  /// slots; Jacobi: the inverted diagonal.
  private let values: [Double]
  private let diagonal: [Int]
  private let factorization: SparseLUFactorization?

  /// `M` = a sparse LU of a matrix of the same order (a frozen Newton Jacobian).
  package init(factorization: SparseLUFactorization) {
    kind = .sparseLU
    order = factorization.order
    columnStart = []
    rowIndices = []
    values = []
    diagonal = []
    self.factorization = factorization
  }

  /// Builds a preconditioner of `kind` for `matrix`.
  ///
  /// - Complexity: Jacobi O(nonzeros); ILU(0) O(Σ_i Σ_{k < i, b_ik ≠ 0} nnz(row k of U)).
  package init(_ matrix: SparseMatrix, kind requested: KrylovPreconditionerKind) {
    order = matrix.order
    columnStart = matrix.columnStart
    rowIndices = matrix.rowIndices
    diagonal = matrix.diagonalPositions
    if requested == .sparseLU, let lu = try? SparseLUFactorization(matrix) {
      kind = .sparseLU
      values = []
      factorization = lu
      return
    }
    factorization = nil
    if requested == .incompleteLU || requested == .sparseLU,
      let factors = Self.incompleteLU(matrix, diagonal: diagonal)
    {
      kind = .incompleteLU
      values = factors
      return
    }
    if requested == .identity {
      kind = .identity
      values = []
      return
    }
    kind = .jacobi
    values = diagonal.map { k in
      let d = k >= 0 ? matrix.values[k] : 0
      return d != 0 && d.isFinite ? 1 / d : 1
    }
  }

  /// ILU(0) of `B = Aᵀ` in `A`'s value slots, or `nil` at a zero or non-finite pivot.
  private static func incompleteLU(_ a: SparseMatrix, diagonal: [Int]) -> [Double]? {
    let n = a.order
    if diagonal.contains(-1) { return nil }
    var values = a.values
    var marker = [Int](repeating: -1, count: n)
    let ok = a.columnStart.withUnsafeBufferPointer { start in
      a.rowIndices.withUnsafeBufferPointer { columns in
        values.withUnsafeMutableBufferPointer { lu in
          marker.withUnsafeMutableBufferPointer { marker in
            diagonal.withUnsafeBufferPointer { diagonal in
              for i in 0..<n {
                for k in start[i]..<start[i + 1] { marker[columns[k]] = k }
                for k in start[i]..<start[i + 1] {
                  let c = columns[k]
                  if c >= i { break }
                  let l = lu[k] / lu[diagonal[c]]
                  lu[k] = l
                  for kk in (diagonal[c] + 1)..<start[c + 1] {
                    let target = marker[columns[kk]]
                    if target >= 0 { lu[target] -= l * lu[kk] }
                  }
                }
                for k in start[i]..<start[i + 1] { marker[columns[k]] = -1 }
                let pivot = lu[diagonal[i]]
                if pivot == 0 || !pivot.isFinite { return false }
              }
              return true
            }
          }
        }
      }
    }
    return ok ? values : nil
  }

  /// `v ← M⁻¹·v` (or `M⁻ᵀ·v` with `transpose`), in place.
  ///
  /// - Complexity: O(order + nonzeros).
  package func apply(_ v: UnsafeMutableBufferPointer<Double>, transpose: Bool) {
    let n = order
    switch kind {
    case .identity:
      return
    case .sparseLU:
      // A solve with a regular factorization of finite values: nothing to throw
      // but a non-finite result, which GMRES then reports as non-finite.
      try? factorization?.solve(v, rightHandSides: 1, transpose: transpose)
    case .jacobi:
      values.withUnsafeBufferPointer { inverse in for i in 0..<n { v[i] *= inverse[i] } }
    case .incompleteLU:
      columnStart.withUnsafeBufferPointer { start in
        rowIndices.withUnsafeBufferPointer { columns in
          values.withUnsafeBufferPointer { lu in
            diagonal.withUnsafeBufferPointer { diagonal in
              if transpose {
                // (L·U) x = v: L y = v by rows, then U x = y by rows, backwards.
                for i in 0..<n {
                  var s = v[i]
                  for k in start[i]..<diagonal[i] { s -= lu[k] * v[columns[k]] }
                  v[i] = s
                }
                var i = n - 1
                while i >= 0 {
                  var s = v[i]
                  for k in (diagonal[i] + 1)..<start[i + 1] { s -= lu[k] * v[columns[k]] }
                  v[i] = s / lu[diagonal[i]]
                  i -= 1
                }
              } else {
                // (Uᵀ·Lᵀ) x = v: Uᵀ y = v by columns of Uᵀ (rows of U), then Lᵀ x = y backwards.
                for i in 0..<n {
                  let y = v[i] / lu[diagonal[i]]
                  v[i] = y
                  if y != 0 {
                    for k in (diagonal[i] + 1)..<start[i + 1] { v[columns[k]] -= lu[k] * y }
                  }
                }
                var i = n - 1
                while i >= 0 {
                  let x = v[i]
                  if x != 0 { for k in start[i]..<diagonal[i] { v[columns[k]] -= lu[k] * x } }
                  i -= 1
                }
              }
            }
          }
        }
      }
    }
  }
}
