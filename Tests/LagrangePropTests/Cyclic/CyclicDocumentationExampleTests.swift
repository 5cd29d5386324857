import Foundation
import LagrangeProp
import XCTest

/// The examples of the `CyclicPrograms` DocC article (and of the README's cyclic
/// sections), verbatim between the `// example` and `// end example` markers, so
/// that CI proves they compile and run; each is then checked against its closed form.
final class CyclicDocumentationExampleTests: XCTestCase {
  func testMarkovRewardExample() throws {
    // example: Markov reward process
    // v = r + γ P v: the value of each state of a 3-state Markov reward process.
    let p: [[Double]] = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
    let n = p.count
    var graph = ConstraintGraph()
    let gamma = graph.input("γ")
    let r = (0..<n).map { graph.input("r\($0)") }
    let v = (0..<n).map { graph.unknown("v\($0)") }  // declared before they are defined
    for i in 0..<n {
      let pv = try graph.define("(Pv)\(i)", .linear(p[i]), v)  // Σ_j P_ij v_j
      let discounted = try graph.define("γ(Pv)\(i)", .product, gamma, pv)
      try graph.define(v[i], .sum, r[i], discounted)  // v_i = r_i + γ (Pv)_i: a cycle
    }
    let total = try graph.define("Σv", .sum, v)
    let program = try graph.compile(objective: .variable(total))

    let x = [0.9, 1, 2, 3]  // γ, r₀, r₁, r₂
    let g = try program.gradient(at: x)
    print(g.value)  // Σ_i v_i
    print(g.gradient)  // [∂/∂γ, ∂/∂r₀, ∂/∂r₁, ∂/∂r₂] = [uᵀPv, u], u = (I − γP)⁻ᵀ 1
    print(g.solver)  // blockTriangular
    let dvdx = try program.linearize(at: x).implicitJacobian()  // dv/dr: (I − γP)⁻¹
    print(dvdx[v[0].index, 1])  // ∂v₀/∂r₀
    // end example

    let expected = MarkovRewardClosedForm(p: p, gamma: 0.9, r: [1, 2, 3], weights: [1, 1, 1])
    assertClose(g.value, expected.v.reduce(0, +), relative: 1e-12)
    assertClose(g.gradient, [expected.dGamma] + expected.u, relative: 1e-10)
    XCTAssertEqual(g.solver, .blockTriangular)
    let a = (0..<n).map { i in (0..<n).map { j in (i == j ? 1 : 0) - 0.9 * p[i][j] } }
    assertClose(dvdx[v[0].index, 1], CyclicReference.solve(a, [1, 0, 0])[0], relative: 1e-10)
  }

  func testRidgeHyperparameterExample() throws {
    // example: ridge hyper-parameter
    // Ridge regression: w(α) solves (XᵀX + αI) w = Xᵀy. Tune log α on validation data.
    let xTrain: [[Double]] = [
      [1, 0.5], [0.3, 1], [0.8, -0.4], [-0.2, 0.9], [0.5, 0.5], [1.2, -0.1],
    ]
    let yTrain: [Double] = [1.4, 0.5, 1.3, -0.1, 0.9, 1.5]
    let xValid: [[Double]] = [[0.6, 0.2], [-0.1, 0.7], [0.9, 0.3]]
    let yValid: [Double] = [0.8, 0.1, 1.0]
    let p = 2
    let rows = xTrain.indices
    let gram = (0..<p).map { i in
      (0..<p).map { j in rows.reduce(0.0) { $0 + xTrain[$1][i] * xTrain[$1][j] } }
    }  // XᵀX
    let xty = (0..<p).map { i in rows.reduce(0.0) { $0 + xTrain[$1][i] * yTrain[$1] } }

    var graph = ConstraintGraph()
    let logAlpha = graph.input("log α")
    let alpha = try graph.define("α", .exp, logAlpha)
    let w = (0..<p).map { graph.unknown("w\($0)") }
    for k in 0..<p {
      let alphaW = try graph.define("α·w\(k)", .product, alpha, w[k])
      // Σ_j (XᵀX)_kj w_j + α w_k − (Xᵀy)_k = 0: a residual constraint owning w_k.
      let normal = LocalFunction.affine(constant: -xty[k], coefficients: gram[k] + [1])
      try graph.constrain(w[k], residual: normal, w + [alphaW])
    }
    let squares = try xValid.indices.map { i in
      let error = LocalFunction.affine(constant: -yValid[i], coefficients: xValid[i])
      return try graph.define(.square, try graph.define("e\(i)", error, w))
    }
    let half = [Double](repeating: 0.5, count: squares.count)
    let loss = try graph.define("loss", .linear(half), squares)  // ½‖X_v w − y_v‖²
    let program = try graph.compile(objective: .variable(loss))

    var theta = Foundation.log(10.0)  // log α, over-regularised
    var options = SolveOptions()
    var losses: [Double] = []
    for _ in 0..<5 {
      let lin = try program.linearize(at: [theta], options: options)
      let g = try lin.gradient()  // g.gradient[0] = d loss / d log α
      losses.append(g.value)
      theta -= 2 * g.gradient[0]  // gradient descent on log α
      options.initialGuess = lin.values  // warm start the next solve
    }
    print(losses)  // decreasing
    // end example

    for k in 1..<losses.count { XCTAssertLessThan(losses[k], losses[k - 1], "\(losses)") }
    // d loss / d log α = α · (−gᵀ (XᵀX + αI)⁻¹ w), g = X_vᵀ(X_v w − y_v), at the final α.
    let a = Foundation.exp(theta)
    var m = gram
    for k in 0..<p { m[k][k] += a }
    let weights = CyclicReference.solve(m, xty)
    let residual = xValid.indices.map { CyclicReference.dot(xValid[$0], weights) - yValid[$0] }
    let gv = CyclicReference.multiply(CyclicReference.transpose(xValid), residual)
    let expected = -a * CyclicReference.dot(CyclicReference.solve(m, gv), weights)
    assertClose(try program.gradient(at: [theta]).gradient[0], expected, relative: 1e-10)
  }

  func testBoundaryValueExample() throws {
    // example: boundary-value problem
    // −u'' + u³ = s on (0, 1), u(0) = u(1) = 0, on n interior nodes: one residual per node.
    let n = 50
    let h = 1 / Double(n + 1)
    let k = 1 / (h * h)
    var graph = ConstraintGraph()
    let s = (1...n).map { graph.input("s\($0)") }
    let u = (1...n).map { graph.unknown("u\($0)") }
    for i in 0..<n {
      let cube = try graph.define("u\(i + 1)³", .power(3), u[i])
      let neighbours = (i > 0 ? [u[i - 1]] : []) + (i < n - 1 ? [u[i + 1]] : [])
      // (2u_i − u_{i−1} − u_{i+1})/h² + u_i³ − s_i = 0
      let stencil = LocalFunction.linear([2 * k] + neighbours.map { _ in -k } + [1, -1])
      try graph.constrain(u[i], residual: stencil, [u[i]] + neighbours + [cube, s[i]])
    }
    let squares = try u.map { try graph.define(.square, $0) }
    let energy = try graph.define("Σu²", .sum, squares)
    let program = try graph.compile(objective: .variable(energy))

    let source = (1...n).map { 100 * sin(Double.pi * Double($0) * h) }
    let g = try program.gradient(at: source)  // Newton forward, then one adjoint solve
    print(g.gradient[0..<3])  // ∂Σu²/∂s_i = (J⁻¹·2u)_i, J = ∂r/∂u at the solution
    // end example

    var tight = SolveOptions()
    tight.tolerance = 1e-14
    let fd = try CyclicReference.gradient(at: source, step: 1e-4) {
      try program.evaluate(at: $0, options: tight)
    }
    assertClose(g.gradient, fd, relative: 1e-6)
    for solver in [Solver.lu, .blockTriangular] {
      let other = try program.gradient(at: source, solver: solver)
      assertClose(other.gradient, g.gradient, relative: 1e-10, "\(solver)")
    }
  }

  func testGamblersRuinExample() throws {
    // example: absorbing Markov chain
    // Gambler's ruin: with i chips, win a round with probability p, stop at 0 or 10.
    // h_i = P(reach 10 from i) solves h_i = p·h_{i+1} + (1 − p)·h_{i−1}, h_0 = 0, h_10 = 1.
    let top = 10
    var graph = ConstraintGraph()
    let p = graph.input("p")
    let q = try graph.define("q", .affine(constant: 1, coefficients: [-1]), p)
    let h = (1..<top).map { graph.unknown("h\($0)") }  // h[i − 1] = h_i
    for i in 1..<top {
      let up = i + 1 < top ? try graph.define(.product, p, h[i]) : p  // p·h_{i+1}
      let down = i > 1 ? [try graph.define(.product, q, h[i - 2])] : []  // q·h_{i−1}
      try graph.define(h[i - 1], .sum, [up] + down)
    }
    let program = try graph.compile(objective: .variable(h[4]))  // start with 5 chips
    let g = try program.gradient(at: [0.45])
    print(g.value, g.gradient[0])  // P(win), dP(win)/dp
    // end example

    let rho = 0.55 / 0.45
    let rhoN = Foundation.pow(rho, 10)
    assertClose(g.value, (1 - Foundation.pow(rho, 5)) / (1 - rhoN), relative: 1e-12)
    // dh₅/dρ = (−5ρ⁴(1 − ρ¹⁰) + 10ρ⁹(1 − ρ⁵)) / (1 − ρ¹⁰)², dρ/dp = −1/p².
    let rho5 = Foundation.pow(rho, 5)
    let numerator = -5 * rho5 / rho * (1 - rhoN) + 10 * rhoN / rho * (1 - rho5)
    let dRho = numerator / ((1 - rhoN) * (1 - rhoN))
    assertClose(g.gradient[0], dRho * (-1 / (0.45 * 0.45)), relative: 1e-10)
  }

  /// The README's large-sparse example: a Markov chain too random for a sparse LU.
  func testReadmeLargeSparseExample() throws {
    let markov = try SparseMarkovFixture(states: 3000, transitions: 8, seed: 11)
    let program = markov.program
    let r = markov.rewards
    // program: v = r + γPv with 8 random transitions per state, 3000 states.
    let g = try program.gradient(at: r)  // .automatic: GMRES + ILU(0) on the block
    print(g.solver, g.krylovResidual ?? 0)  // blockTriangular, a residual below 1e-12
    var options = SolveOptions()
    options.krylovTolerance = 1e-10
    let h = try program.gradient(at: r, solver: .krylov, options: options)

    XCTAssertEqual(g.solver, .blockTriangular)
    XCTAssertTrue(g.solverReason.contains("GMRES(50) + ILU(0)"), g.solverReason)
    XCTAssertLessThanOrEqual(try XCTUnwrap(g.krylovResidual), 1e-12)
    XCTAssertLessThanOrEqual(try XCTUnwrap(h.krylovResidual), 1e-10)
    let reference = markov.referenceGradient()
    assertClose(g.gradient, reference, relative: 1e-10)
    assertClose(h.gradient, reference, relative: 1e-8)
  }
}
