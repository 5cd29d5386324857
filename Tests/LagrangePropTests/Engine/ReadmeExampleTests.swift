import LagrangeProp
import XCTest

/// The README's examples, verbatim, so that CI proves they compile and run.
final class ReadmeExampleTests: XCTestCase {
  func testQuickExample() throws {
    // README: "A first program"
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let a = try graph.define("a", .exp, x)
    let b = try graph.define("b", .square, a)
    let c = try graph.define("c", .sum, a, b, y)
    let f = try graph.define(
      "f", .sum, try graph.define("d", .tanh, c),
      try graph.define("e", .sin, c))
    let program = try graph.compile(objective: .variable(f))

    let g = try program.gradient(at: [0.5, -1.0])  // reverse mode, the sweep
    print(g.value, g.gradient, g.solver)  // f, [∂f/∂x, ∂f/∂y], sweep

    let lin = try program.linearize(at: [0.5, -1.0], solver: .lu)
    let dzdx = try lin.implicitJacobian()  // 7 × 2: every dz/dx
    var seed = [Double](repeating: 0, count: program.variableCount)
    seed[x.index] = 1
    let tau = try lin.tangents(seed: seed)  // forward mode: dz/dx
    print(dzdx[f.index, 0], tau[f.index])  // both ∂f/∂x
    // end README

    let ea = Foundation.exp(0.5)
    let cv = ea + ea * ea - 1
    let dfdc = 1 - Foundation.tanh(cv) * Foundation.tanh(cv) + Foundation.cos(cv)
    XCTAssertEqual(g.gradient[0], dfdc * (ea + 2 * ea * ea), accuracy: 1e-12)
    XCTAssertEqual(g.gradient[1], dfdc, accuracy: 1e-12)
    XCTAssertEqual(dzdx[f.index, 0], g.gradient[0], accuracy: 1e-12)
    XCTAssertEqual(tau[f.index], g.gradient[0], accuracy: 1e-12)
    XCTAssertEqual(g.solver, .sweep)
  }

  func testBandedExample() throws {
    // README: "Banded programs"
    /// r = (−left + 2·mid − right)/h² + mid³ − source, with its exact gradient.
    func stencil(h: Double) -> LocalFunction {
      .custom(
        name: "stencil", arity: 4,
        value: { v in (-v[0] + 2 * v[1] - v[2]) / (h * h) + v[1] * v[1] * v[1] - v[3] },
        gradient: { v in [-1 / (h * h), 2 / (h * h) + 3 * v[1] * v[1], -1 / (h * h), -1] })
    }

    let n = 100
    let h = 1 / Double(n + 1)
    var graph = ConstraintGraph()
    let a = graph.input("a"), b = graph.input("b")
    let s = (1...n).map { graph.input("s\($0)") }
    let u = (1...n).map { graph.unknown("u\($0)") }
    for i in 0..<n {
      try graph.constrain(
        u[i], residual: stencil(h: h),
        i > 0 ? u[i - 1] : a, u[i], i < n - 1 ? u[i + 1] : b, s[i])
    }
    // Objective ∫u ≈ h·Σ u_i: weights over all variables in declaration order (a, b, s, u).
    let weights = [Double](repeating: 0, count: n + 2) + [Double](repeating: h, count: n)
    let program = try graph.compile(objective: .linear(weights))
    print(program.bandwidth)  // (lower: 1, upper: 1)

    let x = [0.0, 0.0] + (1...n).map { 10 * sin(Double.pi * Double($0) * h) }
    let g = try program.gradient(at: x)  // .automatic
    print(g.solver, "—", g.solverReason)  // bandedLU — cyclic program with a narrow band …
    let lin = try program.linearize(at: x, solver: .bandedLU)
    let dudx = try lin.implicitJacobian()  // (2n + 2) × (n + 2): one dgbtrf, one dgbtrs
    // end README

    XCTAssertEqual(program.bandwidth, Program.Bandwidth(lower: 1, upper: 1))
    XCTAssertEqual(g.solver, .bandedLU)
    // d(∫u)/ds_j = Σ_i h · du_i/ds_j, from the implicit Jacobian's columns.
    for j in [0, 37, 99] {
      let column = 2 + j
      let fromJacobian = u.reduce(0.0) { $0 + h * dudx[$1.index, column] }
      XCTAssertEqual(g.gradient[column], fromJacobian, accuracy: 1e-12 * max(1, abs(fromJacobian)))
    }
    let reference = try program.gradient(at: x, solver: .lu)
    for k in 0..<x.count {
      XCTAssertEqual(
        g.gradient[k], reference.gradient[k],
        accuracy: 1e-10 * max(1e-3, abs(reference.gradient[k])))
    }
  }
}
