import LagrangeProp
import XCTest

/// Solver preconditions (issue 3, item 6): triangular solvers refuse cycles,
/// dense paths refuse sizes over the memory limit — typed errors whose messages
/// name the variables (or the bytes) and the way out.
final class SolverPreconditionErrorTests: XCTestCase {
  static let acyclicOnly: [Solver] = [.sweep, .triangular, .bandedTriangular]

  /// `u = 0.5·v + x`, `v = 0.5·u`: `u = x / 0.75`, so `du/dx = 4/3`.
  func twoCycle() throws -> Program {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let u = graph.unknown("u")
    let v = graph.unknown("v")
    try graph.define(u, .linear([0.5, 1]), v, x)
    try graph.define(v, .linear([0.5]), u)
    return try graph.compile(objective: .variable(u))
  }

  func testTriangularSolversRefuseCycles() throws {
    let program = try twoCycle()
    XCTAssertFalse(program.isAcyclic)
    for solver in Self.acyclicOnly {
      for (entry, call) in [
        ("gradient", { _ = try program.gradient(at: [1], solver: solver) }),
        ("linearize", { _ = try program.linearize(at: [1], solver: solver) }),
      ] as [(String, () throws -> Void)] {
        let error = caughtLagrangePropError("\(entry), .\(solver)", call)
        guard case .cyclicProgram(let name, let variables)? = error else {
          XCTFail("\(entry), .\(solver): got \(String(describing: error))")
          continue
        }
        XCTAssertEqual(name, solver)
        XCTAssertEqual(Set(variables), ["u", "v"])
        assertDescription(
          error, contains: [".\(solver)", "'u'", "'v'", "acyclic", ".lu"], "\(entry), .\(solver)")
      }
    }
    // The solvers that take cycles agree with the closed form.
    for solver in [Solver.lu, .blockTriangular, .automatic] {
      let g = try program.gradient(at: [1], solver: solver)
      assertClose(g.value, 4.0 / 3, relative: 1e-14, ".\(solver)")
      assertClose(g.gradient, [4.0 / 3], relative: 1e-14, ".\(solver)")
    }
  }

  func testSelfLoopIsACycle() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let u = graph.unknown("u")
    try graph.define(u, .affine(constant: 1, coefficients: [0.5, 1]), u, x)
    let program = try graph.compile(objective: .variable(u))
    for solver in Self.acyclicOnly {
      assertLagrangePropError(
        .cyclicProgram(solver: solver, variables: ["u"]),
        mentioning: ["'u'", ".\(solver)"]
      ) { _ = try program.gradient(at: [0], solver: solver) }
    }
    // u = 2 + 2x.
    assertClose(try program.gradient(at: [1], solver: .lu).gradient, [2], relative: 1e-14)
  }

  func testDenseOverTheLimit() throws {
    let blog = try BlogExample.inOrder()
    let program = try blog.graph.compile(objective: .variable(blog.f))
    // The non-input block has m = 6: 8·36 = 288 bytes.
    var options = SolveOptions()
    options.matrixByteLimit = 287
    for solver in [Solver.triangular, .lu] {
      for call in [
        { _ = try program.gradient(at: [0.5, -1], solver: solver, options: options) },
        { _ = try program.linearize(at: [0.5, -1], solver: solver, options: options) },
      ] as [() throws -> Void] {
        assertLagrangePropError(
          .denseTooLarge(solver: solver, order: 6, bytes: 288, limit: 287),
          mentioning: [".\(solver)", "288 bytes", "287", ".sweep"]
        ) { try call() }
      }
    }
    // At the limit the dense paths run; the sweep and block-triangular paths ignore it.
    options.matrixByteLimit = 288
    let reference = try program.gradient(at: [0.5, -1], solver: .sweep)
    for solver in [Solver.triangular, .lu] {
      assertClose(
        try program.gradient(at: [0.5, -1], solver: solver, options: options).gradient,
        reference.gradient, relative: 1e-14)
    }
    options.matrixByteLimit = 0
    for solver in [Solver.sweep, .blockTriangular, .automatic] {
      assertClose(
        try program.gradient(at: [0.5, -1], solver: solver, options: options).gradient,
        reference.gradient, relative: 1e-14)
    }
    // Band paths count their band storage (8·m·ldab bytes) against the same limit.
    let bw = program.bandwidth
    let triangularBytes = 8 * 6 * (bw.upper + 1)
    assertLagrangePropError(
      .bandTooLarge(
        solver: .bandedTriangular, order: 6, lower: 0, upper: bw.upper, bytes: triangularBytes,
        limit: 0),
      mentioning: [".bandedTriangular", "\(triangularBytes) bytes", "band storage"]
    ) { _ = try program.gradient(at: [0.5, -1], solver: .bandedTriangular, options: options) }
    let luBytes = 8 * 6 * (2 * bw.lower + bw.upper + 1)
    assertLagrangePropError(
      .bandTooLarge(
        solver: .bandedLU, order: 6, lower: bw.lower, upper: bw.upper, bytes: luBytes, limit: 0),
      mentioning: [".bandedLU", "\(luBytes) bytes"]
    ) { _ = try program.gradient(at: [0.5, -1], solver: .bandedLU, options: options) }
    // jacobian() has its own limit (the whole n × n matrix: 8·64 = 512 bytes).
    let lin = try program.linearize(at: [0.5, -1])
    assertLagrangePropError(
      .resultTooLarge(quantity: "jacobian(limit:)", bytes: 512, limit: 511),
      mentioning: ["512 bytes", "limit:"]
    ) { _ = try lin.jacobian(limit: 511) }
    XCTAssertNoThrow(try lin.jacobian(limit: 512))
  }
}
