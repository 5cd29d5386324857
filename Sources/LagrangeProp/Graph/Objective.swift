/// The scalar objective `f(z)` whose gradient `∂f/∂x` LagrangeProp computes.
public struct Objective: Sendable {
  enum Kind: Sendable {
    case variable(Variable)
    case linear([Double])
    /// `Σ_k weights[k]·z_{positions[k]}` over strictly ascending declaration indices,
    /// non-zero weights only (made by `Program.trace`: no dense weight vector).
    case sparseLinear(positions: [Int32], weights: [Double])
    /// `Σ_k weights[k]·z_{variables[k]}` as the user gave it (unchecked, any order,
    /// repeats allowed); `compile` checks it and makes it a `sparseLinear`.
    case terms(variables: [Variable], weights: [Double])
    case custom(
      value: @Sendable ([Double]) -> Double, gradient: @Sendable ([Double]) -> [Double])
  }

  let kind: Kind

  /// `f(z) = z_v`: the value of one variable.
  public static func variable(_ v: Variable) -> Objective { Objective(kind: .variable(v)) }

  /// `f(z) = Σ_i w_i·z_i` over all variables, `weights` indexed in declaration order
  /// (one weight per variable of the graph).
  public static func linear(_ weights: [Double]) -> Objective { Objective(kind: .linear(weights)) }

  /// `f(z) = Σ_k weights[k]·z_{variables[k]}`: a linear objective given by its
  /// terms, without a weight for every variable of the graph — for a large program
  /// whose objective reads a few of its variables (the mean of a trajectory, a sum
  /// of losses). A variable given more than once gets the sum of its weights.
  ///
  /// `ConstraintGraph.compile(objective:)` throws `.invalidObjective` if the two
  /// arrays differ in length, a variable is not of the graph being compiled, or a
  /// weight (or the sum of a repeated variable's weights, added in the order given) is
  /// not finite.
  ///
  /// - Complexity: O(1) here; `compile` checks and sorts the terms in O(k) when the
  ///   variables are in ascending declaration order, O(k log k) otherwise, and keeps
  ///   12 bytes per non-zero term (no dense weight vector).
  public static func linear(_ variables: [Variable], weights: [Double]) -> Objective {
    Objective(kind: .terms(variables: variables, weights: weights))
  }

  /// A user objective of all variable values (declaration order), with its exact gradient
  /// (an array of one partial per variable).
  public static func custom(
    value: @escaping @Sendable ([Double]) -> Double,
    gradient: @escaping @Sendable ([Double]) -> [Double]
  ) -> Objective {
    Objective(kind: .custom(value: value, gradient: gradient))
  }
}
