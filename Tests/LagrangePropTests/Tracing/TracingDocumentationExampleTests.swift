import Foundation
import LagrangeProp
import XCTest

/// The traced examples of the README and of the DocC article *Tracing*, verbatim
/// between the `// example` and `// end example` markers, so that CI proves they
/// compile and run; each is then checked against its closed form.
final class TracingDocumentationExampleTests: XCTestCase {
  func testFirstProgramTraced() throws {
    // example: first program, traced
    let program = try Program.trace(inputs: ["x", "y"]) { t in
      let x = t.inputs[0], y = t.inputs[1]
      let a = exp(x), b = a * a, c = a + b + y
      return tanh(c) + sin(c)
    }
    let g = try program.gradient(at: [0.5, -1.0])  // reverse mode, the sweep
    print(g.value, g.gradient, g.solver)  // f, [∂f/∂x, ∂f/∂y], sweep
    // end example

    let ea = Foundation.exp(0.5)
    let cv = ea + ea * ea - 1
    let dfdc = 1 - Foundation.tanh(cv) * Foundation.tanh(cv) + Foundation.cos(cv)
    assertClose(g.value, Foundation.tanh(cv) + Foundation.sin(cv), relative: 1e-14)
    assertClose(g.gradient, [dfdc * (ea + 2 * ea * ea), dfdc], relative: 1e-13)
    XCTAssertEqual(g.solver, .sweep)
    XCTAssertEqual(program.variableCount, 7)  // x, y, a, b, c, tanh c, sin c
  }

  func testMarkovRewardTraced() throws {
    // example: Markov reward process, traced
    // v = r + γ P v: the value of each state of a 3-state Markov reward process.
    let p: [[Double]] = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
    let n = p.count
    var v: [Traced] = []
    let program = try Program.trace(inputs: ["γ", "r0", "r1", "r2"]) { t in
      let gamma = t.inputs[0], r = Array(t.inputs.dropFirst())
      v = t.unknowns(n, name: "v")  // declared before they are defined
      for i in 0..<n { t.define(v[i], r[i] + gamma * dot(p[i], v)) }  // a cycle
      return sum(v)
    }

    let x = [0.9, 1, 2, 3]  // γ, r₀, r₁, r₂
    let g = try program.gradient(at: x)
    print(g.value, g.gradient, g.solver)  // Σv, [uᵀPv, u] (u = (I − γP)⁻ᵀ1), blockTriangular
    let dvdx = try program.linearize(at: x).implicitJacobian()  // dv/dr: (I − γP)⁻¹
    print(dvdx[v[0].variable.index, 1])  // ∂v₀/∂r₀
    // end example

    let expected = MarkovRewardClosedForm(p: p, gamma: 0.9, r: [1, 2, 3], weights: [1, 1, 1])
    assertClose(g.value, expected.v.reduce(0, +), relative: 1e-12)
    assertClose(g.gradient, [expected.dGamma] + expected.u, relative: 1e-10)
    XCTAssertEqual(g.solver, .blockTriangular)
    let a = (0..<n).map { i in (0..<n).map { j in (i == j ? 1 : 0) - 0.9 * p[i][j] } }
    assertClose(
      dvdx[v[0].variable.index, 1], CyclicReference.solve(a, [1, 0, 0])[0], relative: 1e-10)
  }

  func testRidgeHyperparameterTraced() throws {
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

    // example: ridge hyper-parameter, traced
    let program = try Program.trace(inputs: ["log α"]) { t in
      let alpha = exp(t.inputs[0])
      let w = t.unknowns(p, name: "w")
      for k in 0..<p {
        // Σ_j (XᵀX)_kj w_j + α w_k − (Xᵀy)_k = 0: a residual constraint owning w_k.
        t.constrain(w[k], residual: dot(gram[k], w) + alpha * w[k] - xty[k])
      }
      let errors = xValid.indices.map { i in dot(xValid[i], w) - yValid[i] }
      return 0.5 * sum(errors.map { square($0) })  // ½‖X_v w − y_v‖²
    }
    // end example

    var theta = Foundation.log(10.0)
    var options = SolveOptions()
    var losses: [Double] = []
    for _ in 0..<5 {
      let lin = try program.linearize(at: [theta], options: options)
      let g = try lin.gradient()
      losses.append(g.value)
      theta -= 2 * g.gradient[0]
      options.initialGuess = lin.values
    }
    for k in 1..<losses.count { XCTAssertLessThan(losses[k], losses[k - 1], "\(losses)") }
    let a = Foundation.exp(theta)
    var m = gram
    for k in 0..<p { m[k][k] += a }
    let weights = CyclicReference.solve(m, xty)
    let residual = xValid.indices.map { CyclicReference.dot(xValid[$0], weights) - yValid[$0] }
    let gv = CyclicReference.multiply(CyclicReference.transpose(xValid), residual)
    let expected = -a * CyclicReference.dot(CyclicReference.solve(m, gv), weights)
    assertClose(try program.gradient(at: [theta]).gradient[0], expected, relative: 1e-10)
  }

  func testArticleMisuseExample() throws {
    // example: misuse
    var escaped: Traced?
    _ = try Program.trace(inputs: ["x"]) { t in
      escaped = t.inputs[0]  // a value that outlives its trace…
      return exp(t.inputs[0])
    }
    do {
      _ = try Program.trace(inputs: ["y"]) { t in t.inputs[0] * escaped! }  // …used in another
    } catch let error as LagrangePropError {
      print(error)  // traced value 'x' belongs to another trace, or to a trace that has returned; …
    }
    // end example
    XCTAssertThrowsError(try Program.trace(inputs: ["y"]) { t in t.inputs[0] * escaped! }) {
      XCTAssertEqual($0 as? LagrangePropError, .foreignTraced(variable: "x"))
    }
  }
}
