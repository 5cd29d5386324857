import LagrangeProp
import XCTest

/// `Program` is immutable and `Sendable`: concurrent calls must give exactly the
/// answers of sequential ones.
final class ConcurrencyTests: XCTestCase {
  func testConcurrentGradientsEqualSequentialOnes() async throws {
    // A cyclic program (so Newton, block LU and the sweep are all exercised).
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let y = graph.input("y")
    let u = graph.unknown("u")
    let v = graph.unknown("v")
    try graph.define(u, .affine(constant: 1, coefficients: [0.3, 0.2]), v, x)
    let sv = try graph.define("sv", .sin, u)
    try graph.define(v, .affine(constant: 0, coefficients: [0.4, 1]), sv, y)
    let f = try graph.define("f", .product, u, v)
    let program = try graph.compile(objective: .variable(f))

    let points = (0..<64).map { k in [0.1 * Double(k), 1 - 0.05 * Double(k)] }
    let sequential = try points.map {
      try program.gradient(at: $0, solver: .blockTriangular).gradient
    }
    let concurrent = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
      for (k, point) in points.enumerated() {
        group.addTask { (k, try program.gradient(at: point, solver: .blockTriangular).gradient) }
      }
      var results = [[Double]](repeating: [], count: points.count)
      for try await (k, gradient) in group { results[k] = gradient }
      return results
    }
    for k in 0..<points.count {
      XCTAssertEqual(concurrent[k], sequential[k], "point \(k)")  // bit-for-bit
    }
  }
}
