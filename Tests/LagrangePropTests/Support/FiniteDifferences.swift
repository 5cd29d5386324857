// Central finite differences: the independent reference every derivative of
// the engine is checked against (reverse mode, forward mode, implicit `dz/dx`,
// the Lagrangian's gradient). Generic: any program, acyclic or cyclic.

import LagrangeProp

/// Central finite differences `(f(x + h·e_k) − f(x − h·e_k)) / (2h)`.
///
/// The step is `h = relativeStep · max(1, |x_k|)`, and the divisor is the step
/// actually taken, `(x_k + h) − (x_k − h)` (exactly representable), so the
/// error is the truncation `h²·|f'''|/6` plus the round-off `ε·|f|/h`. With
/// the default `relativeStep = 1e-5` both are about `1e-11` for functions of
/// order one with moderate third derivatives: comfortably inside the suite's
/// `1e-6` relative tolerance against finite differences.
enum FiniteDifferences {
  /// The default relative step: `∛ε ≈ 6e-6` balances truncation and round-off.
  static let defaultRelativeStep = 1e-5

  /// The central difference of `f` along coordinate `k` of `x`.
  static func partial(
    _ k: Int, at x: [Double], relativeStep: Double = defaultRelativeStep,
    _ f: ([Double]) throws -> Double
  ) rethrows -> Double {
    let h = relativeStep * Swift.max(1, abs(x[k]))
    var probe = x
    probe[k] = x[k] + h
    let up = try f(probe)
    probe[k] = x[k] - h
    let down = try f(probe)
    return (up - down) / ((x[k] + h) - (x[k] - h))
  }

  /// The gradient of a scalar function by central differences, one partial per
  /// coordinate in `coordinates` (all of them by default; a subset keeps checks
  /// of very large functions cheap: the other entries are returned as zero).
  ///
  /// - Complexity: `2·|coordinates|` evaluations of `f`.
  static func gradient(
    at x: [Double], coordinates: [Int]? = nil, relativeStep: Double = defaultRelativeStep,
    _ f: ([Double]) throws -> Double
  ) rethrows -> [Double] {
    var g = [Double](repeating: 0, count: x.count)
    for k in coordinates ?? Array(x.indices) {
      g[k] = try partial(k, at: x, relativeStep: relativeStep, f)
    }
    return g
  }

  /// The Jacobian `J[i, k] = ∂f_i/∂x_k` of a vector function (`outputs × x.count`).
  ///
  /// - Complexity: `2·x.count` evaluations of `f`.
  static func jacobian(
    at x: [Double], outputs: Int, relativeStep: Double = defaultRelativeStep,
    _ f: ([Double]) throws -> [Double]
  ) rethrows -> Matrix {
    var j = Matrix(validRows: outputs, columns: x.count)
    for k in x.indices {
      let h = relativeStep * Swift.max(1, abs(x[k]))
      var probe = x
      probe[k] = x[k] + h
      let up = try f(probe)
      probe[k] = x[k] - h
      let down = try f(probe)
      precondition(up.count == outputs && down.count == outputs, "jacobian: wrong output count")
      let step = (x[k] + h) - (x[k] - h)
      for i in 0..<outputs { j[i, k] = (up[i] - down[i]) / step }
    }
    return j
  }

  // MARK: - Programs

  /// `∂f/∂x` by central differences of `program.evaluate(at:)` (one entry per
  /// input, in declaration order).
  ///
  /// - Complexity: `2·d` forward solves.
  static func gradient(
    of program: Program, at inputs: [Double], options: SolveOptions = SolveOptions(),
    relativeStep: Double = defaultRelativeStep
  ) throws -> [Double] {
    try gradient(at: inputs, relativeStep: relativeStep) { x in
      try program.evaluate(at: x, options: options)
    }
  }

  /// `dz/dx` (`n × d`: row `i` for the variable of declaration index `i`,
  /// column `j` for the `j`-th input) by central differences of
  /// `program.solveConstraints(at:)`.
  ///
  /// - Complexity: `2·d` forward solves.
  static func implicitJacobian(
    of program: Program, at inputs: [Double], options: SolveOptions = SolveOptions(),
    relativeStep: Double = defaultRelativeStep
  ) throws -> Matrix {
    try jacobian(at: inputs, outputs: program.variableCount, relativeStep: relativeStep) { x in
      try program.solveConstraints(at: x, options: options)
    }
  }

  /// The derivative of every value along a direction `v` over the inputs,
  /// `d z(x + t·v)/dt` at `t = 0` (declaration order), by central differences of
  /// `program.solveConstraints(at:)` with the step `t = h = relativeStep·max(1, ‖x‖∞)/‖v‖∞`.
  ///
  /// - Complexity: 2 forward solves.
  static func directionalDerivative(
    of program: Program, at inputs: [Double], direction v: [Double],
    options: SolveOptions = SolveOptions(), relativeStep: Double = defaultRelativeStep
  ) throws -> [Double] {
    let h = relativeStep * Swift.max(1, infinityNorm(inputs)) / Swift.max(infinityNorm(v), 1e-300)
    let up = try program.solveConstraints(at: zip(inputs, v).map { $0 + h * $1 }, options: options)
    let down = try program.solveConstraints(
      at: zip(inputs, v).map { $0 - h * $1 }, options: options)
    return zip(up, down).map { ($0 - $1) / (2 * h) }
  }

  /// The constraint Jacobian `D[a, i] = ∂c_i/∂z_a` (`n × n`, declaration order)
  /// by central differences of `program.constraintResiduals(inputs:values:)` in `z`.
  ///
  /// - Complexity: `2·n` evaluations of the constraints, O(n·(n + edges)).
  static func constraintJacobian(
    of program: Program, inputs: [Double], values: [Double],
    relativeStep: Double = defaultRelativeStep
  ) throws -> Matrix {
    let n = program.variableCount
    // J[i, a] = ∂c_i/∂z_a; D is its transpose.
    let j = try jacobian(at: values, outputs: n, relativeStep: relativeStep) { z in
      try program.constraintResiduals(inputs: inputs, values: z)
    }
    return j.transposed()
  }

  /// The gradient of the Lagrangian `L(x, z, λ)` in each argument by central
  /// differences of `program.lagrangian(inputs:values:multipliers:)`, on the
  /// given coordinates of `z` and `λ` (all by default; the others are zero).
  ///
  /// - Complexity: `2·(d + |zCoordinates| + |λCoordinates|)` evaluations of `L`.
  static func lagrangianGradient(
    of program: Program, inputs: [Double], values: [Double], multipliers: [Double],
    valueCoordinates: [Int]? = nil, multiplierCoordinates: [Int]? = nil,
    relativeStep: Double = defaultRelativeStep
  ) throws -> (inputs: [Double], values: [Double], multipliers: [Double]) {
    let dx = try gradient(at: inputs, relativeStep: relativeStep) { x in
      try program.lagrangian(inputs: x, values: values, multipliers: multipliers)
    }
    let dz = try gradient(at: values, coordinates: valueCoordinates, relativeStep: relativeStep) {
      z in
      try program.lagrangian(inputs: inputs, values: z, multipliers: multipliers)
    }
    let dl = try gradient(
      at: multipliers, coordinates: multiplierCoordinates, relativeStep: relativeStep
    ) { l in
      try program.lagrangian(inputs: inputs, values: values, multipliers: l)
    }
    return (dx, dz, dl)
  }
}
