import Foundation
import LagrangeProp
import XCTest

/// The tracer stages recorded variables and constants in blocks and copies them
/// to the graph when a block is full or the graph itself is needed (an unknown,
/// a `define`, the objective). A trace that crosses several blocks and mixes
/// every kind of record must give the program the plain Swift computes.
final class TracingStagingTests: XCTestCase {
  /// Steps of the chain: two variables each, so several staged blocks.
  static let steps = 12_000

  /// The traced function in plain Swift: `s` iterated, `u = ½u + cos s` solved
  /// (`u = 2 cos s`), `v = eᵘ/(1 + u²)`, `f = v³ + u·v·s`.
  static func reference(_ x: Double, _ y: Double) -> Double {
    var s = x
    for k in 0..<steps { s = Foundation.sin(s) * 0.999 + (0.001 * Double(k % 7)) * y }
    let u = 2 * Foundation.cos(s)
    let v = Foundation.exp(u) / (1 + u * u)
    return Foundation.pow(v, 3) + u * v * s
  }

  func testTraceAcrossStagedBlocksMatchesPlainSwift() throws {
    var counted = 0
    var unknown: Variable?
    var named: Variable?
    let program = try Program.trace(inputs: ["x", "y"]) { t in
      var s = t.inputs[0]
      let y = t.inputs[1]
      for k in 0..<Self.steps { s = sin(s) * 0.999 + (0.001 * Double(k % 7)) * y }
      // Staged variables count: the inputs, then per step the stored linear
      // combination and its sine (the first step's sine reads x itself).
      counted = t.variableCount
      let u = t.unknown("u")
      t.define(u, 0.5 * u + cos(s))
      let v = t.name(exp(u) / (1 + u * u), "v")
      unknown = u.variable
      named = v.variable
      return pow(v, 3) + product([u, v, s])
    }
    XCTAssertEqual(counted, 2 * Self.steps + 1)
    XCTAssertEqual(try program.name(of: try XCTUnwrap(unknown)), "u")
    XCTAssertEqual(try program.name(of: try XCTUnwrap(named)), "v")
    let point = [0.3, 0.7]
    let value = try program.evaluate(at: point)
    let expected = Self.reference(point[0], point[1])
    XCTAssertEqual(value, expected, accuracy: 1e-12 * abs(expected))
    let gradient = try program.gradient(at: point).gradient
    let h = 1e-6
    for j in 0..<2 {
      var plus = point
      var minus = point
      plus[j] += h
      minus[j] -= h
      let difference =
        (Self.reference(plus[0], plus[1]) - Self.reference(minus[0], minus[1])) / (2 * h)
      XCTAssertEqual(gradient[j], difference, accuracy: 1e-6 * max(1, abs(difference)), "∂f/∂x\(j)")
    }
  }

  /// A misuse naming a variable still staged names it as the program would.
  func testMisuseNamesAStagedVariable() {
    assertLagrangePropError(
      .notAnUnknown(variable: "z#\(2 * Self.steps + 2)"),
      mentioning: ["'z#\(2 * Self.steps + 2)'"]
    ) {
      _ = try Program.trace(inputs: ["x", "y"]) { t in
        var s = t.inputs[0]
        for _ in 0..<Self.steps { s = sin(s) * 0.5 + t.inputs[1] }
        let staged = sin(s)  // stores s (z#2·steps+1), then its sine
        t.define(staged, t.inputs[1])
        return staged
      }
    }
  }
}
