import Foundation
import LagrangeProp
import XCTest

/// The hardening of the API review (issue 12): overflow refused the same way on
/// every path, options validated, convergence that cannot pass without solving,
/// undetermined variables refused by every call, warm starts as accurate as
/// cold ones, one singularity policy, condition estimates, memory limits on
/// every allocation, and linearizing at a solution computed elsewhere.
final class HardeningTests: XCTestCase {
  static let acyclicSolvers: [Solver] = [
    .automatic, .sweep, .triangular, .bandedTriangular, .lu, .bandedLU, .blockTriangular,
  ]
  static let cyclicSolvers: [Solver] = [.automatic, .lu, .bandedLU, .blockTriangular]
  /// The solvers for programs too small for band storage to pay (`.bandTooWide`).
  static let smallAcyclicSolvers: [Solver] = [
    .automatic, .sweep, .triangular, .lu, .blockTriangular,
  ]
  static let smallCyclicSolvers: [Solver] = [.automatic, .lu, .blockTriangular]

  /// `a_{k+1} = 10·a_k`, 400 steps from `x`: values stay finite from `x = 10⁻³⁰⁰`,
  /// but `∂a_400/∂a_k = 10^{400−k}` overflows for `k < 92`, and the tangent
  /// `∂a_k/∂x = 10^k` for `k ≥ 309`.
  func makeTenfoldChain() throws -> (program: Program, x: Variable, a: [Variable]) {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    var a = [x]
    for k in 1...400 { a.append(try graph.define("a\(k)", .linear([10]), a[k - 1])) }
    let last = a[400]
    return (try graph.compile(objective: .variable(last)), x, a)
  }

  // MARK: - Overflow in a solve: one refusal on every path

  func testOverflowingAdjointsAreRefusedOnEverySolver() throws {
    let (program, _, _) = try makeTenfoldChain()
    let x = [1e-300]
    XCTAssertEqual(try program.evaluate(at: x), 1e100, accuracy: 1e88)
    for solver in Self.acyclicSolvers {
      let error = caughtLagrangePropError("\(solver)") {
        _ = try program.gradient(at: x, solver: solver)
      }
      guard case .nonFiniteResult(let quantity, let variable, let reported)? = error else {
        XCTFail("\(solver): expected .nonFiniteResult, got \(String(describing: error))")
        continue
      }
      XCTAssertEqual(quantity, "adjoint", "\(solver)")
      XCTAssertEqual(variable, "a91", "\(solver)")  // 10^{309} is the first overflow
      XCTAssertNotEqual(reported, .automatic)
      assertDescription(error, contains: ["'a91'", "adjoint"], "\(solver)")
    }
  }

  func testOverflowingTangentsAreRefusedOnEverySolver() throws {
    let (program, xVariable, _) = try makeTenfoldChain()
    var seed = [Double](repeating: 0, count: program.variableCount)
    seed[xVariable.index] = 1
    for solver in Self.acyclicSolvers {
      let lin = try program.linearize(at: [1e-300], solver: solver)
      for label in ["tangents", "implicitJacobian"] {
        let error = caughtLagrangePropError("\(solver) \(label)") {
          if label == "tangents" {
            _ = try lin.tangents(seed: seed)
          } else {
            _ = try lin.implicitJacobian()
          }
        }
        guard case .nonFiniteResult(_, let variable, _)? = error else {
          XCTFail("\(solver) \(label): expected .nonFiniteResult, got \(String(describing: error))")
          continue
        }
        if solver == .lu || solver == .bandedLU {
          // After an overflow LAPACK's substitutions turn `∞·0` into NaN in entries
          // solved later (dgetrs solves with Lᵀ backwards): the first non-finite
          // entry in program order is then not where the overflow happened.
          XCTAssertTrue(variable.hasPrefix("a"), "\(solver) \(label): \(variable)")
        } else {
          XCTAssertEqual(variable, "a309", "\(solver) \(label)")
        }
      }
    }
  }

  /// Huge multipliers overflow `∂L/∂z` (or only the size of its terms, which
  /// `relativeDual` divides by): `kktResiduals` refuses them by name instead of
  /// returning infinity or a NaN `relativeDual`, as `lagrangianGradient` does.
  func testKKTResidualsOfHugeMultipliersAreRefusedNotPassedOn() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let z = try graph.define("z", .exp, x)
    let lin = try graph.compile(objective: .variable(z)).linearize(at: [1])
    let huge = Double.greatestFiniteMagnitude
    let error = caughtLagrangePropError { _ = try lin.kktResiduals(multipliers: [huge, huge]) }
    guard case .nonFiniteResult("∂L/∂z", "x", _)? = error else {
      return XCTFail("expected .nonFiniteResult of ∂L/∂z at 'x', got \(String(describing: error))")
    }
    // ∂L/∂x = −λ_x + λ_s − λ_t cancels to 0 while its terms add up past the largest Double.
    var cancelling = ConstraintGraph()
    let y = cancelling.input("y")
    let s = try cancelling.define("s", .linear([1]), y)
    _ = try cancelling.define("t", .linear([-1]), y)
    let lin2 = try cancelling.compile(objective: .variable(s)).linearize(at: [1])
    let cancelled = caughtLagrangePropError {
      _ = try lin2.kktResiduals(multipliers: [0, huge, huge])
    }
    guard case .nonFiniteResult("size of the terms of ∂L/∂z", "y", _)? = cancelled else {
      return XCTFail(
        "expected the size of ∂L/∂z's terms at 'y', got \(String(describing: cancelled))")
    }
    // Ordinary multipliers still give finite residuals.
    let kkt = try lin2.kktResiduals()
    XCTAssertTrue(kkt.relativeDual.isFinite && kkt.relativeDual <= 1e-15, "\(kkt)")
  }

  func testHugeLinearObjectiveWeightsAreRefusedNotPassedOn() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let a = try graph.define("a", .linear([4]), x)
    let b = try graph.define("b", .linear([4]), a)
    let weights = [0, 0, Double.greatestFiniteMagnitude / 2]
    let program = try graph.compile(objective: .linear(weights))
    _ = b
    for solver in Self.smallAcyclicSolvers {
      let error = caughtLagrangePropError("\(solver)") {
        _ = try program.gradient(at: [1e-300], solver: solver)
      }
      guard case .nonFiniteResult(_, "a", _)? = error else {
        XCTFail("\(solver): expected .nonFiniteResult at 'a', got \(String(describing: error))")
        continue
      }
    }
  }

  // MARK: - Options

  func testOutOfRangeOptionsAreRefused() throws {
    let blog = try BlogExample.inOrder()
    let program = try blog.graph.compile(objective: .variable(blog.f))
    for tolerance in [Double.infinity, .nan, 1, 0.5, 0, -1e-12] {
      var options = SolveOptions()
      options.tolerance = tolerance
      let calls: [@Sendable (Program, SolveOptions) throws -> Void] = [
        { _ = try $0.evaluate(at: [0.5, -1], options: $1) },
        { _ = try $0.solveConstraints(at: [0.5, -1], options: $1) },
        { _ = try $0.gradient(at: [0.5, -1], options: $1) },
      ]
      for call in calls {
        let error = caughtLagrangePropError("tolerance \(tolerance)") { try call(program, options) }
        guard case .invalidOption("tolerance", _)? = error else {
          XCTFail("tolerance \(tolerance): got \(String(describing: error))")
          continue
        }
        assertDescription(error, contains: ["tolerance"])
      }
    }
    var options = SolveOptions()
    options.maxIterations = -1
    XCTAssertEqual(
      caughtLagrangePropError { _ = try program.gradient(at: [0.5, -1], options: options) },
      .invalidOption(name: "maxIterations", reason: "-1 is negative"))
    options = SolveOptions()
    options.minimumReciprocalCondition = 1
    guard
      case .invalidOption("minimumReciprocalCondition", _)? = caughtLagrangePropError(
        "", file: #filePath, line: #line,
        {
          _ = try program.gradient(at: [0.5, -1], options: options)
        })
    else { return XCTFail("minimumReciprocalCondition = 1 should be refused") }
  }

  /// `v = 0.5·sin v + x` with the loosest tolerance allowed still solves it:
  /// the relative residual is not bounded by 1, so the initial guess (0) does not pass.
  func testLooseToleranceStillSolves() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let v = graph.unknown("v")
    let s = try graph.define("s", .sin, v)
    try graph.define(v, .linear([0.5, 1]), s, x)
    let program = try graph.compile(objective: .variable(v))
    var options = SolveOptions()
    options.tolerance = 0.01
    let z = try program.solveConstraints(at: [1], options: options)
    let solved = z[v.index]
    XCTAssertLessThan(abs(solved - (0.5 * Foundation.sin(solved) + 1)), 0.02 * (solved + 1))
    XCTAssertGreaterThan(solved, 1)  // not the initial guess 0
  }

  // MARK: - Convergence that cannot pass without solving

  /// Fixed-point iteration on `z = 2z + 1 + x` diverges: refused, not returned.
  func testDivergingFixedPointIsNotConverged() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let z = graph.unknown("z")
    try graph.define(z, .affine(constant: 1, coefficients: [2, 1]), z, x)
    let program = try graph.compile(objective: .variable(z))
    var options = SolveOptions()
    options.forwardMethod = .fixedPoint
    let error = caughtLagrangePropError {
      _ = try program.solveConstraints(at: [0.25], options: options)
    }
    guard case .notConverged(["z"], _, _)? = error else {
      return XCTFail("expected .notConverged, got \(String(describing: error))")
    }
  }

  /// Newton on `v = 10³⁰⁸ − y` warm-started at the largest double: the scale of
  /// the residual's terms is near overflow, yet the solve returns `10³⁰⁸ − y`.
  func testResidualScaleNearOverflowStillSolves() throws {
    var graph = ConstraintGraph()
    let y = graph.input("y")
    let v = graph.unknown("v")
    try graph.define(v, .affine(constant: 1e308, coefficients: [-1, 0]), y, v)
    let program = try graph.compile(objective: .variable(v))
    var options = SolveOptions()
    var guess = [Double](repeating: 0, count: program.variableCount)
    guess[v.index] = .greatestFiniteMagnitude
    options.initialGuess = guess
    let z = try program.solveConstraints(at: [1e307], options: options)
    XCTAssertEqual(z[v.index], 9e307, accuracy: 9e307 * 1e-15)
  }

  // MARK: - Undetermined variables: refused by every call

  func testUndeterminedVariablesAreRefusedByEveryCall() throws {
    // v = v (at any x), and 0·v + x = 0 at x = 0.
    var identity = ConstraintGraph()
    let x1 = identity.input("x")
    let v1 = identity.unknown("v")
    let copy = try identity.define("c", .linear([1, 0]), v1, x1)
    try identity.define(v1, .sum, copy)
    var zeroSlope = ConstraintGraph()
    let x2 = zeroSlope.input("x")
    let v2 = zeroSlope.unknown("v")
    try zeroSlope.constrain(v2, residual: .linear([0, 1]), v2, x2)
    for (label, graph, v) in [("v = v", identity, v1), ("0·v + x = 0", zeroSlope, v2)] {
      let program = try graph.compile(objective: .variable(v))
      let calls =
        ["solveConstraints", "evaluate"] + Self.smallCyclicSolvers.map { "gradient \($0)" }
      for call in calls {
        let error = caughtLagrangePropError("\(label) \(call)") {
          switch call {
          case "solveConstraints": _ = try program.solveConstraints(at: [0])
          case "evaluate": _ = try program.evaluate(at: [0])
          default:
            let solver = Self.smallCyclicSolvers.first { "gradient \($0)" == call }!
            _ = try program.gradient(at: [0], solver: solver)
          }
        }
        guard case .singularJacobian("v", _)? = error else {
          XCTFail(
            "\(label) \(call): expected .singularJacobian at 'v', got \(String(describing: error))")
          continue
        }
      }
    }
  }

  // MARK: - Warm starts as accurate as cold ones

  /// A two-state Markov reward process with `β = 1 − 10⁻⁹` (`κ ≈ 10⁹`): central
  /// differences of warm-started solves match the gradient (`1/(1 − β)` per
  /// reward), as cold ones do.
  func testWarmStartedSolvesAreAsAccurateAsColdOnes() throws {
    let beta = 1 - 1e-9
    let program = try TwoStateMarkov(beta: beta).program
    let x = [1.0, 2.0]
    let lin = try program.linearize(at: x)
    let g = try lin.gradient()
    let exact = 1 / (1 - beta)
    for j in 0..<2 { XCTAssertEqual(g.gradient[j], exact, accuracy: exact * 1e-6) }
    XCTAssertLessThan(try XCTUnwrap(g.reciprocalCondition), 1e-8)
    let h = 1e-3
    var warm = SolveOptions()
    warm.initialGuess = lin.values
    for options in [SolveOptions(), warm] {
      let plus = try program.evaluate(at: [x[0] + h, x[1]], options: options)
      let minus = try program.evaluate(at: [x[0] - h, x[1]], options: options)
      let difference = (plus - minus) / (2 * h)
      XCTAssertEqual(
        difference, exact, accuracy: exact * 1e-4,
        options.initialGuess == nil ? "cold" : "warm")
    }
  }

  // MARK: - One singularity policy; condition reported

  /// `a = eˣ, b = e^a` at `x = 3.6`: `∂b/∂a ≈ 8·10¹⁵`, an exactly regular unit
  /// triangular `D`. Every solver answers, and agrees with the sweep (the sparse LU
  /// too: it equilibrates rows and columns before judging its pivots).
  func testOneLargePartialIsNotSingular() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let a = try graph.define("a", .exp, x)
    let b = try graph.define("b", .exp, a)
    let program = try graph.compile(objective: .variable(b))
    let reference = try program.gradient(at: [3.6], solver: .sweep)
    XCTAssertNil(reference.reciprocalCondition)
    let exact = Foundation.exp(Foundation.exp(3.6) + 3.6)
    XCTAssertEqual(reference.gradient[0], exact, accuracy: exact * 1e-13)
    for solver in Self.smallAcyclicSolvers + [.sparseLU, .krylov] {
      let g = try program.gradient(at: [3.6], solver: solver)
      XCTAssertEqual(g.gradient[0], exact, accuracy: exact * 1e-13, "\(solver)")
    }
  }

  /// The double root of `z = z²/4 + 1 + x` at `x = 0` (`z = 2`, where `∂c/∂z = 0`):
  /// Newton stops near it, where the Jacobian is nearly singular; every solver
  /// says so through `reciprocalCondition`, and a threshold refuses it.
  func testNearlySingularJacobianAtTheSolutionIsReported() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let z = graph.unknown("z")
    let quarter = try graph.define(
      "z²/4", .affine(constant: 0, coefficients: [0.25]), try graph.define("z²", .square, z))
    try graph.define(z, .affine(constant: 1, coefficients: [1, 1]), quarter, x)
    let program = try graph.compile(objective: .variable(z))
    for solver in Self.smallCyclicSolvers {
      let g = try program.gradient(at: [0], solver: solver)
      let rcond = try XCTUnwrap(g.reciprocalCondition, "\(solver)")
      XCTAssertLessThan(rcond, 1e-4, "\(solver)")
      var strict = SolveOptions()
      strict.minimumReciprocalCondition = 1e-3
      let error = caughtLagrangePropError("\(solver)") {
        _ = try program.gradient(at: [0], solver: solver, options: strict)
      }
      guard case .illConditioned(let reported, 1e-3, _)? = error else {
        XCTFail("\(solver): expected .illConditioned, got \(String(describing: error))")
        continue
      }
      XCTAssertEqual(reported, rcond, accuracy: rcond * 1e-12)
    }
    // Well away from the double root the same program is well conditioned.
    for solver in Self.smallCyclicSolvers {
      let g = try program.gradient(at: [-1], solver: solver)
      XCTAssertGreaterThan(try XCTUnwrap(g.reciprocalCondition), 0.1, "\(solver)")
    }
  }

  /// The Markov reward process with `β = 1 − 10⁻¹⁵`: every solver gives the same
  /// verdict — singular to working precision, or answered with a reciprocal
  /// condition number that says the answer has no reliable digits.
  func testNearlySingularMarkovBlockGetsOneVerdict() throws {
    let p: [[Double]] = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
    let beta = 1 - 1e-15
    var graph = ConstraintGraph()
    let r = (0..<3).map { graph.input("r\($0)") }
    let v = (0..<3).map { graph.unknown("v\($0)") }
    for i in 0..<3 {
      try graph.define(v[i], .linear([1] + p[i].map { beta * $0 }), [r[i]] + v)
    }
    let total = try graph.define("Σv", .sum, v)
    let program = try graph.compile(objective: .variable(total))
    for solver in Self.smallCyclicSolvers {
      do {
        let g = try program.gradient(at: [1, 2, 3], solver: solver)
        XCTAssertLessThan(try XCTUnwrap(g.reciprocalCondition), 1e-13, "\(solver)")
      } catch {
        guard case .singularJacobian = error else {
          XCTFail("\(solver): \(error)")
          continue
        }
      }
    }
  }

  // MARK: - Memory limits on every allocation

  func testImplicitJacobianRespectsTheMemoryLimit() throws {
    let blog = try BlogExample.inOrder()
    let program = try blog.graph.compile(objective: .variable(blog.f))
    var options = SolveOptions()
    options.matrixByteLimit = 8 * 8 * 2 - 1  // n = 8, d = 2
    for solver in [Solver.automatic, .sweep, .blockTriangular] {
      let lin = try program.linearize(at: [0.5, -1], solver: solver, options: options)
      assertLagrangePropError(
        .resultTooLarge(quantity: "implicitJacobian()", bytes: 128, limit: 127),
        mentioning: ["implicitJacobian()", "128 bytes"], "\(solver)"
      ) { _ = try lin.implicitJacobian() }
    }
    options.matrixByteLimit = 128
    let lin = try program.linearize(at: [0.5, -1], solver: .sweep, options: options)
    XCTAssertEqual(try lin.implicitJacobian().rows, 8)
  }

  /// A cyclic block with a banded reduced Jacobian (a tridiagonal system of 40
  /// residual constraints): its band storage is sized against the limit too.
  func testBandedBlockRespectsTheMemoryLimit() throws {
    let n = 40
    var graph = ConstraintGraph()
    let s = (0..<n).map { graph.input("s\($0)") }
    let u = (0..<n).map { graph.unknown("u\($0)") }
    for i in 0..<n {
      let neighbours = (i > 0 ? [u[i - 1]] : []) + (i < n - 1 ? [u[i + 1]] : [])
      try graph.constrain(
        u[i], residual: .linear([4] + neighbours.map { _ in -1 } + [-1]),
        [u[i]] + neighbours + [s[i]])
    }
    let program = try graph.compile(objective: .variable(u[0]))
    var options = SolveOptions()
    options.matrixByteLimit = 8 * n * 4 - 1  // ldab = 2·1 + 1 + 1 = 4
    let error = caughtLagrangePropError {
      _ = try program.gradient(
        at: [Double](repeating: 1, count: n), solver: .blockTriangular, options: options)
    }
    guard case .cyclicBlockTooLarge(let variables, n, let bytes, let limit)? = error else {
      return XCTFail("expected .cyclicBlockTooLarge, got \(String(describing: error))")
    }
    XCTAssertTrue(variables.contains("u0"))
    XCTAssertEqual(bytes, 8 * n * 4)
    XCTAssertEqual(limit, options.matrixByteLimit)
  }

  // MARK: - The Lagrangian refuses what kktResiduals refuses

  func testLagrangianRefusesNonFiniteArguments() throws {
    let blog = try BlogExample.inOrder()
    let program = try blog.graph.compile(objective: .variable(blog.f))
    let lin = try program.linearize(at: [0.5, -1])
    var multipliers = try lin.adjoints()
    multipliers[blog.c.index] = .infinity
    let expected = LagrangePropError.nonFiniteArgument(
      argument: "multipliers", variable: "c", value: .infinity)
    assertLagrangePropError(expected, mentioning: ["'c'", "multipliers"], "lagrangian") {
      _ = try lin.lagrangian(multipliers: multipliers)
    }
    assertLagrangePropError(expected, mentioning: ["'c'", "multipliers"], "lagrangianGradient") {
      _ = try lin.lagrangianGradient(multipliers: multipliers)
    }
    assertLagrangePropError(expected, mentioning: ["'c'", "multipliers"], "kktResiduals") {
      _ = try lin.kktResiduals(multipliers: multipliers)
    }
    assertLagrangePropError(
      .nonFiniteInput(variable: "x", value: .infinity), mentioning: ["'x'"]
    ) {
      _ = try program.lagrangian(
        inputs: [.infinity, -1], values: lin.values, multipliers: lin.adjoints())
    }
  }

  // MARK: - Linearizing at a solution computed elsewhere

  func testLinearizeAtAGivenSolution() throws {
    let p: [[Double]] = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
    var graph = ConstraintGraph()
    let r = (0..<3).map { graph.input("r\($0)") }
    let v = (0..<3).map { graph.unknown("v\($0)") }
    for i in 0..<3 { try graph.define(v[i], .linear([1] + p[i].map { 0.9 * $0 }), [r[i]] + v) }
    let total = try graph.define("Σv", .sum, v)
    let program = try graph.compile(objective: .variable(total))
    let x = [1.0, 2.0, 3.0]
    let reference = try program.gradient(at: x, solver: .lu)
    // "Your own solver": the engine's values, to full accuracy.
    let z = try program.solveConstraints(at: x)
    for solver in Self.smallCyclicSolvers {
      let lin = try program.linearize(at: x, solution: z, solver: solver)
      assertClose(try lin.gradient().gradient, reference.gradient, relative: 1e-12, "\(solver)")
    }
    // Values that do not solve the constraints are refused, naming the constraint.
    var wrong = z
    wrong[v[1].index] += 1e-6
    let error = caughtLagrangePropError { _ = try program.linearize(at: x, solution: wrong) }
    guard case .notASolution(let variable, let residual, 1e-12)? = error else {
      return XCTFail("expected .notASolution, got \(String(describing: error))")
    }
    XCTAssertTrue(["v0", "v1", "v2"].contains(variable), variable)
    XCTAssertGreaterThan(residual, 1e-12)
    // An input whose value in `solution` differs from `inputs`.
    var shifted = z
    shifted[r[0].index] = 5
    guard
      case .notASolution("r0", _, _)? = caughtLagrangePropError(
        "", file: #filePath, line: #line,
        {
          _ = try program.linearize(at: x, solution: shifted)
        })
    else { return XCTFail("expected .notASolution at 'r0'") }
    // Wrong length, non-finite entries.
    XCTAssertEqual(
      caughtLagrangePropError { _ = try program.linearize(at: x, solution: [1]) },
      .wrongLength(argument: "solution", expected: program.variableCount, actual: 1))
    var nonFinite = z
    nonFinite[v[2].index] = .infinity
    XCTAssertEqual(
      caughtLagrangePropError { _ = try program.linearize(at: x, solution: nonFinite) },
      .nonFiniteArgument(argument: "solution", variable: "v2", value: .infinity))
  }

  // MARK: - Forward solves independent of declaration order

  /// `v = 0.4·log(1 + v²) + 0.2·√(1 + v²) + x`, written through `S = v²`,
  /// `T = 1 + S`, `L = log T`, `R = √T`. Which variable feeds back depends on the
  /// declaration order; when it is `T`, the default start `T = 0` is outside
  /// `log`'s domain. Every declaration order solves it, to the same value.
  func testForwardSolveDoesNotDependOnDeclarationOrder() throws {
    let names = ["T", "v", "S", "L", "R"]
    func permutations(_ items: [String]) -> [[String]] {
      items.count <= 1
        ? [items]
        : items.indices.flatMap { i in
          permutations(Array(items[..<i] + items[(i + 1)...])).map { [items[i]] + $0 }
        }
    }
    var solutions: [Double] = []
    for order in permutations(names) {
      var graph = ConstraintGraph()
      let x = graph.input("x")
      var handle: [String: Variable] = [:]
      for name in order { handle[name] = graph.unknown(name) }
      let (v, s, t, l, r) = (handle["v"]!, handle["S"]!, handle["T"]!, handle["L"]!, handle["R"]!)
      try graph.define(s, .square, v)
      try graph.define(t, .affine(constant: 1, coefficients: [1]), s)
      try graph.define(l, .log, t)
      try graph.define(r, .sqrt, t)
      try graph.define(v, .linear([0.4, 0.2, 1]), l, r, x)
      let program = try graph.compile(objective: .variable(v))
      let z = try program.solveConstraints(at: [0.3])
      let value = z[v.index]
      let expected =
        0.4 * Foundation.log(1 + value * value) + 0.2 * Foundation.sqrt(1 + value * value) + 0.3
      XCTAssertEqual(value, expected, accuracy: 1e-12, "\(order)")
      solutions.append(value)
    }
    XCTAssertEqual(solutions.count, 120)
    for value in solutions { XCTAssertEqual(value, solutions[0], accuracy: 1e-12) }
  }

  /// `estimatesCondition = false` skips the estimate (`nil` on every path) unless a
  /// threshold asks for it; the answer is the same.
  func testConditionEstimateCanBeSkipped() throws {
    let program = try TwoStateMarkov(beta: 0.9).program
    var options = SolveOptions()
    options.estimatesCondition = false
    for solver in Self.smallCyclicSolvers {
      let skipped = try program.gradient(at: [1, 2], solver: solver, options: options)
      let estimated = try program.gradient(at: [1, 2], solver: solver)
      XCTAssertNil(skipped.reciprocalCondition, "\(solver)")
      XCTAssertNotNil(estimated.reciprocalCondition, "\(solver)")
      XCTAssertEqual(skipped.gradient, estimated.gradient, "\(solver)")
      var threshold = options
      threshold.minimumReciprocalCondition = 1e-3
      XCTAssertNotNil(
        try program.gradient(at: [1, 2], solver: solver, options: threshold).reciprocalCondition)
    }
  }

  /// Options are validated even when there is nothing to do, and a function of
  /// no arguments is refused with a message that does not contradict itself.
  func testEmptyBatchValidatesOptionsAndZeroArityMessage() throws {
    let program = try TwoStateMarkov(beta: 0.9).program
    var options = SolveOptions()
    options.tolerance = .nan
    guard
      case .invalidOption("tolerance", _)? = caughtLagrangePropError(
        "empty batch",
        {
          _ = try program.gradients(at: [], options: options)
        })
    else { return XCTFail("expected .invalidOption for an empty batch") }
    var graph = ConstraintGraph()
    _ = graph.input("x")
    let error = caughtLagrangePropError("linear([])") { _ = try graph.define("z", .linear([])) }
    assertDescription(error, contains: ["at least 1"])
  }
}
