/// The gradient of the Lagrangian in each of its arguments (declaration order).
public struct LagrangianGradient: Sendable {
  /// `∂L/∂x = λ_x` (one entry per input).
  public let inputs: [Double]
  /// `∂L/∂z = ∇f(z) + D(z) λ` (one entry per variable).
  public let values: [Double]
  /// `∂L/∂λ = c(z)`: the constraint residuals (one entry per variable's constraint).
  public let multipliers: [Double]
}

/// The KKT residuals of a point and multipliers: how far they are from
/// satisfying the constraints (`∂L/∂λ = 0`) and the adjoint equation (`∂L/∂z = 0`).
public struct KKTResiduals: Sendable {
  /// `‖c(z)‖∞`: zero after an exact forward solve.
  public let primal: Double
  /// `‖∇f + D λ‖∞`: zero after an exact adjoint solve.
  public let dual: Double
  /// `max_a (|∇f_a| + Σ_i |D[a, i] λ_i|)`: the size of the terms that cancel in `dual`.
  public let dualScale: Double
  /// `dual / max(dualScale, tiny)`: the adjoint residual relative to its terms,
  /// of the order of machine epsilon for a backward-stable solve.
  public var relativeDual: Double { dual / max(dualScale, Double.leastNormalMagnitude) }
}

extension Program {
  /// `L(x, z, λ) = f(z) + Σ_{j<d} λ_j (x_j − z_j) + Σ_{i≥d} λ_i c_i(z)` at any
  /// (also infeasible) point: `inputs` has `d` entries, `values` and
  /// `multipliers` `n` (declaration order; `multipliers[i]` belongs to the
  /// constraint owning variable `i`).
  ///
  /// - Complexity: O(n + edges).
  /// - Throws: `.wrongInputCount`, `.wrongLength`, `.nonFiniteInput`,
  ///   `.nonFiniteArgument` (a non-finite value or multiplier), `.nonFinite` from a
  ///   local function, `.nonFiniteObjective` (also when `L` itself overflows).
  public func lagrangian(inputs: [Double], values: [Double], multipliers: [Double])
    throws(LagrangePropError) -> Double
  {
    let point = try constraintsAt(inputs: inputs, values: values, multipliers: multipliers)
    var total = try objectiveValue(point.values)
    for p in 0..<variableCount { total += point.multipliers[p] * point.residuals[p] }
    guard total.isFinite else {
      throw .nonFiniteObjective(detail: "the Lagrangian Σ λ_i c_i(z) overflows (\(total))")
    }
    return total
  }

  /// The gradient of `L(x, z, λ)` in `x`, `z` and `λ` at any point.
  ///
  /// - Complexity: O(n + edges).
  /// - Throws: as `lagrangian(inputs:values:multipliers:)`; `.nonFiniteResult`
  ///   (quantity `"∂L/∂z"`) if an entry of `∂L/∂z` overflows.
  public func lagrangianGradient(inputs: [Double], values: [Double], multipliers: [Double])
    throws(LagrangePropError) -> LagrangianGradient
  {
    let point = try constraintsAt(inputs: inputs, values: values, multipliers: multipliers)
    let (dz, _) = try lagrangianValueGradient(
      z: point.values, lambda: point.multipliers, partials: point.partials)
    try requireFinite(dz, quantity: "∂L/∂z", firstPosition: 0, reverse: false, solver: .sweep)
    return LagrangianGradient(
      inputs: Array(point.multipliers[0..<inputCount]), values: toDeclarationOrder(dz),
      multipliers: toDeclarationOrder(point.residuals))
  }

  /// The constraint residuals `c(z)` (declaration order; `x_j − z_j` for inputs).
  ///
  /// - Throws: `.wrongInputCount`, `.wrongLength`, `.nonFinite`.
  public func constraintResiduals(inputs: [Double], values: [Double]) throws(LagrangePropError)
    -> [Double]
  {
    let zeros = [Double](repeating: 0, count: variableCount)
    return toDeclarationOrder(
      try constraintsAt(inputs: inputs, values: values, multipliers: zeros).residuals)
  }

  /// `∂L/∂z = ∇f + D λ` (program order) and, per entry, the size of its terms
  /// `|∇f_a| + Σ|D[a,i] λ_i|`.
  func lagrangianValueGradient(z: [Double], lambda: [Double], partials: [Double])
    throws(LagrangePropError) -> ([Double], [Double])
  {
    var grad = try objectiveGradient(z)
    var scale = grad.map(abs)
    for p in 0..<variableCount where p < inputCount || !isResidual[p] {
      grad[p] -= lambda[p]
      scale[p] += abs(lambda[p])
    }
    for p in inputCount..<variableCount {
      for k in argumentRange(p) {
        let q = Int(arguments[k])
        grad[q] += partials[k] * lambda[p]
        scale[q] += abs(partials[k] * lambda[p])
      }
    }
    return (grad, scale)
  }

  /// Values and multipliers in program order, constraint residuals and local partials at `z`.
  ///
  /// - Throws: `.wrongInputCount`, `.nonFiniteInput`, `.wrongLength` /
  ///   `.nonFiniteArgument` for `values` and `multipliers`, `.nonFinite`.
  func constraintsAt(inputs: [Double], values: [Double], multipliers: [Double])
    throws(LagrangePropError) -> ConstraintEvaluation
  {
    _ = try checkedInputs(inputs)
    try checkVector(values, "values")
    try checkVector(multipliers, "multipliers")
    var z = toProgramOrder(values)
    let lambda = toProgramOrder(multipliers)
    var c = [Double](repeating: 0, count: variableCount)
    var partials = [Double](repeating: 0, count: arguments.count)
    for j in 0..<inputCount { c[j] = inputs[j] - z[j] }
    try withKernel { (kernel) throws(LagrangePropError) in
      try z.withUnsafeMutableBufferPointer { (zp) throws(LagrangePropError) in
        try partials.withUnsafeMutableBufferPointer { (dp) throws(LagrangePropError) in
          for p in inputCount..<variableCount {
            let g = try kernel.evaluate(p, values: zp, partials: dp)
            c[p] = isResidual[p] ? g : g - zp[p]
          }
        }
      }
    }
    return ConstraintEvaluation(values: z, multipliers: lambda, residuals: c, partials: partials)
  }
}

/// The constraints evaluated at a point (all in program order).
struct ConstraintEvaluation {
  /// The values `z`.
  var values: [Double]
  /// The multipliers `λ`.
  var multipliers: [Double]
  /// The constraint residuals `c(z)` (`x_j − z_j` for inputs).
  var residuals: [Double]
  /// The local partials at `z`, aligned with the program's arguments.
  var partials: [Double]
}

extension Linearization {
  /// `L(x, z, λ)` at this linearization's point and values, for the given multipliers.
  ///
  /// - Throws: as `Program.lagrangian(inputs:values:multipliers:)`.
  public func lagrangian(multipliers: [Double]) throws(LagrangePropError) -> Double {
    try program.lagrangian(inputs: point, values: values, multipliers: multipliers)
  }

  /// The gradient of `L` in `x`, `z`, `λ` at this linearization's point and values.
  ///
  /// - Throws: as `Program.lagrangianGradient(inputs:values:multipliers:)`.
  public func lagrangianGradient(multipliers: [Double]) throws(LagrangePropError)
    -> LagrangianGradient
  {
    try program.lagrangianGradient(inputs: point, values: values, multipliers: multipliers)
  }

  /// The KKT residuals at this point with the given multipliers, or with the
  /// objective's own adjoints when `multipliers` is `nil`.
  ///
  /// After forward + adjoint both residuals vanish up to round-off: `primal`
  /// (`∂L/∂λ`) is at the forward solve's tolerance (zero for acyclic programs),
  /// and `relativeDual` (`∂L/∂z`) is of the order of machine epsilon.
  ///
  /// - Throws: as `adjoints()` and `lagrangianGradient(multipliers:)`;
  ///   `.nonFiniteResult` naming the variable if `∂L/∂z` or the size of its terms
  ///   overflows (huge multipliers).
  public func kktResiduals(multipliers: [Double]? = nil) throws(LagrangePropError) -> KKTResiduals {
    let lambdaP: [Double]
    if let multipliers {
      try checkVector(multipliers, "multipliers")
      lambdaP = program.toProgramOrder(multipliers)
    } else {
      lambdaP = try adjointsInProgramOrder(program.objectiveGradient(programValues))
    }
    let evaluation = try program.constraintsAt(
      inputs: point, values: values, multipliers: program.toDeclarationOrder(lambdaP))
    let (dz, scale) = try program.lagrangianValueGradient(
      z: evaluation.values, lambda: lambdaP, partials: evaluation.partials)
    // Huge multipliers can overflow ∂L/∂z, or the size of its terms that
    // `relativeDual` divides by: refused by name, as `lagrangianGradient` refuses.
    try program.requireFinite(
      dz, quantity: "∂L/∂z", firstPosition: 0, reverse: false, solver: solver)
    try program.requireFinite(
      scale, quantity: "size of the terms of ∂L/∂z", firstPosition: 0, reverse: false,
      solver: solver)
    return KKTResiduals(
      primal: evaluation.residuals.reduce(0) { max($0, abs($1)) },
      dual: dz.reduce(0) { max($0, abs($1)) }, dualScale: scale.max() ?? 0)
  }
}
