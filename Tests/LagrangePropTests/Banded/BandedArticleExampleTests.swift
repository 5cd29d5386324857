// The code of the DocC article "Banded programs" (BandedPrograms.md), verbatim
// between the `// article` markers, so that the tests prove it compiles and runs;
// the assertions after it check what the article claims.

import Foundation
import LagrangeProp
import XCTest

final class BandedArticleExampleTests: XCTestCase {
  /// "Inputs are left out of the band": explicit Euler with a parameter read by every step.
  func testEulerExample() throws {
    // article
    // Explicit Euler for y' = −θ·y + sin t: every step reads the parameter θ.
    var graph = ConstraintGraph()
    let theta = graph.input("theta"), y0 = graph.input("y0")
    let dt = 0.01
    var y = y0
    for k in 0..<1000 {
      let p = try graph.define("p\(k)", .product, theta, y)  // θ·y_k
      let step = LocalFunction.affine(constant: dt * sin(Double(k) * dt), coefficients: [1, -dt])
      y = try graph.define("y\(k + 1)", step, y, p)  // y_k − Δt·θ·y_k + Δt·sin t_k
    }
    let euler = try graph.compile(objective: .variable(y))
    print(euler.bandwidth)  // (lower: 0, upper: 2)
    print(euler.fullBandwidth)  // (lower: 0, upper: 2000): θ is read by the last step
    let g = try euler.gradient(at: [0.5, 1.0], solver: .bandedTriangular)
    // end article

    XCTAssertEqual(euler.bandwidth, .init(lower: 0, upper: 2))
    XCTAssertEqual(euler.fullBandwidth, .init(lower: 0, upper: 2000))
    XCTAssertEqual(g.solver, .bandedTriangular)
    // The plain forward-mode recursion: y_{k+1} = (1 − Δt·θ)·y_k + Δt·sin(kΔt),
    // ∂y_{k+1}/∂θ = (1 − Δt·θ)·∂y_k/∂θ − Δt·y_k, ∂y_{k+1}/∂y0 = (1 − Δt·θ)·∂y_k/∂y0.
    var (value, dTheta, dY0) = (1.0, 0.0, 1.0)
    for k in 0..<1000 {
      dTheta = (1 - dt * 0.5) * dTheta - dt * value
      dY0 = (1 - dt * 0.5) * dY0
      value = value + dt * (sin(Double(k) * dt) - 0.5 * value)
    }
    assertClose(g.value, value, relative: 1e-12)
    assertClose(g.gradient, [dTheta, dY0], relative: bandExactRelative)
  }

  /// "A cyclic banded system": −u'' + u³ = s with Dirichlet ends, n = 100.
  func testBoundaryValueExample() throws {
    // article
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
    // Objective ∫u ≈ h·Σ u_i, given by its n terms.
    let program = try graph.compile(
      objective: .linear(u, weights: [Double](repeating: h, count: n)))
    print(program.bandwidth)  // (lower: 1, upper: 1)

    let x = [0.0, 0.0] + (1...n).map { 10 * sin(Double.pi * Double($0) * h) }
    let g = try program.gradient(at: x)  // .automatic
    print(g.solver, "—", g.solverReason)  // bandedLU — cyclic program with a narrow band …
    let lin = try program.linearize(at: x, solver: .bandedLU)
    let dudx = try lin.implicitJacobian()  // (2n + 2) × (n + 2): one dgbtrf, one dgbtrs
    // end article

    XCTAssertEqual(program.bandwidth, .init(lower: 1, upper: 1))
    XCTAssertEqual(g.solver, .bandedLU)
    XCTAssertTrue(g.solverReason.hasPrefix("cyclic program with a narrow band"), g.solverReason)
    XCTAssertEqual(dudx.rows, 2 * n + 2)
    XCTAssertEqual(dudx.columns, n + 2)
    // The gradient is the weights pushed through dz/dx: ∂f/∂x_j = Σ_i h·Z[u_i, j].
    let reference = try program.linearize(at: x, solver: .lu)
    assertClose(g.gradient, try reference.gradient().gradient, relative: bandExactRelative)
    let pushed: [Double] = (0..<(n + 2)).map { j in
      u.reduce(0.0) { sum, ui in sum + h * dudx[ui.index, j] }
    }
    assertClose(pushed, g.gradient, relative: bandExactRelative)
    assertClose(
      try lin.implicitJacobian(), try reference.implicitJacobian(), relative: bandExactRelative)
  }
}
