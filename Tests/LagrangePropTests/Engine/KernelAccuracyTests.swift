import Foundation
import LagrangeProp
import XCTest

/// Relative accuracy of local partials where a function saturates.
final class KernelAccuracyTests: XCTestCase {
  /// σ'(x) = t/(1 + t)² with t = e^{−|x|}: relatively accurate far in both tails
  /// (σ(1 − σ) would give exactly 0 at x = 40 instead of 4.2e-18).
  func testSigmoidPartialIsRelativelyAccurateInTheTails() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let s = try graph.define("s", .sigmoid, x)
    let program = try graph.compile(objective: .variable(s))
    for point in [-40.0, -20, -3, 0, 3, 20, 40] {
      let t = Foundation.exp(-abs(point))
      let expected = t / ((1 + t) * (1 + t))
      let got = try program.gradient(at: [point]).gradient[0]
      XCTAssertEqual(got, expected, accuracy: 4 * Double.ulpOfOne * expected, "x = \(point)")
      XCTAssertGreaterThan(got, 0, "x = \(point)")
    }
  }
}
