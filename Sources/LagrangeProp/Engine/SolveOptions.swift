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
  /// of its terms, `|r_i| / (|r_i| + Σ_k |∂c_i/∂z_k · z_k| + |z_i|)`, is at most
  /// `tolerance` (default 1e-12; round-off alone leaves about 1e-16 · the number of terms).
  public var tolerance: Double = 1e-12
  /// The iteration limit per block; `nil` means 50 for Newton, 10 000 for fixed-point.
  public var maxIterations: Int? = nil
  /// Backtracking on Newton steps: halve the step until the residual norm decreases (default on).
  public var backtracking: Bool = true
  /// Starting values for cyclic variables, one per variable in declaration order
  /// (e.g. the `values` of a previous solve: a warm start). `nil` starts from zero.
  /// Only the blocks' feedback variables are read.
  public var initialGuess: [Double]? = nil
  /// The largest matrix a solver may allocate, in bytes (default 2 GiB): `8·m²`
  /// for a dense path (`m` the non-input count or a cyclic block's feedback count),
  /// `8·m·ldab` for a band path. Over it the solver throws `.denseTooLarge` /
  /// `.bandTooLarge` instead of exhausting memory.
  public var denseByteLimit: Int = 2 << 30
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
}
