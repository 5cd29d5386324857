// The typed errors of the band paths (`.bandTooWide`, `.cyclicProgram`,
// `.singularJacobian` from `dgbtrf`) and the `.automatic` choice of a band
// solver, with its reason.

import Foundation
import LagrangeProp
import XCTest

final class BandedErrorTests: XCTestCase {
  /// A fan-in (`root = Σ leaves`) has a band as wide as dense (`upper = m − 1`):
  /// both band solvers refuse it, naming themselves and the bandwidths, while
  /// the dense solvers and the sweep take it.
  func testBandTooWideWhenBandIsAsWideAsDense() throws {
    for leafCount in [2, 5, 30] {
      var graph = ConstraintGraph()
      let x = graph.input("x")
      let leaves = try (0..<leafCount).map { try graph.define("l\($0)", .power(Double($0 + 1)), x) }
      let root = try graph.define("root", .sum, leaves)
      let program = try graph.compile(objective: .variable(root))
      let m = leafCount + 1
      XCTAssertEqual(program.bandwidth, .init(lower: 0, upper: m - 1))
      for solver in [Solver.bandedTriangular, .bandedLU] {
        let error = thrownError { _ = try program.gradient(at: [1.1], solver: solver) }
        XCTAssertEqual(
          error as? LagrangePropError,
          .bandTooWide(solver: solver, lower: 0, upper: m - 1, order: m), "\(solver)")
        let message = String(describing: try XCTUnwrap(error))
        XCTAssertTrue(message.contains(".\(solver.rawValue)"), message)
        XCTAssertTrue(message.contains("lower 0, upper \(m - 1)"), message)
        XCTAssertTrue(message.contains("order \(m)"), message)
        assertThrows(
          LagrangePropError.bandTooWide(solver: solver, lower: 0, upper: m - 1, order: m)
        ) {
          _ = try program.linearize(at: [1.1], solver: solver)
        }
      }
      // Σ_k (k + 1)·x^k at x = 1.1, by every solver that accepts the program.
      let expected = (0..<leafCount).reduce(0.0) { $0 + Double($1 + 1) * pow(1.1, Double($1)) }
      for solver in [Solver.sweep, .triangular, .lu, .blockTriangular, .automatic] {
        assertClose(
          try program.gradient(at: [1.1], solver: solver).gradient, [expected],
          relative: bandExactRelative)
      }
    }
  }

  /// A periodic boundary-value problem couples `u_1` and `u_N`: its cyclic band
  /// `(N − 1, N − 1)` is refused by `.bandedLU`; `.automatic` keeps the
  /// block-triangular solver for it.
  func testPeriodicSystemIsTooWideForBandLU() throws {
    let nodes = 9
    let (fixture, _) = try makeBandBoundaryValueProblem(nodes: nodes, mu: 1, periodic: true)
    let program = try fixture.graph.compile(
      objective: bandQuadraticObjective(count: fixture.variableCount, seed: 1))
    XCTAssertEqual(program.bandwidth, .init(lower: nodes - 1, upper: nodes - 1))
    let x = bandBoundaryValueInputs(nodes: nodes, periodic: true)
    assertThrows(
      LagrangePropError.bandTooWide(
        solver: .bandedLU, lower: nodes - 1, upper: nodes - 1, order: nodes)
    ) {
      _ = try program.gradient(at: x, solver: .bandedLU)
    }
    let automatic = try program.gradient(at: x)
    XCTAssertEqual(automatic.solver, .blockTriangular)
    XCTAssertTrue(automatic.solverReason.contains("cyclic"), automatic.solverReason)
    assertClose(
      automatic.gradient, try program.gradient(at: x, solver: .lu).gradient,
      relative: bandExactRelative)
    try assertBandPathsAgree(fixture, program, at: x, seed: 4)
  }

  /// `.bandedTriangular` on a cyclic program: `.cyclicProgram` naming the solver
  /// and the variables of the cycle.
  func testBandedTriangularRefusesCyclicProgram() throws {
    let nodes = 20
    let (fixture, u) = try makeBandBoundaryValueProblem(nodes: nodes)
    let program = try fixture.graph.compile(objective: .variable(u[3]))
    let error = thrownError {
      _ = try program.gradient(at: bandBoundaryValueInputs(nodes: nodes), solver: .bandedTriangular)
    }
    guard case .cyclicProgram(let solver, let variables)? = error as? LagrangePropError else {
      return XCTFail("expected .cyclicProgram, got \(String(describing: error))")
    }
    XCTAssertEqual(solver, .bandedTriangular)
    XCTAssertEqual(variables, (1...16).map { "u\($0)" })
    let message = String(describing: try XCTUnwrap(error))
    XCTAssertTrue(message.contains(".bandedTriangular"), message)
    XCTAssertTrue(message.contains("'u1'"), message)
    assertThrows(LagrangePropError.cyclicProgram(solver: .bandedTriangular, variables: variables)) {
      _ = try program.linearize(
        at: bandBoundaryValueInputs(nodes: nodes), solver: .bandedTriangular)
    }
  }

  /// A cyclic tridiagonal system whose Jacobian is singular at its solution:
  /// with `a = b = s = 0` the solution is `u = 0`, where node 4's equation
  /// `u₃·u₅ + u₄³ = s₄` has no partials, so `D_zz`'s column for `u4` is zero and
  /// the equilibration (`dgbequb` / `dgeequb`) meets it first — reported with the variable's
  /// name, whatever the declaration order (program position ≠ declaration index).
  func testSingularBandFactorNamesVariable() throws {
    let nodes = 10
    let zero = [Double](repeating: 0, count: nodes + 2)
    for declaration in [BandNodeDeclaration.inOrder, .reversed] {
      let (fixture, u) = try makeBandBoundaryValueProblem(
        nodes: nodes, declaration: declaration, degenerateNode: 4)
      let program = try fixture.graph.compile(objective: .variable(u[0]))
      XCTAssertEqual(program.bandwidth, .init(lower: 1, upper: 1))
      // The forward solve refuses the undetermined variable too (it factors the
      // block at the solution it found), as every later call would.
      XCTAssertEqual(
        thrownError { _ = try program.solveConstraints(at: zero) } as? LagrangePropError,
        .singularJacobian(variable: "u4", routine: "dgbequb"), "\(declaration)")
      for solver in [Solver.bandedLU, .automatic] {
        let error = thrownError { _ = try program.linearize(at: zero, solver: solver) }
        XCTAssertEqual(
          error as? LagrangePropError, .singularJacobian(variable: "u4", routine: "dgbequb"),
          "\(declaration) \(solver)")
        let message = String(describing: try XCTUnwrap(error))
        XCTAssertTrue(message.contains("'u4'"), message)
        XCTAssertTrue(message.contains("dgbequb"), message)
      }
      // The dense LU meets the same zero column.
      assertThrows(
        LagrangePropError.singularJacobian(variable: "u4", routine: "dgbequb"), "\(declaration)"
      ) {
        _ = try program.gradient(at: zero, solver: .lu)
      }
    }
  }

  /// `.automatic` on a narrow cyclic program takes `.bandedLU` and says why
  /// (the band, and its flop estimate against the block-triangular one), on
  /// `gradient` and `linearize` alike; results equal `.lu`.
  func testAutomaticPicksBandedLUForNarrowCyclicProgram() throws {
    for nodes in [8, 40] {
      let (fixture, _) = try makeBandBoundaryValueProblem(nodes: nodes)
      let program = try fixture.graph.compile(
        objective: bandQuadraticObjective(count: fixture.variableCount, seed: 2))
      let x = bandBoundaryValueInputs(nodes: nodes)
      let g = try program.gradient(at: x)
      XCTAssertEqual(g.solver, .bandedLU, "N = \(nodes)")
      for fragment in [
        "cyclic", "narrow band", "(lower: 1, upper: 1)", "band LU", "< block-triangular",
      ] {
        XCTAssertTrue(
          g.solverReason.contains(fragment), "'\(fragment)' missing from: \(g.solverReason)")
      }
      let lin = try program.linearize(at: x)
      XCTAssertEqual(lin.solver, .bandedLU)
      XCTAssertEqual(lin.solverReason, g.solverReason)
      guard case .bandedLU = lin.factor else { return XCTFail("expected a band LU factor") }
      let reference = try program.gradient(at: x, solver: .lu)
      assertClose(g.gradient, reference.gradient, relative: bandExactRelative)
      assertClose(g.adjoints, reference.adjoints, relative: bandExactRelative)
      XCTAssertEqual(try program.gradient(at: x, solver: .bandedLU).solverReason, "requested")
    }
  }

  /// `.automatic` keeps the sweep for acyclic programs, banded or not.
  func testAutomaticPicksSweepForAcyclicPrograms() throws {
    func lastVariable(_ f: BandedFixture) throws -> Program {
      try f.graph.compile(objective: .variable(f.variables[f.variableCount - 1]))
    }
    let programs: [(String, Program, [Double])] = [
      ("chain", try lastVariable(makeBandChain(length: 30).fixture), [0.7]),
      (
        "recurrence", try lastVariable(makeBandRecurrence(order: 5, steps: 40)),
        [0.1, 0.2, -0.3, 0.4, 0.0]
      ),
      (
        "parameterised chain", try lastVariable(makeBandParameterisedChain(steps: 10)),
        [0.4, 1.3, -0.2]
      ),
    ]
    for (name, program, x) in programs {
      XCTAssertTrue(program.isAcyclic, name)
      let g = try program.gradient(at: x)
      XCTAssertEqual(g.solver, .sweep, name)
      XCTAssertTrue(g.solverReason.contains("acyclic"), g.solverReason)
      assertClose(
        g.gradient, try program.gradient(at: x, solver: .bandedTriangular).gradient,
        relative: bandExactRelative, name)
    }
  }
}
