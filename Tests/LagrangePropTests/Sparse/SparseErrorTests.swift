import LagrangeProp
import SeededRandom
import XCTest

/// Typed errors of the sparse paths: a singular block (sparse LU), GMRES that
/// does not converge, factors over the memory limit, invalid Krylov options.
final class SparseErrorTests: XCTestCase {
  /// `n` unknowns in one cycle, `g_i = u_i − 0.5·u_{i+1} − x` for `i < n − 1`,
  /// and the last constraint a copy of the first: structurally regular (a
  /// perfect matching exists), exactly singular. At `x = 0`, `u = 0` solves it,
  /// so the forward solve succeeds without a factorization and the linearization
  /// meets the singular matrix.
  static func singularCycle(_ n: Int) throws -> Program {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let u = (0..<n).map { graph.unknown("u\($0)") }
    for i in 0..<(n - 1) {
      try graph.constrain(u[i], residual: .linear([1, -0.5, -1]), u[i], u[i + 1], x)
    }
    try graph.constrain(u[n - 1], residual: .linear([1, -0.5, -1]), u[0], u[1], x)
    return try graph.compile(objective: .linear((0...n).map { Double($0 % 3) - 1 }))
  }

  func testSingularBlockIsASingularJacobianNamingAVariable() throws {
    let program = try Self.singularCycle(1000)
    for solver in [Solver.sparseLU, .blockTriangular, .automatic] {
      guard
        case .singularJacobian(let variable, let routine)? = thrownError({
          _ = try program.gradient(at: [0], solver: solver)
        }) as? LagrangePropError
      else { return XCTFail("\(solver): expected .singularJacobian") }
      XCTAssertTrue(variable.hasPrefix("u"), "\(solver): \(variable)")
      XCTAssertTrue(routine.hasPrefix("umfpack_dl_numeric"), "\(solver): \(routine)")
    }
  }

  func testGMRESThatDoesNotConvergeIsATypedError() throws {
    let grid = try PoissonGridFixture(dimensions: 2, size: 20, nonlinear: false, seed: 1)
    var options = SolveOptions()
    options.krylovMaxIterations = 3
    guard
      case .krylovNotConverged(let iterations, let residual, let tolerance)? = thrownError({
        _ = try grid.program.gradient(at: grid.inputs, solver: .krylov, options: options)
      }) as? LagrangePropError
    else { return XCTFail("expected .krylovNotConverged") }
    XCTAssertEqual(iterations, 3)
    XCTAssertGreaterThan(residual, tolerance)
    // The forward solve's own GMRES solve runs out first (its singularity check,
    // running alongside to a looser tolerance, is waited for after it).
    XCTAssertEqual(tolerance, 1e-12)
  }

  func testGMRESOnASingularSystemDoesNotReturnAnApproximateGradient() throws {
    // At x = 0 the forward solve converges on its initial guess, and the
    // singularity check of the Jacobian there refuses it.
    let program = try Self.singularCycle(50)
    let error = caughtLagrangePropError { _ = try program.gradient(at: [0], solver: .krylov) }
    guard case .singularJacobian(let variable, let routine)? = error else {
      return XCTFail("expected .singularJacobian, got \(String(describing: error))")
    }
    XCTAssertTrue(variable.hasPrefix("u"), variable)
    XCTAssertTrue(routine.hasPrefix("GMRES"), routine)
  }

  func testSparseFactorsOverTheLimitAreRefused() throws {
    // A random Markov chain: the forward solve runs GMRES (its fill screen rules
    // out a sparse LU), then `.sparseLU` counts the fill of D_zz's LU by AMD.
    let markov = try SparseMarkovFixture(states: 3000, transitions: 8, seed: 2)
    var options = SolveOptions()
    options.matrixByteLimit = 10_000_000
    guard
      case .sparseFactorTooLarge(let variables, let order, let nonzeros, let bytes, let limit)? =
        thrownError({
          _ = try markov.program.gradient(at: markov.rewards, solver: .sparseLU, options: options)
        }) as? LagrangePropError
    else { return XCTFail("expected .sparseFactorTooLarge") }
    XCTAssertEqual(order, 3000)
    XCTAssertTrue(variables.allSatisfy { $0.hasPrefix("v") })
    XCTAssertGreaterThan(nonzeros, 30_000)  // D_zz holds under 27 000: fill
    XCTAssertGreaterThan(bytes, limit)
    XCTAssertEqual(limit, 10_000_000)
  }

  func testInvalidKrylovOptionsAreRefused() throws {
    let grid = try PoissonGridFixture(dimensions: 2, size: 4, nonlinear: false, seed: 1)
    var bad = [(String, SolveOptions)]()
    var options = SolveOptions()
    options.krylovTolerance = 0
    bad.append(("krylovTolerance", options))
    options = SolveOptions()
    options.krylovMaxIterations = 0
    bad.append(("krylovMaxIterations", options))
    options = SolveOptions()
    options.krylovRestart = 0
    bad.append(("krylovRestart", options))
    for (name, options) in bad {
      guard
        case .invalidOption(let option, _)? = thrownError({
          _ = try grid.program.gradient(at: grid.inputs, solver: .krylov, options: options)
        }) as? LagrangePropError
      else { return XCTFail("\(name): expected .invalidOption") }
      XCTAssertEqual(option, name)
    }
  }

  /// A chain `z_k = 10¹⁰·z_{k−1}` whose `dz/dx` (10^(10·steps)) overflows: UMFPACK's
  /// scaled solve came back finite and wrong (0) for the gradient, tangents and
  /// `implicitJacobian`; now a typed error, as on the dense paths (found by an
  /// outside probe).
  func testOverflowingSparseSolveIsAnErrorNotZero() throws {
    for steps in [31, 40] {
      var graph = ConstraintGraph()
      var z = graph.input("x")
      for _ in 0..<steps { z = try graph.define(.linear([1e10]), z) }
      let program = try graph.compile(objective: .variable(z))
      let point = [1e-300]
      XCTAssertNotNil(
        caughtLagrangePropError("gradient, \(steps) steps") {
          _ = try program.gradient(at: point, solver: .sparseLU)
        })
      let lin = try program.linearize(at: point, solver: .sparseLU)
      var seed = [Double](repeating: 0, count: program.variableCount)
      seed[0] = 1
      XCTAssertNotNil(
        caughtLagrangePropError("tangents, \(steps) steps") { _ = try lin.tangents(seed: seed) })
      XCTAssertNotNil(
        caughtLagrangePropError("implicitJacobian, \(steps) steps") {
          _ = try lin.implicitJacobian()
        })
      // The dense LU refuses it too, by name.
      XCTAssertNotNil(
        caughtLagrangePropError("lu, \(steps) steps") {
          _ = try program.gradient(at: point, solver: .lu)
        })
    }
  }
}
