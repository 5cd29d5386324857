/// The result of `Program.gradient(at:solver:options:)`.
public struct GradientResult: Sendable {
  /// The objective value `f(z(x))`.
  public let value: Double
  /// The gradient `∂f/∂x`, one entry per input in declaration order (`= λ_x`).
  public let gradient: [Double]
  /// All Lagrange multipliers `λ` (declaration order), solving `D λ = −∇f`. For
  /// variables owned by assignments, `λ_i` is the total derivative `∂f/∂z_i`.
  public let adjoints: [Double]
  /// The solver that produced the result (never `.automatic`).
  public let solver: Solver
  /// Why that solver was used (the `.automatic` choice, or "requested").
  public let solverReason: String
  /// An estimate of the reciprocal condition number of the system solved (see
  /// `Linearization.reciprocalCondition`): relative errors in the gradient are
  /// bounded by about `m·ε / reciprocalCondition`. `nil` for acyclic programs
  /// solved by substitution.
  public let reciprocalCondition: Double?
  /// For results that used GMRES (`.krylov`, or a block `.automatic` gave to it):
  /// the achieved relative residual of the adjoint solve, recomputed from the
  /// partials as `‖R(D λ + ∇f)_z‖₂ / ‖R∇f_z‖₂` over the non-input constraints
  /// (`R = diag(1 / max_i |D[a, i]|)`: each constraint by its own scale);
  /// `nil` for direct solvers.
  public let krylovResidual: Double?
}
