// The checks of the acyclic equivalence suite, run on one program at one point
// by every fixture (blog example, random DAGs, the long chain).

import LagrangeProp
import SeededRandom
import XCTest

/// Every acyclic equivalence check on one program at one point.
///
/// References are independent of the solver under test: central finite
/// differences of `evaluate` / `solveConstraints` / `lagrangian` (tolerance
/// `finiteDifference`, default `1e-6` relative), and the `.sweep` linearization
/// for the exact paths (tolerance `exact`, default `1e-10` relative). Each
/// vector is compared normwise (`assertClose`); a scalar identity `uᵀv = s` is
/// compared against `Σ|u_i v_i| + |s|`, the size of its terms.
///
/// 1. reverse mode (`gradient(at:solver:)`) equals the finite-difference gradient of `evaluate`;
/// 2. every solver agrees with the sweep on value, gradient, all adjoints,
///    tangents, `dz/dx` and adjoints for an arbitrary right-hand side;
/// 3. forward mode: `tangents(seed: e_j)` equals the finite-difference `dz/dx_j`
///    and `∇f·τ = ∂f/∂x_j`;
/// 4. `implicitJacobian()` equals the finite-difference `dz/dx`, `Zᵀ∇f = ∇ₓf`,
///    and `λ_x = Zᵀw` for an arbitrary `w`;
/// 5. `jacobian()` is upper triangular in program order with `−1` on the
///    diagonal, equals finite differences of `constraintResiduals`, and `D λ = −∇f`;
/// 6. the Lagrangian's gradient in `x`, `z`, `λ` equals its finite differences
///    at a random infeasible point;
/// 7. block-coordinate: after forward + adjoint, `∂L/∂λ = 0` exactly,
///    `∂L/∂z = 0` (relative `1e-12`), `∂L/∂x = ∇ₓf`.
struct AcyclicEquivalence {
  let program: Program
  let inputs: [Double]
  /// Shown in every failure message.
  let label: String
  /// The solvers compared with the sweep; each must accept the program, except
  /// that a band solver may refuse (`.bandTooWide`) a band as wide as dense storage.
  var solvers: [Solver] = [
    .sweep, .triangular, .lu, .bandedTriangular, .bandedLU, .blockTriangular, .automatic,
  ]
  /// Whether to assemble the dense `D` (`jacobian()`) and difference the constraints (O(n²)).
  var checksConstraintJacobian = true
  /// How many coordinates of `z` and `λ` the Lagrangian check differences (`nil`: all).
  var lagrangianSample: Int? = nil
  /// Seed of the random infeasible point, multipliers and right-hand sides.
  var seed: UInt64 = 1
  var exact = 1e-10
  var finiteDifference = 1e-6

  init(_ program: Program, at inputs: [Double], label: String) {
    self.program = program
    self.inputs = inputs
    self.label = label
  }

  /// Runs every check; returns the sweep's result (for fixture-specific checks).
  @discardableResult
  func run(file: StaticString = #filePath, line: UInt = #line) throws -> GradientResult {
    let n = program.variableCount
    let d = program.inputCount
    XCTAssertTrue(
      program.isAcyclic, "\(label): expected an acyclic program", file: file, line: line)
    var rng = SplitMix64(seed: seed)

    // References: the sweep, and finite differences of the public forward API.
    let reference = try program.linearize(at: inputs, solver: .sweep)
    let sweep = try reference.gradient()
    let gradF = try reference.objectiveGradient()
    let referenceZ = try reference.implicitJacobian()
    let fdGradient = try FiniteDifferences.gradient(of: program, at: inputs)
    let fdZ = try FiniteDifferences.implicitJacobian(of: program, at: inputs)
    let values = try program.solveConstraints(at: inputs)
    let w = randomVector(n, using: &rng)
    let referenceLambdaW = try reference.adjoints(objectiveGradient: w)

    // 1. Reverse mode against finite differences of `evaluate`.
    assertClose(
      sweep.gradient, fdGradient, relative: finiteDifference,
      "\(label): reverse mode vs central differences of evaluate", file: file, line: line)
    assertClose(
      sweep.value, try program.evaluate(at: inputs), relative: 1e-15,
      "\(label): gradient's value vs evaluate", file: file, line: line)
    assertClose(
      reference.values, values, relative: 0, "\(label): linearization values", file: file,
      line: line)

    for solver in solvers {
      let context = "\(label), .\(solver)"
      let lin: Linearization
      do {
        lin = try program.linearize(at: inputs, solver: solver)
      } catch {
        // A band solver may refuse a band no narrower than dense storage, and nothing else.
        try checkBandRefusal(error, solver: solver, file: file, line: line)
        continue
      }
      let result = try lin.gradient()

      // 2. Agreement with the sweep.
      XCTAssertEqual(
        result.solver, solver == .automatic ? .sweep : solver, context, file: file, line: line)
      assertClose(
        result.value, sweep.value, relative: exact, "\(context): value", file: file, line: line)
      assertClose(
        result.gradient, sweep.gradient, relative: exact, "\(context): gradient", file: file,
        line: line)
      assertClose(
        result.adjoints, sweep.adjoints, relative: exact, "\(context): adjoints", file: file,
        line: line)
      let direct = try program.gradient(at: inputs, solver: solver)
      assertClose(
        direct.gradient, result.gradient, relative: exact, "\(context): gradient(at:)", file: file,
        line: line)
      assertClose(
        direct.adjoints, result.adjoints, relative: exact, "\(context): gradient(at:) adjoints",
        file: file, line: line)
      assertClose(
        try lin.adjoints(), sweep.adjoints, relative: exact, "\(context): adjoints()", file: file,
        line: line)
      let lambdaW = try lin.adjoints(objectiveGradient: w)
      assertClose(
        lambdaW, referenceLambdaW, relative: exact, "\(context): adjoints(objectiveGradient: w)",
        file: file, line: line)

      // 3. Forward mode.
      let z = try lin.implicitJacobian()
      for (j, input) in program.inputs.enumerated() {
        var seed = [Double](repeating: 0, count: n)
        seed[input.index] = 1
        let tau = try lin.tangents(seed: seed)
        assertClose(
          tau, fdZ.column(j), relative: finiteDifference,
          "\(context): τ_\(j) vs central differences of solveConstraints", file: file, line: line)
        assertClose(
          tau, referenceZ.column(j), relative: exact, "\(context): τ_\(j) vs the sweep", file: file,
          line: line)
        assertClose(
          tau, z.column(j), relative: exact, "\(context): τ_\(j) vs implicitJacobian", file: file,
          line: line)
        assertDot(
          gradF, tau, equals: sweep.gradient[j], "\(context): ∇f·τ_\(j) = ∂f/∂x_\(j)", file: file,
          line: line)
      }

      // 4. The implicit Jacobian.
      XCTAssertEqual(z.rows, n, context, file: file, line: line)
      XCTAssertEqual(z.columns, d, context, file: file, line: line)
      for j in 0..<d {
        assertClose(
          z.column(j), fdZ.column(j), relative: finiteDifference,
          "\(context): dz/dx_\(j) vs central differences", file: file, line: line)
        assertDot(
          gradF, z.column(j), equals: sweep.gradient[j], "\(context): (Zᵀ∇f)_\(j) = ∂f/∂x_\(j)",
          file: file, line: line)
        assertDot(
          w, z.column(j), equals: lambdaW[program.inputs[j].index],
          "\(context): (Zᵀw)_\(j) = λ_x_\(j)", file: file, line: line)
      }

      // 7. Block-coordinate: forward makes ∂L/∂λ = 0, the adjoint solve ∂L/∂z = 0.
      let kkt = try lin.kktResiduals()
      XCTAssertEqual(
        kkt.primal, 0, "\(context): ‖∂L/∂λ‖ after the forward solve", file: file, line: line)
      XCTAssertLessThanOrEqual(
        kkt.relativeDual, 1e-12, "\(context): ‖∂L/∂z‖ relative after the adjoint solve", file: file,
        line: line)
      let lg = try lin.lagrangianGradient(multipliers: result.adjoints)
      XCTAssertEqual(infinityNorm(lg.multipliers), 0, "\(context): ∂L/∂λ", file: file, line: line)
      XCTAssertLessThanOrEqual(
        infinityNorm(lg.values), 1e-12 * kkt.dualScale, "\(context): ∂L/∂z", file: file, line: line)
      assertClose(
        lg.inputs, result.gradient, relative: 1e-15, "\(context): ∂L/∂x = ∇ₓf", file: file,
        line: line)
      assertClose(
        try lin.lagrangian(multipliers: result.adjoints), result.value, relative: 1e-15,
        "\(context): L = f at a feasible point", file: file, line: line)
    }

    // 5. The constraint Jacobian.
    if checksConstraintJacobian {
      try checkConstraintJacobian(
        reference, sweep: sweep, gradF: gradF, values: values, file: file, line: line)
    }

    // 6. The Lagrangian at a random infeasible point.
    try checkLagrangian(values: values, using: &rng, file: file, line: line)
    return sweep
  }

  /// Rethrows `error` unless it is a band solver's `.bandTooWide` for a band whose
  /// storage (`kd + 1` or `2·kl + ku + 1` rows) is indeed no smaller than dense (`m`).
  func checkBandRefusal(_ error: LagrangePropError, solver: Solver, file: StaticString, line: UInt)
    throws
  {
    guard case .bandTooWide(let name, let lower, let upper, let order) = error,
      solver == .bandedTriangular || solver == .bandedLU
    else { throw error }
    let bw = program.bandwidth
    let m = program.intermediateCount
    XCTAssertEqual(name, solver, label, file: file, line: line)
    XCTAssertEqual(order, m, label, file: file, line: line)
    XCTAssertEqual(lower, solver == .bandedLU ? bw.lower : 0, label, file: file, line: line)
    XCTAssertEqual(upper, bw.upper, label, file: file, line: line)
    let rows = solver == .bandedLU ? 2 * bw.lower + bw.upper + 1 : bw.upper + 1
    XCTAssertGreaterThanOrEqual(
      rows, m, "\(label): .\(solver) refused a band narrower than dense", file: file, line: line)
  }

  /// `jacobian()`: upper triangular in program order, `−1` on the diagonal,
  /// equal to central differences of the constraints, and `D λ = −∇f`.
  func checkConstraintJacobian(
    _ lin: Linearization, sweep: GradientResult, gradF: [Double], values: [Double],
    file: StaticString, line: UInt
  ) throws {
    let n = program.variableCount
    let d = program.inputCount
    let dm = try lin.jacobian()
    XCTAssertEqual(dm.rows, n, label, file: file, line: line)
    XCTAssertEqual(dm.columns, n, label, file: file, line: line)

    let order = program.programOrder.map(\.index)
    XCTAssertEqual(
      order.sorted(), Array(0..<n), "\(label): programOrder is a permutation", file: file,
      line: line)
    XCTAssertEqual(
      Array(order.prefix(d)), program.inputs.map(\.index), "\(label): inputs come first",
      file: file, line: line)
    var belowDiagonal = 0
    for i in 0..<n {
      XCTAssertEqual(
        dm[order[i], order[i]], -1, "\(label): D diagonal at position \(i)", file: file, line: line)
      for a in (i + 1)..<n where dm[order[a], order[i]] != 0 { belowDiagonal += 1 }
    }
    XCTAssertEqual(
      belowDiagonal, 0, "\(label): D upper triangular in program order", file: file, line: line)

    let fdD = try FiniteDifferences.constraintJacobian(of: program, inputs: inputs, values: values)
    assertClose(
      dm, fdD, relative: finiteDifference, "\(label): D vs central differences of c(z)", file: file,
      line: line)

    // D λ = −∇f, by plain loops.
    var residual = gradF
    var scale = gradF.map(abs)
    for i in 0..<n {
      for a in 0..<n where dm[a, i] != 0 {
        residual[a] += dm[a, i] * sweep.adjoints[i]
        scale[a] += abs(dm[a, i] * sweep.adjoints[i])
      }
    }
    XCTAssertLessThanOrEqual(
      infinityNorm(residual), 1e-12 * Swift.max(infinityNorm(scale), tinyScale),
      "\(label): D λ + ∇f", file: file, line: line)
  }

  /// `lagrangianGradient` against central differences of `lagrangian` at a random
  /// infeasible point (`x`, `z` perturbed from a solution, random `λ`).
  func checkLagrangian(
    values: [Double], using rng: inout SplitMix64, file: StaticString, line: UInt
  ) throws {
    let n = program.variableCount
    let x = inputs.map { $0 + 0.05 * Double.random(in: -1...1, using: &rng) }
    // Multiplicative and small additive noise: keeps positive arguments positive.
    let z = values.map {
      $0 * (1 + 0.1 * Double.random(in: -1...1, using: &rng)) + 0.01
        * Double.random(in: -1...1, using: &rng)
    }
    let lambda = randomVector(n, using: &rng)
    let sample: [Int]? = lagrangianSample.map { k in
      var indices = Array(0..<n)
      indices.shuffle(using: &rng)
      return Array(indices.prefix(k))
    }
    let exactGradient = try program.lagrangianGradient(inputs: x, values: z, multipliers: lambda)
    let fd = try FiniteDifferences.lagrangianGradient(
      of: program, inputs: x, values: z, multipliers: lambda, valueCoordinates: sample,
      multiplierCoordinates: sample)
    let mask: ([Double]) -> [Double] = { v in
      guard let sample else { return v }
      var out = [Double](repeating: 0, count: v.count)
      for i in sample { out[i] = v[i] }
      return out
    }
    let residuals = try program.constraintResiduals(inputs: x, values: z)
    XCTAssertGreaterThan(
      infinityNorm(residuals), 1e-3, "\(label): the point should be infeasible", file: file,
      line: line)
    assertClose(
      exactGradient.inputs, fd.inputs, relative: finiteDifference, "\(label): ∂L/∂x", file: file,
      line: line)
    assertClose(
      exactGradient.inputs, program.inputs.map { lambda[$0.index] }, relative: 1e-15,
      "\(label): ∂L/∂x = λ_x", file: file, line: line)
    assertClose(
      mask(exactGradient.values), fd.values, relative: finiteDifference, "\(label): ∂L/∂z",
      file: file, line: line)
    assertClose(
      mask(exactGradient.multipliers), fd.multipliers, relative: finiteDifference,
      "\(label): ∂L/∂λ", file: file, line: line)
    assertClose(
      exactGradient.multipliers, residuals, relative: 1e-15, "\(label): ∂L/∂λ = c(z)", file: file,
      line: line)
  }
}

/// Asserts `uᵀv = s` within `relative` (default `1e-10`) of the size of its
/// terms, `Σ|u_i v_i| + |s|` — a scalar identity between exact paths where
/// cancellation would make a plain relative comparison meaningless.
func assertDot(
  _ u: [Double], _ v: [Double], equals s: Double, relative: Double = 1e-10,
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
  guard u.count == v.count else {
    XCTFail("count \(u.count) ≠ \(v.count). \(message())", file: file, line: line)
    return
  }
  var dot = 0.0
  var scale = abs(s)
  for i in u.indices {
    dot += u[i] * v[i]
    scale += abs(u[i] * v[i])
  }
  XCTAssertLessThanOrEqual(
    abs(dot - s), relative * Swift.max(scale, tinyScale),
    "uᵀv = \(dot) vs \(s). \(message())", file: file, line: line)
}
