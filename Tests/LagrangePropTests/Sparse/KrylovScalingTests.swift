import LagrangeProp
import XCTest

/// `.krylov` on right-hand sides whose squares overflow or underflow a `Double`
/// (entries beyond about 1e154 or below 1e-154, down to subnormal ones): GMRES
/// solves them scaled by a power of two and gives what the direct solvers give,
/// instead of a wrong answer or a NaN residual.
final class KrylovScalingTests: XCTestCase {
  /// `u₀ = 2x + ½u₁`, `u₁ = ½u₀ + x`, objective `u₀ + 3u₁`.
  func smallCycle() throws -> Program {
    try Program.trace(inputs: ["x"]) { t in
      let u = t.unknowns(2, name: "u")
      t.define(u[0], 2 * t.inputs[0] + 0.5 * u[1])
      t.define(u[1], 0.5 * u[0] + t.inputs[0])
      return u[0] + 3 * u[1]
    }
  }

  func testHugeAndTinySeedsGiveTheDirectSolversAnswers() throws {
    let program = try smallCycle()
    let krylov = try program.linearize(at: [1], solver: .krylov)
    let lu = try program.linearize(at: [1], solver: .lu)
    for size in [1e155, 1e300, 1e-160, 1e-300, 0x1p-1030] {  // the last one subnormal
      assertClose(
        try krylov.tangents(seed: [size, 0, 0]), try lu.tangents(seed: [size, 0, 0]),
        relative: 1e-10, "tangents, seed \(size)")
      assertClose(
        try krylov.adjoints(objectiveGradient: [0, 0, size]),
        try lu.adjoints(objectiveGradient: [0, 0, size]), relative: 1e-10,
        "adjoints, objective gradient \(size)")
    }
    // Closed form at x = 1: u₀ = (2x + ½x)/(1 − ¼) = 10/3, u₁ = ½u₀ + x = 8/3 per unit seed.
    let t = try krylov.tangents(seed: [1e155, 0, 0])
    assertClose(t, [1e155, 1e155 * 10 / 3, 1e155 * 8 / 3], relative: 1e-12)
  }

  /// A partial of 1e155 makes `implicitJacobian`'s right-hand side huge with a unit seed.
  func testImplicitJacobianWithAHugePartial() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let u0 = graph.unknown("u0"), u1 = graph.unknown("u1")
    try graph.define(u0, .linear([1e155, 0.5]), x, u1)
    try graph.define(u1, .linear([0.5, 1]), u0, x)
    let program = try graph.compile(objective: .variable(u0))
    let point = [1e-200]
    let expected = try program.linearize(at: point, solver: .lu).implicitJacobian()
    for solver in [Solver.krylov, .sparseLU, .blockTriangular] {
      let z = try program.linearize(at: point, solver: solver).implicitJacobian()
      assertClose(z, expected, relative: 1e-10, "\(solver)")
    }
    // dz/dx: u₀ = (1e155·x + ½x)/(1 − ¼), u₁ = ½u₀ + x.
    XCTAssertEqual(expected[u0.index, 0], (1e155 + 0.5) / 0.75, accuracy: 1e-12 * 1e155 / 0.75)
  }

  /// A huge objective weight: the whole-program Krylov solve answers as the sweep does.
  func testHugeObjectiveScaleOnTheWholeProgram() throws {
    let program = try Program.trace(inputs: ["x"]) { t in sin(exp(t.inputs[0])) * 1e160 }
    let sweep = try program.gradient(at: [0.3], solver: .sweep)
    let krylov = try program.gradient(at: [0.3], solver: .krylov)
    assertClose(krylov.gradient, sweep.gradient, relative: 1e-12)
    let e = Foundation.exp(0.3)
    assertClose(krylov.gradient, [1e160 * Foundation.cos(e) * e], relative: 1e-12)
  }
}
