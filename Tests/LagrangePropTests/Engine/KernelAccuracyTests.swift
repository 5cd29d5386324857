import Foundation
import LagrangeProp
import XCTest

/// Relative accuracy of local partials where a function saturates.
final class KernelAccuracyTests: XCTestCase {
  /// σ'(x) against an independent reference: `σ'(x) = 1 / (4·cosh²(x/2))`, evaluated in
  /// 80-bit extended precision (not the engine's `t/(1 + t)²` with `t = e^{−|x|}`), and the
  /// exact value `σ'(0) = 1/4`. Relatively accurate far in both tails, where `σ(1 − σ)`
  /// would give exactly 0 at x = 40 instead of 4.25e-18.
  func testSigmoidPartialIsRelativelyAccurateInTheTails() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let s = try graph.define("s", .sigmoid, x)
    let program = try graph.compile(objective: .variable(s))
    for point in [-700.0, -40, -20, -3, -0.5, 0, 1e-9, 0.5, 3, 20, 40, 700] {
      let expected = Self.sigmoidDerivativeReference(point)
      let got = try program.gradient(at: [point]).gradient[0]
      XCTAssertEqual(got, expected, accuracy: 4 * Double.ulpOfOne * expected, "x = \(point)")
      XCTAssertGreaterThan(got, 0, "x = \(point)")
    }
    XCTAssertEqual(try program.gradient(at: [0]).gradient[0], 0.25)
    // e^{−40}·(1 − 2e^{−40} + …), written out: 4.248354255291589e-18.
    XCTAssertEqual(
      try program.gradient(at: [40]).gradient[0], 4.248_354_255_291_589e-18,
      accuracy: 4 * Double.ulpOfOne * 4.25e-18)
  }

  /// `1 / (4·cosh²(x/2))` in `Float80`, rounded to `Double` (x86-64; elsewhere in
  /// `Double`, still a formula independent of the engine's).
  static func sigmoidDerivativeReference(_ x: Double) -> Double {
    #if arch(x86_64) && !os(Windows)
      let c = Foundation.cosh(Float80(x) / 2)
      return Double(1 / (4 * c * c))
    #else
      let c = Foundation.cosh(x / 2)
      return 1 / (4 * c * c)
    #endif
  }

  /// A product of many factors: partials Π_{l≠k} x_l (prefix × suffix, no division),
  /// exact zeros around a vanishing factor, and O(fan-in) work for 2 000 factors.
  func testWideProductPartials() throws {
    let count = 2_000
    var graph = ConstraintGraph()
    let inputs = (0..<count).map { _ in graph.input() }
    let p = try graph.define("p", .product, inputs)
    let program = try graph.compile(objective: .variable(p))
    // Factors 1 + k/10⁴: the product stays finite; ∂p/∂x_k = p / x_k up to rounding.
    let x = (0..<count).map { 1 + Double($0) / 10_000 }
    let g = try program.gradient(at: x)
    for k in [0, 1, 999, 1_999] {
      XCTAssertEqual(
        g.gradient[k], g.value / x[k], accuracy: 1e-12 * abs(g.value / x[k]), "k = \(k)")
    }
    // One zero factor: only its own partial survives, equal to the product of the others.
    var withZero = x
    withZero[500] = 0
    let h = try program.gradient(at: withZero)
    XCTAssertEqual(h.value, 0)
    let others = x.enumerated().filter { $0.offset != 500 }.reduce(1.0) { $0 * $1.element }
    XCTAssertEqual(h.gradient[500], others, accuracy: 1e-12 * others)
    XCTAssertTrue(h.gradient.enumerated().allSatisfy { $0.offset == 500 || $0.element == 0 })
    // Two zeros: every partial vanishes.
    withZero[7] = 0
    XCTAssertTrue(try program.gradient(at: withZero).gradient.allSatisfy { $0 == 0 })
  }
}
