import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// The forward solve of cyclic blocks: Newton against fixed-point iteration, warm
/// starts, and every way it can fail — each failure a typed error naming variables.
final class CyclicForwardSolveTests: XCTestCase {
  // MARK: - Fixed point and Newton

  /// `a = ½cos b + x`, `b = 0.4 sin a + y`: a contraction (Lipschitz ≤ 0.5), so
  /// fixed-point iteration and Newton reach the same solution — the one a plain
  /// loop finds — and the same gradient, the implicit-function-theorem one:
  /// with `k = 1 + 0.2 sin b cos a`, `∂(a+b)/∂x = (1 + 0.4 cos a)/k`,
  /// `∂(a+b)/∂y = (1 − 0.5 sin b)/k`.
  func testFixedPointAndNewtonAgreeOnAContractingCycle() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let a = graph.unknown("a"), b = graph.unknown("b")
    try graph.define(
      a, .affine(constant: 0, coefficients: [0.5, 1]), try graph.define("cos b", .cos, b), x)
    try graph.define(
      b, .affine(constant: 0, coefficients: [0.4, 1]), try graph.define("sin a", .sin, a), y)
    let total = try graph.define("total", .sum, a, b)
    let program = try graph.compile(objective: .variable(total))
    XCTAssertEqual(program.cyclicBlocks.count, 1)

    for point in [[0.3, -0.7], [2.0, 1.5], [-1.0, 0.25]] {
      // Reference: the plain fixed-point loop, run to a fixed point of the floats.
      var (ra, rb) = (0.0, 0.0)
      for _ in 0..<200 {
        ra = 0.5 * Foundation.cos(rb) + point[0]
        rb = 0.4 * Foundation.sin(ra) + point[1]
      }
      let k = 1 + 0.2 * Foundation.sin(rb) * Foundation.cos(ra)
      let expected = [(1 + 0.4 * Foundation.cos(ra)) / k, (1 - 0.5 * Foundation.sin(rb)) / k]

      var fixedPoint = SolveOptions()
      fixedPoint.forwardMethod = .fixedPoint
      var gradients: [[Double]] = []
      for options in [SolveOptions(), fixedPoint] {
        let values = try program.solveConstraints(at: point, options: options)
        // Newton is polished to round-off; fixed-point iteration stops at the
        // tolerance (1e-12 relative residual), which leaves an error of up to
        // tolerance / (1 − Lipschitz) ≈ 2e-12 in the values.
        let accuracy = options.forwardMethod == .newton ? 1e-13 : 1e-11
        assertClose(
          [values[a.index], values[b.index]], [ra, rb], relative: accuracy,
          "\(options.forwardMethod)")
        for solver in [Solver.lu, .blockTriangular] {
          let g = try program.gradient(at: point, solver: solver, options: options)
          assertClose(g.gradient, expected, relative: 1e-10, "\(options.forwardMethod) \(solver)")
          gradients.append(g.gradient)
        }
      }
      for g in gradients.dropFirst() { assertClose(g, gradients[0], relative: 1e-10) }
    }
  }

  // MARK: - Warm starts

  /// `z³ + z = x` as a residual constraint. From zero, Newton needs more than
  /// three iterations at `x = 10`; from the solution at `x = 10` it solves
  /// `x = 10.05` within three, and from the solution itself it needs none.
  func testWarmStartFromAPreviousSolution() throws {
    let (program, z) = try cubicProgram()
    let exact = { (x: Double) -> Double in
      // Independent: bisection on the increasing z³ + z − x.
      var (low, high) = (-x - 1, x + 1)
      for _ in 0..<200 {
        let mid = (low + high) / 2
        if mid * mid * mid + mid < x { low = mid } else { high = mid }
      }
      return (low + high) / 2
    }

    let cold = try program.solveConstraints(at: [10])
    assertClose(cold[z.index], exact(10), relative: 1e-14)

    var capped = SolveOptions()
    capped.maxIterations = 3
    let error = caughtLagrangePropError {
      _ = try program.solveConstraints(at: [10], options: capped)
    }
    guard case .notConverged(let variables, let iterations, let residual)? = error else {
      return XCTFail("expected .notConverged, got \(String(describing: error))")
    }
    XCTAssertEqual(iterations, 3)
    XCTAssertTrue(variables.contains("z"), "\(variables)")
    XCTAssertGreaterThan(residual, capped.tolerance)

    var warm = capped
    warm.initialGuess = cold
    let next = try program.solveConstraints(at: [10.05], options: warm)
    assertClose(next[z.index], exact(10.05), relative: 1e-14)
    // The warm-started solution carries the same derivatives: dz/dx = 1/(3z² + 1).
    let g = try program.gradient(at: [10.05], options: warm)
    assertClose(g.gradient[0], 1 / (3 * exact(10.05) * exact(10.05) + 1), relative: 1e-12)

    var fromSolution = SolveOptions()
    fromSolution.maxIterations = 0
    fromSolution.initialGuess = cold
    XCTAssertEqual(
      try program.solveConstraints(at: [10], options: fromSolution)[z.index], cold[z.index])
  }

  func testInitialGuessOfTheWrongLengthIsRejected() throws {
    let (program, _) = try cubicProgram()
    var options = SolveOptions()
    options.initialGuess = [1, 2, 3, 4, 5]
    let error = caughtLagrangePropError {
      _ = try program.solveConstraints(at: [1], options: options)
    }
    XCTAssertEqual(
      error, .wrongLength(argument: "initialGuess", expected: program.variableCount, actual: 5))
    assertDescription(error, contains: ["initialGuess"])
  }

  /// A non-finite entry where Newton starts is refused as every other vector
  /// argument's is: `.nonFiniteArgument` naming the option and the variable.
  func testNonFiniteInitialGuessNamesTheOptionAndTheVariable() throws {
    let program = try Program.trace(inputs: ["x"]) { t in
      let u = t.unknowns(2, name: "u")
      t.define(u[0], 2 * t.inputs[0] + 0.5 * u[1])
      t.define(u[1], 0.5 * u[0] + t.inputs[0])
      return u[0] + 3 * u[1]
    }
    let feedback = try program.cyclicBlocks[0].map { try program.name(of: $0) }
    for bad in [Double.nan, .infinity] {
      var options = SolveOptions()
      options.initialGuess = [0, bad, bad]
      let error = caughtLagrangePropError {
        _ = try program.gradient(at: [1], options: options)
      }
      guard case .nonFiniteArgument("initialGuess", let variable, let value)? = error else {
        XCTFail("expected .nonFiniteArgument for initialGuess, got \(String(describing: error))")
        continue
      }
      XCTAssertTrue(feedback.contains(variable), variable)
      XCTAssertTrue(value.isNaN ? bad.isNaN : value == bad)
      assertDescription(error, contains: ["initialGuess", "'\(variable)'"])
    }
  }

  // MARK: - Not converging

  /// `z = z² + 1` has no real solution: Newton stalls where the residual
  /// `z² − z + 1` is smallest (`z = ½`, relative residual 3/7 of its terms) and
  /// reports `.notConverged` with its iterations and residual, naming the block.
  func testNoRealSolutionIsNotConverged() throws {
    var graph = ConstraintGraph()
    let z = graph.unknown("z")
    try graph.define(z, .affine(constant: 1, coefficients: [1]), try graph.define("sq", .square, z))
    let program = try graph.compile(objective: .variable(z))
    for start in [nil, 3.0, -2.0] {
      var options = SolveOptions()
      if let start { options.initialGuess = [start, start * start] }
      let error = caughtLagrangePropError("start \(String(describing: start))") {
        _ = try program.gradient(at: [], options: options)
      }
      guard case .notConverged(let variables, let iterations, let residual)? = error else {
        XCTFail("expected .notConverged, got \(String(describing: error))")
        continue
      }
      XCTAssertEqual(Set(variables), ["z", "sq"])
      XCTAssertGreaterThanOrEqual(iterations, 1)
      XCTAssertGreaterThan(residual, 0.4, "the residual cannot fall below that of z = ½")
      assertDescription(
        error, contains: ["'z'", "\(iterations) iteration", "residual \(residual)"])
    }
    // Fixed-point iteration z ← z² + 1 runs away to infinity: it did not converge
    // (an infinite residual), naming the block.
    var fixedPoint = SolveOptions()
    fixedPoint.forwardMethod = .fixedPoint
    let error = caughtLagrangePropError {
      _ = try program.solveConstraints(at: [], options: fixedPoint)
    }
    guard case .notConverged(let variables, let iterations, let residual)? = error else {
      return XCTFail("expected .notConverged, got \(String(describing: error))")
    }
    XCTAssertEqual(Set(variables), ["z", "sq"])
    XCTAssertGreaterThanOrEqual(iterations, 1)
    XCTAssertEqual(residual, .infinity)
  }

  /// `u² = x` written as a residual: `S = 2u` is singular at the default start
  /// `u = 0`, so Newton starts once more from 1 and finds `u = √x` (the root on
  /// that side; `.notConverged` after no step, before). A start the user gives is
  /// kept: from `u = 0` given, `.notConverged`.
  func testSingularDefaultStartRestartsFromOne() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let u = graph.unknown("u")
    let square = try graph.define("u²", .square, u)
    try graph.constrain(u, residual: .linear([1, -1]), square, x)
    let program = try graph.compile(objective: .variable(u))
    for solver in [Solver.lu, .blockTriangular, .sparseLU, .krylov, .automatic] {
      let g = try program.gradient(at: [4], solver: solver)
      assertClose(g.value, 2, relative: 1e-12, "\(solver)")
      assertClose(g.gradient, [0.25], relative: 1e-12, "\(solver)")  // 1/(2√x)
    }
    var options = SolveOptions()
    options.initialGuess = [4, 0, 0]
    let error = caughtLagrangePropError { _ = try program.gradient(at: [4], options: options) }
    guard case .notConverged(let variables, let iterations, _)? = error else {
      return XCTFail("expected .notConverged, got \(String(describing: error))")
    }
    XCTAssertEqual(Set(variables), ["u", "u²"])
    XCTAssertEqual(iterations, 0)
  }

  /// An iteration limit of one on a nonlinear system.
  func testIterationLimitOfOne() throws {
    let (program, _) = try cubicProgram()
    var options = SolveOptions()
    options.maxIterations = 1
    for solver in [Solver.lu, .blockTriangular, .automatic] {
      let error = caughtLagrangePropError {
        _ = try program.gradient(at: [10], solver: solver, options: options)
      }
      guard case .notConverged(let variables, let iterations, let residual)? = error else {
        XCTFail("expected .notConverged, got \(String(describing: error))")
        continue
      }
      XCTAssertEqual(iterations, 1)
      XCTAssertTrue(variables.contains("z"))
      XCTAssertGreaterThan(residual, options.tolerance)
      assertDescription(error, contains: ["'z'", "1 iteration", "residual"])
    }
    // Fixed-point iteration with a limit: z ← z − (z³ + z − x) would not even be
    // allowed (residual constraint); a contracting assignment with a limit of one
    // stops the same way.
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let w = graph.unknown("w")
    try graph.define(
      w, .affine(constant: 0, coefficients: [0.5, 1]), try graph.define("cos w", .cos, w), x)
    let contraction = try graph.compile(objective: .variable(w))
    options.forwardMethod = .fixedPoint
    let error = caughtLagrangePropError {
      _ = try contraction.solveConstraints(at: [1], options: options)
    }
    guard case .notConverged(let variables, let iterations, _)? = error else {
      return XCTFail("expected .notConverged, got \(String(describing: error))")
    }
    XCTAssertEqual(iterations, 1)
    XCTAssertTrue(variables.contains("w"))
  }

  func testFixedPointNeedsAssignments() throws {
    let (program, _) = try cubicProgram()
    var options = SolveOptions()
    options.forwardMethod = .fixedPoint
    let error = caughtLagrangePropError {
      _ = try program.solveConstraints(at: [1], options: options)
    }
    XCTAssertEqual(error, .fixedPointNeedsAssignment(variable: "z"))
    assertDescription(error, contains: ["'z'", "Newton"])
  }

  // MARK: - Structure

  /// `c = a + b + x` with residual constraints `c − 1 = 0` owning `a` and `c − 2 = 0`
  /// owning `b`: one strongly connected block whose two residual constraints both
  /// read only `c`, so no assignment of constraints to variables covers both `a`
  /// and `b` — structurally singular for every input, rejected at compile with
  /// the variables named.
  func testStructurallySingularBlockIsRejectedAtCompile() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let a = graph.unknown("a"), b = graph.unknown("b")
    let c = try graph.define("c", .sum, a, b, x)
    try graph.constrain(a, residual: .affine(constant: -1, coefficients: [1]), c)
    try graph.constrain(b, residual: .affine(constant: -2, coefficients: [1]), c)
    let error = caughtLagrangePropError { _ = try graph.compile(objective: .variable(c)) }
    guard case .structurallySingular(let variables)? = error else {
      return XCTFail("expected .structurallySingular, got \(String(describing: error))")
    }
    XCTAssertEqual(variables.count, 1, "a maximum matching covers two of the three variables")
    XCTAssertTrue(Set(variables).isSubset(of: ["a", "b", "c"]), "\(variables)")
    assertDescription(error, contains: variables.map { "'\($0)'" } + ["structurally singular"])

    // The same block with `b`'s constraint reading `b` itself is regular.
    var regular = ConstraintGraph()
    let x2 = regular.input("x")
    let a2 = regular.unknown("a"), b2 = regular.unknown("b")
    let c2 = try regular.define("c", .sum, a2, b2, x2)
    try regular.constrain(a2, residual: .affine(constant: -1, coefficients: [1]), c2)
    try regular.constrain(b2, residual: .affine(constant: -2, coefficients: [1, 1]), c2, b2)
    let program = try regular.compile(objective: .variable(c2))
    // c = 1, b = 2 − c = 1, a = c − b − x.
    let values = try program.solveConstraints(at: [0.25])
    assertClose(
      [values[a2.index], values[b2.index], values[c2.index]], [-0.25, 1, 1], relative: 1e-14)
  }

  /// Residual constraints that do not read their own variable can still determine
  /// their block together: `b − x = 0` owns `a`, `a − y³ = 0` owns `b`. The
  /// matching needs an augmenting path (constraint of `a` ↔ variable `b`), and
  /// the block's Jacobian `[[0, 1], [1, 0]]` needs pivoting.
  func testResidualConstraintsMayDetermineEachOthersVariables() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let a = graph.unknown("a"), b = graph.unknown("b")
    try graph.constrain(a, residual: .linear([1, -1]), b, x)
    try graph.constrain(b, residual: .linear([1, -1]), a, try graph.define("y³", .power(3), y))
    let f = try graph.define("f", .product, a, b)
    let program = try graph.compile(objective: .variable(f))
    XCTAssertEqual(program.cyclicBlocks.count, 1)
    for solver in [Solver.lu, .blockTriangular] {
      let g = try program.gradient(at: [2, 0.5], solver: solver)
      // a = y³, b = x, f = x·y³.
      assertClose(g.value, 0.25, relative: 1e-14, "\(solver)")
      assertClose(g.gradient, [0.125, 3 * 2 * 0.25], relative: 1e-14, "\(solver)")
    }
  }

  // MARK: - Singular blocks

  /// `v = r + P v` (γ = 1) with a stochastic `P`: `I − P` is singular (`P 1 = 1`).
  /// With `r = 0` the forward solve succeeds (`v = 0` solves it) and every
  /// factorization reports `.singularJacobian` naming a variable of the block —
  /// whether LAPACK meets an exact zero pivot (dyadic `P`) or a round-off one.
  /// With `r ≠ 0` there is no solution at all: `.notConverged`.
  func testSingularBlockNamesAVariable() throws {
    var rng = SplitMix64(seed: 0x7369_6e67)
    let dyadic: [[Double]] = [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25], [0.125, 0.375, 0.5]]
    for p in [
      dyadic, CyclicReference.stochasticMatrix(3, using: &rng),
      CyclicReference.stochasticMatrix(7, using: &rng),
    ] {
      let n = p.count
      for form in MarkovRewardGraph.Form.allCases {
        let markov = try MarkovRewardGraph(form: form, p: p, gamma: 1)
        let program = try markov.graph.compile(objective: .variable(markov.total))
        let blockNames = Set(try program.cyclicBlocks[0].map { try program.name(of: $0) })
        let zero = markov.inputs(p: p, gamma: 1, r: [Double](repeating: 0, count: n))
        // `v = 0` solves it but does not determine it: `evaluate` refuses it as `gradient` does.
        guard
          case .singularJacobian(let variable, _)? = caughtLagrangePropError(
            "evaluate",
            {
              _ = try program.evaluate(at: zero)
            })
        else {
          XCTFail("evaluate: expected .singularJacobian")
          continue
        }
        XCTAssertTrue(blockNames.contains(variable), variable)
        for solver in [Solver.lu, .blockTriangular, .automatic] {
          let context = "n \(n) \(form) \(solver)"
          let error = caughtLagrangePropError(context) {
            _ = try program.gradient(at: zero, solver: solver)
          }
          guard case .singularJacobian(let variable, let routine)? = error else {
            XCTFail("expected .singularJacobian, got \(String(describing: error)). \(context)")
            continue
          }
          XCTAssertTrue(
            blockNames.contains(variable), "\(variable) is not in the block. \(context)")
          XCTAssertTrue(
            ["dgetrf", "dgbtrf", "dgeequb", "dgbequb"].contains { routine.hasPrefix($0) }, routine)
          assertDescription(error, contains: ["'\(variable)'", "singular"], context)
        }
        let ones = markov.inputs(p: p, gamma: 1, r: [Double](repeating: 1, count: n))
        let error = caughtLagrangePropError("n \(n) \(form)") {
          _ = try program.solveConstraints(at: ones)
        }
        guard case .notConverged(let variables, _, _)? = error else {
          XCTFail("expected .notConverged, got \(String(describing: error)). n \(n) \(form)")
          continue
        }
        XCTAssertTrue(variables.contains("v0"))
      }
    }
  }

  /// The weighted path-graph Laplacian with free (Neumann) ends,
  /// `Σ_e w_e (u_i − u_neighbour) = s_i` with edge weights `w_e = 1/(e + 3)`.
  /// Constants are in its null space; with these weights LU leaves a round-off
  /// pivot rather than an exact zero. The band paths — `.bandedLU` on `D` and
  /// the block solver's banded `S` (`dgbtrf`) — and the dense one (`dgetrf`)
  /// all report it, naming a node.
  func testRoundOffPivotInBandFactorizationsIsSingular() throws {
    let n = 20
    let weight = (0..<(n - 1)).map { 1 / Double($0 + 3) }  // edge (e, e + 1)
    var graph = ConstraintGraph()
    let s = (0..<n).map { graph.input("s\($0)") }
    let u = (0..<n).map { graph.unknown("u\($0)") }
    for i in 0..<n {
      let edges = (i > 0 ? [i - 1] : []) + (i < n - 1 ? [i] : [])
      let neighbours = (i > 0 ? [u[i - 1]] : []) + (i < n - 1 ? [u[i + 1]] : [])
      let diagonal = edges.map { weight[$0] }.reduce(0, +)
      try graph.constrain(
        u[i], residual: .linear([diagonal] + edges.map { -weight[$0] } + [-1]),
        [u[i]] + neighbours + [s[i]])
    }
    let program = try graph.compile(objective: .variable(u[0]))
    XCTAssertEqual(program.bandwidth, .init(lower: 1, upper: 1))
    let zero = [Double](repeating: 0, count: n)
    let names = Set(u.map { "u\($0.index - n)" })
    // The forward solve factors the block at its solution (`u = 0`) and refuses it
    // first, through the block's band LU; `.bandedLU` and `.lu` would meet it too.
    for (solver, routine) in [
      (Solver.bandedLU, "dgbtrf"), (.blockTriangular, "dgbtrf"), (.lu, "dgbtrf"),
    ] {
      let error = caughtLagrangePropError("\(solver)") {
        _ = try program.gradient(at: zero, solver: solver)
      }
      guard case .singularJacobian(let variable, let reported)? = error else {
        XCTFail("expected .singularJacobian, got \(String(describing: error)). \(solver)")
        continue
      }
      XCTAssertTrue(names.contains(variable), variable)
      XCTAssertTrue(reported.hasPrefix(routine), "\(solver): \(reported)")
      assertDescription(error, contains: ["'\(variable)'"])
    }
  }

  // MARK: - Solvers that need an acyclic program

  func testAcyclicSolversRefuseCyclicPrograms() throws {
    var rng = SplitMix64(seed: 0x6163_7963)
    let p = CyclicReference.stochasticMatrix(4, using: &rng)
    let markov = try MarkovRewardGraph(form: .linear, p: p, gamma: 0.9)
    let program = try markov.graph.compile(objective: .variable(markov.total))
    XCTAssertFalse(program.isAcyclic)
    let x = markov.inputs(p: p, gamma: 0.9, r: [1, 2, 3, 4])
    for solver in [Solver.sweep, .triangular, .bandedTriangular] {
      for call in ["gradient", "linearize"] {
        let error = caughtLagrangePropError("\(solver) \(call)") {
          if call == "gradient" {
            _ = try program.gradient(at: x, solver: solver)
          } else {
            _ = try program.linearize(at: x, solver: solver)
          }
        }
        XCTAssertEqual(
          error, .cyclicProgram(solver: solver, variables: ["v0", "v1", "v2", "v3"]))
        assertDescription(error, contains: [".\(solver.rawValue)", "'v0'", "cycle"])
      }
    }
    // Forward evaluation needs no solver and works.
    XCTAssertEqual(try program.solveConstraints(at: x).count, program.variableCount)
  }

  // MARK: - Helpers

  /// `z³ + z − x = 0` as a residual constraint owning `z`.
  private func cubicProgram() throws -> (Program, Variable) {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let z = graph.unknown("z")
    let cube = try graph.define("z³", .power(3), z)
    try graph.constrain(z, residual: .affine(constant: 0, coefficients: [1, 1, -1]), cube, z, x)
    return (try graph.compile(objective: .variable(z)), z)
  }
}
