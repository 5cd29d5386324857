/// Options of a solve: the forward (nonlinear) solve of cyclic blocks and the
/// memory limit of dense paths.
public struct SolveOptions: Sendable {
  /// How cyclic blocks are solved in the forward pass.
  public enum ForwardMethod: Sendable, Equatable {
    /// Newton's method on each block's feedback variables, with a dense LU of the
    /// reduced Jacobian and (optionally) backtracking on the residual norm.
    case newton
    /// `z_F ← f_F(…)` repeated (Jacobi on the feedback variables): assignments only,
    /// converges when the map is contracting.
    case fixedPoint
  }

  /// The forward method for cyclic blocks (default `.newton`).
  public var forwardMethod: ForwardMethod = .newton
  /// Convergence of a cyclic block: every feedback residual, relative to the size
  /// of its terms, `|r_i| / (Σ_k |∂c_i/∂z_k · z_k| + |z_i|)` (computed on a scale
  /// that cannot overflow), is at most `tolerance` (default 1e-12; round-off alone
  /// leaves about 1e-16 · the number of terms). A residual whose terms are all zero
  /// converges only when it is exactly zero. Must be finite, in `(0, 0.01]`: a
  /// looser test could accept the initial guess of a problem it has not solved;
  /// every solving call throws `.invalidOption` otherwise.
  public var tolerance: Double = 1e-12
  /// The iteration limit per block; `nil` means 50 for Newton, 10 000 for
  /// fixed-point. Must not be negative; `0` demands that the initial guess
  /// already solve every block (it is still polished and checked).
  public var maxIterations: Int? = nil
  /// Backtracking on Newton steps: halve the step until the residual norm decreases (default on).
  public var backtracking: Bool = true
  /// Starting values for cyclic variables, one per variable in declaration order
  /// (e.g. the `values` of a previous solve: a warm start). `nil` starts from zero,
  /// and once more from one if zero lies outside a local function's domain (e.g.
  /// `log`) or Newton's first step from zero fails (a singular Jacobian there, as
  /// for `u² = x`; the iteration limit then counts from the new start).
  /// Only the blocks' feedback variables are read.
  public var initialGuess: [Double]? = nil
  /// The largest matrix a call may allocate, in bytes (default 2 GiB): `8·m²`
  /// for a dense path (`m` the non-input count or a cyclic block's feedback count),
  /// `8·m·ldab` for a band path (whole program or one block), `8·n·d` for the
  /// result of `implicitJacobian()`. Over it the call throws `.denseTooLarge`,
  /// `.bandTooLarge`, `.cyclicBlockTooLarge` or `.resultTooLarge` instead of
  /// exhausting memory. Must not be negative.
  public var matrixByteLimit: Int = 2 << 30
  /// The former name of `matrixByteLimit`, which caps band and result storage too.
  @available(*, deprecated, renamed: "matrixByteLimit")
  public var denseByteLimit: Int {
    get { matrixByteLimit }
    set { matrixByteLimit = newValue }
  }
  /// Refuse, with `.illConditioned`, a system whose estimated reciprocal condition
  /// number (see `GradientResult.reciprocalCondition`) is below this value
  /// (default 0: answer every regular system and report its condition). Applies to
  /// every solver that estimates the condition (not the substitution paths of
  /// acyclic programs, whose unit triangular `D` is never ill-conditioned in
  /// this sense). GMRES's estimate comes from one solve with a random
  /// right-hand side and may be optimistic (see `estimatesCondition`). In `[0, 1)`.
  public var minimumReciprocalCondition: Double = 0
  /// Whether `linearize` and `gradient` estimate the reciprocal condition number
  /// (default `true`). The estimate (LAPACK `dgecon`; for bands Hager–Higham on
  /// `dgbtrs` solves, `O(m·(kl + ku))`) costs `O(m²)`
  /// memory-bound work after an `O(m³)` factorization — about 5–8 % of one
  /// `dgesv` at `m = 3000` on a 2-core machine. For the sparse LU it is the same
  /// estimator on about five UMFPACK solves (O(non-zeros of L + U) each: on a
  /// 300 × 300 grid Laplacian, 45–160 ms next to 450–570 ms for the
  /// linearization without it, measured alternately). With `false` (and no
  /// `minimumReciprocalCondition`), `reciprocalCondition` is `nil` on every path.
  ///
  /// On GMRES paths (`.krylov`, and blocks `.automatic` gives to GMRES) the
  /// estimate is also the singularity check: GMRES converges on an exactly
  /// singular but consistent system to one of its many solutions, so each
  /// system a linearization (or an affine block's forward solve) uses is first
  /// solved once with a fixed pseudo-random right-hand side (entries uniform in [−1, 1)) to a tolerance of
  /// `min(10⁻⁶, 10⁻⁴/√n)`. A singular matrix misses it, and the call throws
  /// `.singularJacobian`; a regular one gives `‖c‖₁ / (‖A‖₁·‖y‖₁)`, an estimate
  /// that is never below the true reciprocal condition number of the
  /// equilibrated matrix (for a random right-hand side it can be optimistic
  /// by a factor of order `√n`). It costs about half a GMRES solve to 10⁻¹² of
  /// CPU time, on a second thread alongside the first solve with the matrix.
  /// A matrix whose equilibrated form is strictly diagonally dominant by
  /// columns (`I − γP` of a discounted Markov chain) is proven regular without
  /// a solve, and gets Varah's bound `min_j (|a_jj| − Σ_{i≠j} |a_ij|) / ‖A‖₁`,
  /// which is never above the true value — and can be far below it (a barely
  /// dominant matrix): when it is below `minimumReciprocalCondition`, the solve's
  /// estimate is computed and decides instead, so that no system is refused on a
  /// bound alone. `false` skips the check, and then a singular system on a GMRES
  /// path goes undetected.
  public var estimatesCondition: Bool = true
  /// The relative residual `‖b − A·x‖₂ ≤ krylovTolerance·‖b‖₂` at which GMRES
  /// (`.krylov`, and blocks `.automatic` gives to GMRES) stops (default 1e-12).
  /// Newton steps of non-affine blocks are solved only as accurately as the
  /// outer iteration needs (inexact Newton), never less accurately than this.
  public var krylovTolerance: Double = 1e-12
  /// The limit on GMRES iterations (matrix–vector products) per solve (default 1000);
  /// over it the solve throws `.krylovNotConverged`.
  public var krylovMaxIterations: Int = 1000
  /// GMRES's restart length: the Krylov basis kept (default 50; memory `(restart + 1)·order` doubles).
  public var krylovRestart: Int = 50
  /// How cyclic blocks' linear systems are solved, from the solver (not a user setting).
  var blockMethod: BlockMethod = .automatic

  /// Default options.
  public init() {}

  var iterationLimit: Int { maxIterations ?? (forwardMethod == .newton ? 50 : 10_000) }

  /// Whether GMRES systems are checked for singularity (and their condition estimated).
  var checksKrylovCondition: Bool { estimatesCondition || minimumReciprocalCondition > 0 }

  /// Throws `.invalidOption` for a field out of its documented range.
  func validate() throws(LagrangePropError) {
    guard tolerance.isFinite, tolerance > 0, tolerance <= 0.01 else {
      throw .invalidOption(
        name: "tolerance", reason: "\(tolerance) is not a finite number in (0, 0.01]")
    }
    if let maxIterations, maxIterations < 0 {
      throw .invalidOption(name: "maxIterations", reason: "\(maxIterations) is negative")
    }
    guard matrixByteLimit >= 0 else {
      throw .invalidOption(name: "matrixByteLimit", reason: "\(matrixByteLimit) is negative")
    }
    guard minimumReciprocalCondition >= 0, minimumReciprocalCondition < 1 else {
      throw .invalidOption(
        name: "minimumReciprocalCondition",
        reason: "\(minimumReciprocalCondition) is not in [0, 1)")
    }
    guard krylovTolerance.isFinite, krylovTolerance > 0, krylovTolerance < 1 else {
      throw .invalidOption(
        name: "krylovTolerance", reason: "\(krylovTolerance) is not a finite number in (0, 1)")
    }
    guard krylovMaxIterations >= 1 else {
      throw .invalidOption(
        name: "krylovMaxIterations", reason: "\(krylovMaxIterations) is not positive")
    }
    guard krylovRestart >= 1 else {
      throw .invalidOption(name: "krylovRestart", reason: "\(krylovRestart) is not positive")
    }
  }
}
