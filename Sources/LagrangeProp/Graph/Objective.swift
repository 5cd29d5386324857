/// The scalar objective `f(z)` whose gradient `∂f/∂x` LagrangeProp computes.
public struct Objective: Sendable {
  enum Kind: Sendable {
    case variable(Variable)
    case linear([Double])
    /// `Σ_k weights[k]·z_{positions[k]}` over strictly ascending declaration indices,
    /// non-zero weights only (made by `Program.trace`: no dense weight vector).
    case sparseLinear(positions: [Int32], weights: [Double])
    case custom(
      value: @Sendable ([Double]) -> Double, gradient: @Sendable ([Double]) -> [Double])
  }

  let kind: Kind

  /// `f(z) = z_v`: the value of one variable.
  public static func variable(_ v: Variable) -> Objective { Objective(kind: .variable(v)) }

  /// `f(z) = Σ_i w_i·z_i` over all variables, `weights` indexed in declaration order
  /// (one weight per variable of the graph).
  public static func linear(_ weights: [Double]) -> Objective { Objective(kind: .linear(weights)) }

  /// A user objective of all variable values (declaration order), with its exact gradient
  /// (an array of one partial per variable).
  public static func custom(
    value: @escaping @Sendable ([Double]) -> Double,
    gradient: @escaping @Sendable ([Double]) -> [Double]
  ) -> Objective {
    Objective(kind: .custom(value: value, gradient: gradient))
  }
}
