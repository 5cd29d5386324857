import Foundation
import LagrangeProp
import XCTest

/// Every local function on its own: value and exact partials (read from the
/// assembled `D`, `D[x_k, z] = ∂f/∂x_k`) against closed forms, at ordinary
/// points and at the edges the kernel treats specially (zero factors of a
/// product, `power(0)`, integer powers of negative numbers, `sigmoid` far out
/// in both tails), and the gradient of every solver against them.
final class LocalFunctionEquivalenceTests: XCTestCase {
  struct Case {
    let function: LocalFunction
    let arguments: [Double]
    let value: Double
    let partials: [Double]
  }

  static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

  var cases: [Case] {
    var all: [Case] = []
    for x in [-2.5, -0.3, 0.0, 0.7, 3.0] {
      all += [
        Case(
          function: .exp, arguments: [x], value: Foundation.exp(x), partials: [Foundation.exp(x)]),
        Case(
          function: .sin, arguments: [x], value: Foundation.sin(x), partials: [Foundation.cos(x)]),
        Case(
          function: .cos, arguments: [x], value: Foundation.cos(x), partials: [-Foundation.sin(x)]),
        Case(
          function: .tanh, arguments: [x], value: Foundation.tanh(x),
          partials: [1 / (Foundation.cosh(x) * Foundation.cosh(x))]),
        Case(
          function: .sigmoid, arguments: [x], value: Self.sigmoid(x),
          partials: [Self.sigmoid(x) * Self.sigmoid(-x)]),
        Case(function: .square, arguments: [x], value: x * x, partials: [2 * x]),
        Case(function: .power(3), arguments: [x], value: x * x * x, partials: [3 * x * x]),
        Case(function: .power(2), arguments: [x], value: x * x, partials: [2 * x]),
        Case(function: .power(1), arguments: [x], value: x, partials: [1]),
        Case(function: .power(0), arguments: [x], value: 1, partials: [0]),
      ]
    }
    for x in [0.04, 0.5, 1.0, 7.0] {
      all += [
        Case(function: .log, arguments: [x], value: Foundation.log(x), partials: [1 / x]),
        Case(
          function: .sqrt, arguments: [x], value: x.squareRoot(), partials: [0.5 / x.squareRoot()]),
        Case(function: .power(-1), arguments: [x], value: 1 / x, partials: [-1 / (x * x)]),
        Case(
          function: .power(1.5), arguments: [x], value: x * x.squareRoot(),
          partials: [1.5 * x.squareRoot()]),
        Case(
          function: .power(-0.5), arguments: [x], value: 1 / x.squareRoot(),
          partials: [-0.5 / (x * x.squareRoot())]),
      ]
    }
    // The tails of the sigmoid: no overflow, no NaN.
    all += [
      Case(function: .sigmoid, arguments: [-800], value: 0, partials: [0]),
      Case(function: .sigmoid, arguments: [800], value: 1, partials: [0]),
      Case(
        function: .sigmoid, arguments: [-40],
        value: Foundation.exp(-40) / (1 + Foundation.exp(-40)),
        partials: [Foundation.exp(-40) / ((1 + Foundation.exp(-40)) * (1 + Foundation.exp(-40)))]),
    ]
    // n-ary functions, including zero factors of a product.
    all += [
      Case(function: .sum, arguments: [1.5], value: 1.5, partials: [1]),
      Case(function: .sum, arguments: [1, -2, 3.5, 0.25], value: 2.75, partials: [1, 1, 1, 1]),
      Case(function: .product, arguments: [-3], value: -3, partials: [1]),
      Case(function: .product, arguments: [2, -3, 0.5], value: -3, partials: [-1.5, 1, -6]),
      Case(function: .product, arguments: [2, 0, 0.5, 4], value: 0, partials: [0, 4, 0, 0]),
      Case(function: .product, arguments: [0, 3, 0], value: 0, partials: [0, 0, 0]),
      Case(function: .product, arguments: [0], value: 0, partials: [1]),
      Case(
        function: .linear([2, -0.5, 3]), arguments: [1, 4, -1], value: -3, partials: [2, -0.5, 3]),
      // x / y: ∂/∂x = 1/y, ∂/∂y = −x/y²; at the far end of the range too, where y²
      // (and 1/y², the partial of power(−1)) is out of range but the quotient is not.
      Case(function: .quotient, arguments: [3, -4], value: -0.75, partials: [-0.25, -0.1875]),
      Case(function: .quotient, arguments: [0, 2], value: 0, partials: [0.5, 0]),
      Case(
        function: .quotient, arguments: [1e250, 1e200], value: 1e50, partials: [1e-200, -1e-150]),
      Case(
        function: .quotient, arguments: [1e-250, 1e-200], value: 1e-50, partials: [1e200, -1e150]),
      Case(
        function: .affine(constant: 0.75, coefficients: [-1, 2]), arguments: [0.25, 1], value: 2.5,
        partials: [-1, 2]),
      Case(
        function: RandomDAG.customWithGradient, arguments: [0.7, -0.4],
        value: RandomDAG.mixValue([0.7, -0.4]),
        partials: RandomDAG.mixGradient([0.7, -0.4])),
    ]
    return all
  }

  func testBuiltInsAgainstClosedForms() throws {
    for item in cases {
      var graph = ConstraintGraph()
      let inputs = item.arguments.indices.map { graph.input("x\($0)") }
      let v = try graph.define("v", item.function, inputs)
      let program = try graph.compile(objective: .variable(v))
      let context = "\(item.function.name)\(item.arguments)"
      // A few ulps: the kernel's formulas may round differently from the closed forms here.
      assertClose(
        try program.evaluate(at: item.arguments), item.value, relative: 8 * Double.ulpOfOne, context
      )
      for solver in [
        Solver.sweep, .triangular, .lu, .bandedTriangular, .bandedLU, .blockTriangular,
      ] {
        let lin = try program.linearize(at: item.arguments, solver: solver)
        let d = try lin.jacobian()
        let partials = inputs.map { d[$0.index, v.index] }
        // Each partial to a few ulps of max(|∂f|, 1): `1 − tanh²` and `σ(1 − σ)` are
        // accurate in absolute, not relative, terms where the function saturates.
        for (k, (got, expected)) in zip(partials, item.partials).enumerated() {
          XCTAssertLessThanOrEqual(
            abs(got - expected), 8 * Double.ulpOfOne * Swift.max(abs(expected), 1),
            "\(context), ∂/∂x\(k): \(got) vs \(expected)")
        }
        let g = try lin.gradient()
        XCTAssertEqual(g.solver, solver)
        assertClose(g.gradient, partials, relative: 1e-15, "\(context), .\(solver)")
      }
    }
  }

  /// `tanh′ = 1/cosh²` to a few ulps *relative* also where `tanh` saturates, on
  /// the fused sweep (value pass and reverse pass) and on the assembled `D`: as
  /// `1 − tanh²` it kept 8 digits at x = 10 and was 0 for 1.7e-17 at x = 20.
  func testTanhPartialIsAccurateInTheTails() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let t = try graph.define("t", .tanh, x)
    let program = try graph.compile(objective: .variable(t))
    for point in [0.3, -0.9, 0.97, 1.5, 3, -10, 20, 40, -300] {
      let expected = 1 / (Foundation.cosh(point) * Foundation.cosh(point))
      let context = "x = \(point)"
      assertClose(
        try program.gradient(at: [point], solver: .sweep).gradient, [expected],
        relative: 16 * Double.ulpOfOne, context)
      let d = try program.linearize(at: [point], solver: .lu).jacobian()
      assertClose(d[x.index, t.index], expected, relative: 16 * Double.ulpOfOne, context)
    }
  }

  /// Constraints in a row whose constants are equal (one `LocalFunction` value
  /// reused, equal literals), equal as numbers but of another kind (`.affine(2, [3])`
  /// after `.linear([2, 3])`), a prefix of the previous ones, or equal but for a
  /// sign of zero: each reads its own constants (`define` shares a block with the
  /// previous constraint only when every bit matches). Values and the partials of
  /// `D` against closed forms, exactly (each is one product and sum at most).
  func testConstraintsInARowWithEqualOrNeighbouringConstants() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let y = graph.input("y")
    struct Row {
      let function: LocalFunction
      let arguments: [Variable]
      let value: Double
      let partials: (x: Double, y: Double)
    }
    // At x = 0.5, y = −1.25.
    let reused = LocalFunction.linear([2, 3])
    let rows = [
      Row(function: reused, arguments: [x, y], value: -2.75, partials: (2, 3)),
      Row(function: reused, arguments: [x, y], value: -2.75, partials: (2, 3)),
      Row(function: .linear([2, 3]), arguments: [x, y], value: -2.75, partials: (2, 3)),
      Row(
        function: .affine(constant: 2, coefficients: [3]), arguments: [y], value: -1.75,
        partials: (0, 3)),
      Row(function: .linear([2]), arguments: [x], value: 1, partials: (2, 0)),
      Row(function: .power(2), arguments: [x], value: 0.25, partials: (1, 0)),
      Row(function: .linear([2]), arguments: [y], value: -2.5, partials: (0, 2)),
      Row(
        function: .affine(constant: 0, coefficients: [3]), arguments: [y], value: -3.75,
        partials: (0, 3)),
      Row(
        function: .affine(constant: -0.0, coefficients: [3]), arguments: [y], value: -3.75,
        partials: (0, 3)),
      Row(function: .linear([-2, 3]), arguments: [x, y], value: -4.75, partials: (-2, 3)),
      Row(function: .linear([2, 3]), arguments: [x, y], value: -2.75, partials: (2, 3)),
    ]
    let variables = try rows.map { row in try graph.define(row.function, row.arguments) }
    let program = try graph.compile(objective: .linear(variables, weights: rows.map { _ in 1 }))
    let point = [0.5, -1.25]
    let values = try program.solveConstraints(at: point)
    let d = try program.linearize(at: point, solver: .sweep).jacobian()
    for (k, (row, v)) in zip(rows, variables).enumerated() {
      XCTAssertEqual(values[v.index], row.value, "row \(k): value")
      XCTAssertEqual(d[x.index, v.index], row.partials.x, "row \(k): ∂/∂x")
      XCTAssertEqual(d[y.index, v.index], row.partials.y, "row \(k): ∂/∂y")
    }
  }

  /// `.custom(name:value:)` takes central differences with step `∛ε·max(1, |x_k|)`:
  /// about `1e-10` relative for a smooth function.
  func testFiniteDifferenceCustomPartials() throws {
    for arguments in [[0.3], [-1.2, 0.4], [2.0, -3.0, 0.1, 7.5]] {
      var graph = ConstraintGraph()
      let inputs = arguments.indices.map { graph.input("x\($0)") }
      let v = try graph.define("v", RandomDAG.customFiniteDifference, inputs)
      let program = try graph.compile(objective: .variable(v))
      let g = try program.gradient(at: arguments)
      assertClose(g.value, RandomDAG.logSumExp(arguments), relative: 1e-15)
      assertClose(
        g.gradient, RandomDAG.logSumExpGradient(arguments), relative: 1e-9,
        "softmax at \(arguments)")
    }
  }
}
