import LagrangeProp
import SeededRandom
import XCTest

/// The equivalence suite for the sparse solvers: `.sparseLU`, `.krylov` and
/// `.blockTriangular` (whose large blocks go to a sparse LU or GMRES) against
/// `.lu` on seeded random sparse cyclic programs — non-symmetric, badly scaled,
/// linear and nonlinear — at 1e-10, and against central differences at 1e-6.
final class SparseEquivalenceTests: XCTestCase {
  static let cases: [(seed: UInt64, n: Int, scale: Double, nonlinear: Bool)] = [
    (1, 12, 0, false), (2, 60, 0, true), (3, 250, 2, false), (4, 250, 2, true),
    (5, 600, 3, true),
  ]

  func testGradientsMatchLU() throws {
    for c in Self.cases {
      let random = try RandomSparseCyclicProgram(
        seed: c.seed, unknowns: c.n, perRow: 4, scaleDecades: c.scale, nonlinear: c.nonlinear)
      let program = random.program
      let reference = try program.gradient(at: random.inputs, solver: .lu)
      for solver in [Solver.sparseLU, .krylov, .blockTriangular, .automatic] {
        let options = solver == .krylov ? tightKrylovOptions() : SolveOptions()
        let result = try program.gradient(at: random.inputs, solver: solver, options: options)
        let label = "seed \(c.seed), n = \(c.n), \(solver): \(result.solverReason)"
        assertClose(result.value, reference.value, relative: 1e-10, label)
        assertClose(result.gradient, reference.gradient, relative: 1e-10, label)
        assertClose(result.adjoints, reference.adjoints, relative: 1e-10, label)
        if solver == .krylov {
          let residual = try XCTUnwrap(result.krylovResidual, label)
          XCTAssertLessThanOrEqual(residual, 1e-12, label)
        } else if solver == .sparseLU {
          XCTAssertNil(result.krylovResidual, label)
        }
      }
    }
  }

  func testTangentsAndImplicitJacobiansMatchLU() throws {
    for c in Self.cases.prefix(4) {
      let random = try RandomSparseCyclicProgram(
        seed: c.seed, unknowns: c.n, perRow: 3, scaleDecades: c.scale, nonlinear: c.nonlinear)
      let program = random.program
      let lu = try program.linearize(at: random.inputs, solver: .lu)
      var rng = SplitMix64(seed: c.seed + 50)
      let seed = randomVector(program.variableCount, using: &rng)
      let w = randomVector(program.variableCount, using: &rng)
      for solver in [Solver.sparseLU, .krylov] {
        let options = solver == .krylov ? tightKrylovOptions() : SolveOptions()
        let lin = try program.linearize(at: random.inputs, solver: solver, options: options)
        let label = "seed \(c.seed), n = \(c.n), \(solver)"
        assertClose(lin.values, lu.values, relative: 1e-10, label)
        // Transposed solves (Dᵀ τ = −v), one and many right-hand sides.
        assertClose(
          try lin.tangents(seed: seed), try lu.tangents(seed: seed), relative: 1e-10, label)
        assertClose(try lin.implicitJacobian(), try lu.implicitJacobian(), relative: 1e-10, label)
        assertClose(
          try lin.adjoints(objectiveGradient: w), try lu.adjoints(objectiveGradient: w),
          relative: 1e-10, label)
      }
    }
  }

  func testGradientsMatchFiniteDifferences() throws {
    let random = try RandomSparseCyclicProgram(
      seed: 9, unknowns: 500, perRow: 4, scaleDecades: 0, nonlinear: true)
    let program = random.program
    let difference = try FiniteDifferences.gradient(at: random.inputs) {
      try program.evaluate(at: $0)
    }
    for solver in [Solver.sparseLU, .krylov, .blockTriangular] {
      let g = try program.gradient(at: random.inputs, solver: solver).gradient
      assertClose(g, difference, relative: 1e-6, "\(solver)")
    }
  }

  func testForwardSolveWithSparseBlocksMatchesDense() throws {
    // The Newton steps themselves go through UMFPACK / inexact GMRES.
    let random = try RandomSparseCyclicProgram(
      seed: 10, unknowns: 300, perRow: 5, scaleDecades: 1, nonlinear: true)
    let reference = try random.program.linearize(at: random.inputs, solver: .lu).values
    for solver in [Solver.sparseLU, .krylov] {
      let values = try random.program.linearize(
        at: random.inputs, solver: solver, options: tightKrylovOptions()
      ).values
      assertClose(values, reference, relative: 1e-10, "\(solver)")
    }
  }

  func testAutomaticPicksSparseLUForAGridAndGMRESForARandomGraph() throws {
    // Large blocks: a 3-D grid (moderate fill, a band too wide to pay) and a
    // random sparse graph (catastrophic fill).
    let grid = try PoissonGridFixture(dimensions: 3, size: 14, nonlinear: false, seed: 3)
    let gridResult = try grid.program.gradient(at: grid.inputs, solver: .blockTriangular)
    XCTAssertTrue(gridResult.solverReason.contains("sparse LU"), gridResult.solverReason)
    let markov = try SparseMarkovFixture(states: 3000, transitions: 8, seed: 4)
    let markovResult = try markov.program.gradient(at: markov.rewards)
    XCTAssertEqual(markovResult.solver, .blockTriangular)
    XCTAssertTrue(markovResult.solverReason.contains("GMRES"), markovResult.solverReason)
    XCTAssertNotNil(markovResult.krylovResidual)
    // Both against the closed form / dense reference.
    assertClose(
      markovResult.gradient, markov.referenceGradient(), relative: 1e-10, "Markov")
    let gridReference = try grid.program.gradient(at: grid.inputs, solver: .lu)
    assertClose(gridResult.gradient, gridReference.gradient, relative: 1e-10, "grid")
  }

  func testNewtonWithAFrozenSparseLUMatchesTheExactSparseLU() throws {
    // A nonlinear grid large enough for .automatic to take a sparse LU: one LU at
    // Newton's first iterate, GMRES preconditioned by it for the later steps, and a
    // fresh LU at the solution for the linearization.
    let grid = try PoissonGridFixture(dimensions: 2, size: 90, nonlinear: true, seed: 4)
    let automatic = try grid.program.gradient(at: grid.inputs)
    XCTAssertTrue(automatic.solverReason.contains("sparse LU of order"), automatic.solverReason)
    XCTAssertNil(automatic.krylovResidual)
    let exact = try grid.program.gradient(at: grid.inputs, solver: .sparseLU)
    assertClose(automatic.gradient, exact.gradient, relative: 1e-10)
    assertClose(automatic.value, exact.value, relative: 1e-12)
  }
}
