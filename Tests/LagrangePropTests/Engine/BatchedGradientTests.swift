import CLAPACKE
import LagrangeProp
import XCTest

/// `Program.gradients(at:solver:options:)`: the results of serial calls, bit for
/// bit, in the order of the points.
final class BatchedGradientTests: XCTestCase {
  func testBatchEqualsSerialCallsOnAnAcyclicProgram() throws {
    let program = try WorkspaceTests.everyOpCodeProgram()
    let points = (0..<37).map { k in [0.1 * Double(k) - 1.5, 0.8 - 0.04 * Double(k)] }
    for solver in [Solver.sweep, .lu] {
      let batch = try program.gradients(at: points, solver: solver)
      XCTAssertEqual(batch.count, points.count)
      for (k, point) in points.enumerated() {
        let serial = try program.gradient(at: point, solver: solver)
        XCTAssertEqual(batch[k].gradient, serial.gradient, "\(solver) point \(k)")
        XCTAssertEqual(batch[k].adjoints, serial.adjoints, "\(solver) point \(k)")
        XCTAssertEqual(batch[k].value, serial.value, "\(solver) point \(k)")
      }
    }
  }

  func testBatchEqualsSerialCallsOnACyclicProgram() throws {
    let program = try SineCycle.productProgram(inputs: 2)
    let points = (0..<64).map { k in [0.1 * Double(k), 1 - 0.05 * Double(k)] }
    let batch = try program.gradients(at: points, solver: .blockTriangular)
    for (k, point) in points.enumerated() {
      XCTAssertEqual(
        batch[k].gradient, try program.gradient(at: point, solver: .blockTriangular).gradient,
        "point \(k)")
    }
    XCTAssertTrue(try program.gradients(at: []).isEmpty)
  }

  /// OpenBLAS runs single-threaded during a batch; its thread count is restored after.
  func testOpenBLASThreadCountIsRestored() throws {
    let before = openblas_get_num_threads()
    let program = try WorkspaceTests.everyOpCodeProgram()
    let points = (0..<8).map { k in [0.1 * Double(k), -0.2 * Double(k)] }
    _ = try program.gradients(at: points, solver: .lu)
    XCTAssertEqual(openblas_get_num_threads(), before)
    openblas_set_num_threads(2)
    _ = try program.gradients(at: points, solver: .lu)
    XCTAssertEqual(openblas_get_num_threads(), 2)
    openblas_set_num_threads(before)
  }

  /// The error of the lowest-indexed failing point is the one thrown.
  func testBatchThrowsTheFirstFailingPointsError() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let l = try graph.define("l", .log, x)
    let program = try graph.compile(objective: .variable(l))
    let points: [[Double]] = [[1], [2], [-1], [3], [1, 2], [4]]
    let error = caughtLagrangePropError { _ = try program.gradients(at: points) }
    guard case .nonFinite(let variable, _, _)? = error else {
      return XCTFail("expected .nonFinite for point 2, got \(String(describing: error))")
    }
    XCTAssertEqual(variable, "l")
  }
}
