/// How the multiplier system `D λ = −∇f` (and its transpose `Dᵀ τ = −v`) is solved.
///
/// Every solver returns the same numbers within round-off on every program it
/// accepts, and refuses with a typed error a program it cannot handle.
public enum Solver: String, Sendable, CaseIterable, CustomStringConvertible {
  /// Chooses: `.sweep` for acyclic programs, `.blockTriangular` for cyclic ones
  /// (or `.bandedLU` where the band — in program or declaration order — is narrow),
  /// and inside `.blockTriangular` a method per block (scalar, band, dense or sparse
  /// LU, GMRES: see `.blockTriangular`). The choice and its reason are reported on
  /// the result.
  case automatic
  /// Back-substitution straight on the local partials (reverse-mode automatic
  /// differentiation): O(n + edges), no matrix. Acyclic programs only.
  case sweep
  /// Dense `D` (non-input block) and a triangular solve (`dtrsv` for one
  /// right-hand side, `dtrtrs` for several). O(m²) memory. Acyclic programs only.
  case triangular
  /// `D` in triangular band storage and `dtbtrs`: O(m·k). Acyclic programs only.
  case bandedTriangular
  /// Dense `D` (non-input block), LU with `dgetrf` once and `dgetrs` per solve.
  /// O(m²) memory, O(m³) time. Any program. When the whole non-input part is one
  /// affine cyclic block of feedback variables (`v = r + γPv`, say), the forward
  /// solve's LU of `S = D_zzᵀ` is reused: the gradient costs one `dgetrf`.
  case lu
  /// `D` in band storage, LU with `dgbtrf` once and `dgbtrs` per solve: O(m·k²). Any
  /// program. The band is measured in program order and in declaration order, and
  /// stored in the narrower (a problem declared in its natural order keeps its band).
  case bandedLU
  /// Strongly connected components in topological order: the sweep across the
  /// acyclic parts and, per cyclic block, a factorization of its reduced Jacobian
  /// (the size of the block's feedback variables: a division, band LU or dense LU)
  /// or, for a large block where it is cheaper, a sparse LU or GMRES on the whole
  /// block, chosen from a breadth-first fill screen and the AMD ordering's exact
  /// count of the sparse LU's flops. O(edges + Σ m_b³) with dense blocks. Any program.
  case blockTriangular
  /// `D` (non-input block) in compressed sparse column storage, assembled from the
  /// partials, and a sparse LU (SuiteSparse UMFPACK: fill-reducing ordering,
  /// multifrontal over BLAS) factored once for every solve, `Aᵀ` included. Cyclic
  /// blocks' Newton steps use a sparse LU of the block too. Memory O(nonzeros of
  /// L + U), refused over `SolveOptions.matrixByteLimit` by the fill estimate.
  /// Any program. Excellent on grids; catastrophic fill on random sparse graphs.
  case sparseLU
  /// `D` (non-input block) in compressed sparse column storage and restarted GMRES
  /// with an ILU(0) preconditioner for every solve (adjoints with `D`, tangents and
  /// `implicitJacobian` with `Dᵀ`), to `SolveOptions.krylovTolerance`; Newton steps of
  /// cyclic blocks are inexact GMRES solves. Memory O(nonzeros + restart·m). A solve
  /// that does not converge throws `.krylovNotConverged`; the adjoint's achieved
  /// residual is `GradientResult.krylovResidual`. Any program.
  case krylov

  /// The solver's name, as in `.lu`.
  public var description: String { rawValue }

  /// Whether the solver refuses programs with cycles.
  public var requiresAcyclic: Bool {
    self == .sweep || self == .triangular || self == .bandedTriangular
  }
}
