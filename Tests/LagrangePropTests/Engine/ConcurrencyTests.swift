import LagrangeProp
import XCTest

/// `Program` is immutable and `Sendable`: concurrent calls must give exactly the
/// answers of sequential ones.
final class ConcurrencyTests: XCTestCase {
  func testConcurrentGradientsEqualSequentialOnes() async throws {
    // A cyclic program (so Newton, block LU and the sweep are all exercised).
    let program = try SineCycle.productProgram(inputs: 2)

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
