import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// Traced programs against their `define`-built twins: the blog example, an
/// MLP-like network and the four cyclic examples of the documentation. Each pair
/// must give the same values and gradients to round-off, and the traced program
/// must have no more variables than the hand-built one (one fewer where the
/// objective is a linear combination, which the tracer makes an `Objective.linear`).
final class TracingTwinTests: XCTestCase {
  /// Relative tolerance between a traced program and its twin: both run the same
  /// constraints up to the order of a few sums, so they agree to round-off.
  let twinTolerance = 1e-12

  /// Compares values, gradients (every applicable solver) and variable counts.
  func assertTwins(
    traced: Program, built: Program, at points: [[Double]], expectedVariables: Int? = nil,
    solvers: [Solver] = [.automatic, .lu], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    XCTAssertLessThanOrEqual(
      traced.variableCount, built.variableCount, "traced has more variables", file: file,
      line: line)
    if let expectedVariables {
      XCTAssertEqual(traced.variableCount, expectedVariables, file: file, line: line)
    }
    XCTAssertEqual(traced.inputCount, built.inputCount, file: file, line: line)
    for x in points {
      for solver in solvers {
        let a = try traced.gradient(at: x, solver: solver)
        let b = try built.gradient(at: x, solver: solver)
        assertClose(a.value, b.value, relative: twinTolerance, "\(solver)", file: file, line: line)
        assertClose(
          a.gradient, b.gradient, relative: twinTolerance, "\(solver)", file: file, line: line)
      }
    }
  }

  // MARK: - The blog example

  func testBlogExample() throws {
    let traced = try Program.trace(inputs: ["x", "y"]) { t in
      let x = t.inputs[0], y = t.inputs[1]
      let a = exp(x), b = a * a, c = a + b + y
      return tanh(c) + sin(c)
    }
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let a = try graph.define("a", .exp, x)
    let b = try graph.define("b", .square, a)
    let c = try graph.define("c", .sum, a, b, y)
    let d = try graph.define("d", .tanh, c)
    let e = try graph.define("e", .sin, c)
    let f = try graph.define("f", .sum, d, e)
    let built = try graph.compile(objective: .variable(f))
    try assertTwins(
      traced: traced, built: built, at: [[0.5, -1.0], [-0.3, 2.0]], expectedVariables: 7,
      solvers: [.sweep, .triangular, .lu])

    // Against the closed form, independently of both programs.
    let g = try traced.gradient(at: [0.5, -1.0])
    let ea = Foundation.exp(0.5)
    let cv = ea + ea * ea - 1
    let dfdc = 1 - Foundation.tanh(cv) * Foundation.tanh(cv) + Foundation.cos(cv)
    assertClose(g.value, Foundation.tanh(cv) + Foundation.sin(cv), relative: 1e-14)
    assertClose(g.gradient, [dfdc * (ea + 2 * ea * ea), dfdc], relative: 1e-13)
  }

  // MARK: - An MLP-like network

  /// One hidden `tanh` layer of 4 units, a `sigmoid` output and the log-loss over
  /// two samples; the parameters are the inputs.
  func testMLPLikeNetwork() throws {
    let samples: [[Double]] = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    let labels: [Double] = [1, 0]
    let (d, hidden) = (3, 4)
    let names =
      (0..<hidden).flatMap { j in (0..<d).map { "W\(j)\($0)" } + ["b\(j)"] }
      + (0..<hidden).map { "v\($0)" } + ["c"]
    let parameterCount = names.count

    let traced = try Program.trace(inputs: names) { t in
      let w = (0..<hidden).map { j in Array(t.inputs[(d + 1) * j..<(d + 1) * j + d]) }
      let b = (0..<hidden).map { j in t.inputs[(d + 1) * j + d] }
      let v = Array(t.inputs[(d + 1) * hidden..<(d + 1) * hidden + hidden])
      let c = t.inputs[parameterCount - 1]
      var losses: [Traced] = []
      for (x, y) in zip(samples, labels) {
        let h = (0..<hidden).map { j in tanh(dot(x, w[j]) + b[j]) }
        let out = sigmoid(sum(zip(v, h).map { $0 * $1 }) + c)
        losses.append(-(y * log(out) + (1 - y) * log(1 - out)))
      }
      return sum(losses) / Double(samples.count)
    }

    var graph = ConstraintGraph()
    let inputs = names.map { graph.input($0) }
    let c = inputs[parameterCount - 1]
    var terms: [Variable] = []
    var weights: [Double] = []
    for (x, y) in zip(samples, labels) {
      var products: [Variable] = []
      for j in 0..<hidden {
        let row = Array(inputs[(d + 1) * j..<(d + 1) * j + d + 1])
        let pre = try graph.define(.linear(x + [1]), row)
        let h = try graph.define(.tanh, pre)
        products.append(try graph.define(.product, inputs[(d + 1) * hidden + j], h))
      }
      let out = try graph.define(.sigmoid, try graph.define(.sum, products + [c]))
      terms.append(try graph.define(.log, out))
      terms.append(
        try graph.define(.log, try graph.define(.affine(constant: 1, coefficients: [-1]), out)))
      weights += [-y / Double(samples.count), -(1 - y) / Double(samples.count)]
    }
    let loss = try graph.define(.linear(weights), terms)
    let built = try graph.compile(objective: .variable(loss))

    var rng = SplitMix64(seed: 10)
    let points = (0..<3).map { _ in randomVector(parameterCount, using: &rng) }
    try assertTwins(traced: traced, built: built, at: points, solvers: [.sweep, .lu])
    XCTAssertEqual(traced.variableCount, built.variableCount - 1)  // the loss: a linear objective
    // And against central differences of the traced program alone.
    let g = try traced.gradient(at: points[0])
    let fd = try FiniteDifferences.gradient(at: points[0]) { try traced.evaluate(at: $0) }
    assertClose(g.gradient, fd, relative: 1e-7)
  }

  // MARK: - The cyclic examples

  func testMarkovRewardProcess() throws {
    let p: [[Double]] = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
    let n = p.count
    var tracedV: [Traced] = []
    let traced = try Program.trace(inputs: ["γ"] + (0..<n).map { "r\($0)" }) { t in
      let gamma = t.inputs[0], r = Array(t.inputs[1...])
      let v = t.unknowns(n, name: "v")
      for i in 0..<n { t.define(v[i], r[i] + gamma * dot(p[i], v)) }
      tracedV = v
      return sum(v)
    }
    var graph = ConstraintGraph()
    let gamma = graph.input("γ")
    let r = (0..<n).map { graph.input("r\($0)") }
    let v = (0..<n).map { graph.unknown("v\($0)") }
    for i in 0..<n {
      let pv = try graph.define("(Pv)\(i)", .linear(p[i]), v)
      let discounted = try graph.define("γ(Pv)\(i)", .product, gamma, pv)
      try graph.define(v[i], .sum, r[i], discounted)
    }
    let total = try graph.define("Σv", .sum, v)
    let built = try graph.compile(objective: .variable(total))
    let x = [0.9, 1, 2, 3]
    try assertTwins(
      traced: traced, built: built, at: [x, [0.5, -1, 0, 4]], expectedVariables: 13,
      solvers: [.automatic, .lu, .blockTriangular])

    // The unknowns index the implicit Jacobian as the hand-built handles do.
    let a = try traced.linearize(at: x).implicitJacobian()
    let b = try built.linearize(at: x).implicitJacobian()
    for i in 0..<n {
      assertClose(a[tracedV[i].variable.index, 1], b[v[i].index, 1], relative: twinTolerance)
      XCTAssertEqual(try traced.name(of: tracedV[i].variable), "v[\(i)]")
    }
    let expected = MarkovRewardClosedForm(p: p, gamma: 0.9, r: [1, 2, 3], weights: [1, 1, 1])
    assertClose(
      try traced.gradient(at: x).gradient, [expected.dGamma] + expected.u, relative: 1e-10)
  }

  /// With γ folded into the coefficients the tracer stores one constraint per state.
  func testMarkovRewardWithConstantDiscountNeedsOneVariablePerState() throws {
    let p: [[Double]] = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
    let n = p.count
    let traced = try Program.trace(inputs: (0..<n).map { "r\($0)" }) { t in
      let v = t.unknowns(n, name: "v")
      for i in 0..<n { t.define(v[i], t.inputs[i] + 0.9 * dot(p[i], v)) }
      return sum(v)
    }
    XCTAssertEqual(traced.variableCount, n + n)  // r, v; Σv is a linear objective
    let expected = MarkovRewardClosedForm(p: p, gamma: 0.9, r: [1, 2, 3], weights: [1, 1, 1])
    let g = try traced.gradient(at: [1, 2, 3])
    assertClose(g.value, expected.v.reduce(0, +), relative: 1e-12)
    assertClose(g.gradient, expected.u, relative: 1e-10)
  }

  func testRidgeHyperparameter() throws {
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
    }
    let xty = (0..<p).map { i in rows.reduce(0.0) { $0 + xTrain[$1][i] * yTrain[$1] } }

    let traced = try Program.trace(inputs: ["log α"]) { t in
      let alpha = exp(t.inputs[0])
      let w = t.unknowns(p, name: "w")
      for k in 0..<p {
        t.constrain(w[k], residual: dot(gram[k], w) + alpha * w[k] - xty[k])
      }
      let errors = xValid.indices.map { i in dot(xValid[i], w) - yValid[i] }
      return 0.5 * sum(errors.map { square($0) })
    }

    var graph = ConstraintGraph()
    let logAlpha = graph.input("log α")
    let alpha = try graph.define("α", .exp, logAlpha)
    let w = (0..<p).map { graph.unknown("w\($0)") }
    for k in 0..<p {
      let alphaW = try graph.define("α·w\(k)", .product, alpha, w[k])
      let normal = LocalFunction.affine(constant: -xty[k], coefficients: gram[k] + [1])
      try graph.constrain(w[k], residual: normal, w + [alphaW])
    }
    let squares = try xValid.indices.map { i in
      let error = LocalFunction.affine(constant: -yValid[i], coefficients: xValid[i])
      return try graph.define(.square, try graph.define("e\(i)", error, w))
    }
    let half = [Double](repeating: 0.5, count: squares.count)
    let loss = try graph.define("loss", .linear(half), squares)
    let built = try graph.compile(objective: .variable(loss))
    try assertTwins(
      traced: traced, built: built, at: [[Foundation.log(10.0)], [-1], [0.5]],
      expectedVariables: built.variableCount - 1, solvers: [.automatic, .lu, .blockTriangular])
  }

  func testBoundaryValueProblem() throws {
    let n = 50
    let h = 1 / Double(n + 1)
    let k = 1 / (h * h)
    let traced = try Program.trace(inputs: (1...n).map { "s\($0)" }) { t in
      let u = t.unknowns(n, name: "u")
      for i in 0..<n {
        var laplacian = 2 * k * u[i]
        if i > 0 { laplacian -= k * u[i - 1] }
        if i < n - 1 { laplacian -= k * u[i + 1] }
        // (2u_i − u_{i−1} − u_{i+1})/h² + u_i³ − s_i = 0
        t.constrain(u[i], residual: laplacian + pow(u[i], 3) - t.inputs[i])
      }
      return sum(u.map { square($0) })
    }

    var graph = ConstraintGraph()
    let s = (1...n).map { graph.input("s\($0)") }
    let u = (1...n).map { graph.unknown("u\($0)") }
    for i in 0..<n {
      let cube = try graph.define("u\(i + 1)³", .power(3), u[i])
      let neighbours = (i > 0 ? [u[i - 1]] : []) + (i < n - 1 ? [u[i + 1]] : [])
      let stencil = LocalFunction.linear([2 * k] + neighbours.map { _ in -k } + [1, -1])
      try graph.constrain(u[i], residual: stencil, [u[i]] + neighbours + [cube, s[i]])
    }
    let squares = try u.map { try graph.define(.square, $0) }
    let energy = try graph.define("Σu²", .sum, squares)
    let built = try graph.compile(objective: .variable(energy))

    let source = (1...n).map { 100 * Foundation.sin(Double.pi * Double($0) * h) }
    try assertTwins(
      traced: traced, built: built, at: [source, source.map { 0.5 * $0 + 3 }],
      expectedVariables: built.variableCount - 1,
      solvers: [.automatic, .lu, .blockTriangular])
  }

  func testGamblersRuin() throws {
    let top = 10
    let traced = try Program.trace(inputs: ["p"]) { t in
      let p = t.inputs[0]
      let q = 1 - p
      let h = t.unknowns(top - 1, name: "h")  // h[i − 1] = h_i
      for i in 1..<top {
        let up = i + 1 < top ? p * h[i] : p  // p·h_{i+1}
        t.define(h[i - 1], i > 1 ? up + q * h[i - 2] : up)  // + q·h_{i−1}
      }
      return h[4]
    }

    var graph = ConstraintGraph()
    let p = graph.input("p")
    let q = try graph.define("q", .affine(constant: 1, coefficients: [-1]), p)
    let h = (1..<top).map { graph.unknown("h\($0)") }
    for i in 1..<top {
      let up = i + 1 < top ? try graph.define(.product, p, h[i]) : p
      let down = i > 1 ? [try graph.define(.product, q, h[i - 2])] : []
      try graph.define(h[i - 1], .sum, [up] + down)
    }
    let built = try graph.compile(objective: .variable(h[4]))
    try assertTwins(
      traced: traced, built: built, at: [[0.45], [0.6]], expectedVariables: built.variableCount,
      solvers: [.automatic, .lu, .blockTriangular])
    let rho = 0.55 / 0.45
    assertClose(
      try traced.evaluate(at: [0.45]),
      (1 - Foundation.pow(rho, 5)) / (1 - Foundation.pow(rho, 10)), relative: 1e-12)
  }
}
