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
/// and `M⁻ᵀ` without a transposed copy of `A` (ILU(0): see `IncompleteLU`).
package struct SparsePreconditioner: Sendable {
  /// The kind actually built (ILU(0) falls back to Jacobi on a zero pivot, a
  /// sparse LU to ILU(0) on a singular matrix).
  package let kind: KrylovPreconditionerKind
  private let order: Int
  /// Jacobi: the inverted diagonal.
  private let inverseDiagonal: [Double]
  private let incompleteLU: IncompleteLU?
  private let factorization: SparseLUFactorization?

  /// `M` = a sparse LU of a matrix of the same order (a frozen Newton Jacobian).
  package init(factorization: SparseLUFactorization) {
    kind = .sparseLU
    order = factorization.order
    inverseDiagonal = []
    incompleteLU = nil
    self.factorization = factorization
  }

  /// ILU(0) of `matrix` with its four sweeps level-scheduled (on all cores)
  /// or in row order, as asked, where `init(_:kind:)` decides from the
  /// pattern: for comparing the two. Jacobi where ILU(0) meets a zero pivot.
  ///
  /// - Complexity: as `init(_:kind:)`, plus O(n + nonzeros) for the schedules.
  package init(incompleteLUOf matrix: SparseMatrix, levelScheduled: Bool) {
    self.init(
      matrix, kind: .incompleteLU,
      pattern: SparsePattern(matrix, levelScheduled: levelScheduled))
  }

  /// Whether ILU(0)'s sweeps run level by level on all cores
  /// (`LevelScheduledSweep`) rather than in row order on one.
  package var isLevelScheduled: Bool { incompleteLU?.isLevelScheduled ?? false }

  /// Builds a preconditioner of `kind` for `matrix`.
  ///
  /// - Complexity: Jacobi O(nonzeros); ILU(0) O(Σ_i Σ_{k < i, b_ik ≠ 0} nnz(row k of U)).
  package init(_ matrix: SparseMatrix, kind requested: KrylovPreconditionerKind) {
    self.init(matrix, kind: requested, pattern: nil)
  }

  /// Builds a preconditioner of `kind` for `matrix`, reusing its `pattern`
  /// (built here if `nil` and needed).
  init(_ matrix: SparseMatrix, kind requested: KrylovPreconditionerKind, pattern: SparsePattern?) {
    order = matrix.order
    if requested == .sparseLU, let lu = try? SparseLUFactorization(matrix) {
      kind = .sparseLU
      inverseDiagonal = []
      incompleteLU = nil
      factorization = lu
      return
    }
    factorization = nil
    if requested == .incompleteLU || requested == .sparseLU,
      let factors = IncompleteLU(matrix, pattern: pattern ?? SparsePattern(matrix))
    {
      kind = .incompleteLU
      inverseDiagonal = []
      incompleteLU = factors
      return
    }
    incompleteLU = nil
    if requested == .identity {
      kind = .identity
      inverseDiagonal = []
      return
    }
    kind = .jacobi
    inverseDiagonal = (pattern?.columnDiagonal ?? matrix.diagonalPositions).map { k in
      let d = k >= 0 ? matrix.values[k] : 0
      return d != 0 && d.isFinite ? 1 / d : 1
    }
  }

  /// `v ← M⁻¹·v` (or `M⁻ᵀ·v` with `transpose`), in place.
  ///
  /// - Complexity: O(order + nonzeros).
  package func apply(_ v: UnsafeMutableBufferPointer<Double>, transpose: Bool) {
    switch kind {
    case .identity:
      return
    case .sparseLU:
      // A solve with a regular factorization of finite values: nothing to throw
      // but a non-finite result, which GMRES then reports as non-finite.
      try? factorization?.solve(v, rightHandSides: 1, transpose: transpose)
    case .jacobi:
      inverseDiagonal.withUnsafeBufferPointer { inverse in
        for i in 0..<order { v[i] *= inverse[i] }
      }
    case .incompleteLU:
      incompleteLU?.solve(v, transpose: transpose)
    }
  }
}
