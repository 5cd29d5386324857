import Foundation
import LagrangeProp
import XCTest

/// The objective a trace returns when it is a pending linear combination, on every
/// solver, and traces repeated back to back (the tracer's buffers and graph sizes
/// are handed from one trace to the next).
final class TracingObjectiveTests: XCTestCase {
  /// `f = 2a + 0·b − 3c` over variables made in that order: no variable for `f`,
  /// the zero weight dropped, and the same value and gradient on every solver.
  func testAscendingCombinationIsALinearObjective() throws {
    let program = try Program.trace(inputs: ["x", "y"]) { t in
      let a = exp(t.inputs[0]), b = sin(t.inputs[1])
      return dot([2, 0, -3], [a, b, a * b])
    }
    XCTAssertEqual(program.variableCount, 5)  // x, y, a, b, a·b
    let (x, y) = (0.4, -1.1)
    let expected = 2 * Foundation.exp(x) - 3 * Foundation.exp(x) * Foundation.sin(y)
    let expectedGradient = [expected, -3 * Foundation.exp(x) * Foundation.cos(y)]
    for solver in [Solver.sweep, .triangular, .lu, .sparseLU] {
      let g = try program.gradient(at: [x, y], solver: solver)
      assertClose(g.value, expected, relative: 1e-14, "\(solver)")
      assertClose(g.gradient, expectedGradient, relative: 1e-14, "\(solver)")
    }
    let linearization = try program.linearize(at: [x, y], solver: .lu)
    XCTAssertEqual(try linearization.objectiveGradient(), [0, 0, 2, 0, -3])
  }

  /// Terms out of declaration order, or repeated, give the same objective (the
  /// weights of a repeated variable summed).
  func testUnorderedAndRepeatedTerms() throws {
    let program = try Program.trace(inputs: ["x"]) { t in
      let a = exp(t.inputs[0]), b = square(a)
      return dot([1.5, 0.5, 1], [b, a, a])
    }
    XCTAssertEqual(program.variableCount, 3)
    let x = 0.3
    let g = try program.gradient(at: [x], solver: .lu)
    let a = Foundation.exp(x)
    assertClose(g.value, 1.5 * a * a + 1.5 * a, relative: 1e-14)
    assertClose(g.gradient, [3 * a * a + 1.5 * a], relative: 1e-14)
    let linearization = try program.linearize(at: [x], solver: .triangular)
    XCTAssertEqual(try linearization.objectiveGradient(), [0, 1.5, 1.5])
  }

  /// Tracing again (larger, smaller, the same) records the same programs: the
  /// buffers and sizes a trace leaves to the next change nothing.
  func testRepeatedTracesRecordTheSamePrograms() throws {
    func chain(_ steps: Int) throws -> Program {
      try Program.trace(inputs: ["x0", "y"]) { t in
        var x = t.inputs[0]
        var trajectory: [Traced] = []
        for _ in 0..<steps {
          let a = exp(0.5 * x)
          let c = a + a * a + t.inputs[1]
          x = tanh(c) + sin(c)
          trajectory.append(x)
        }
        return dot([Double](repeating: 1 / Double(steps), count: steps), trajectory)
      }
    }
    let point = [0.5, -3.0]
    let reference = try chain(50).gradient(at: point)
    for steps in [600, 50, 7, 50, 50] {
      let program = try chain(steps)
      XCTAssertEqual(program.variableCount, 6 * steps + 2)
      let g = try program.gradient(at: point)
      if steps == 50 {
        XCTAssertEqual(g.value, reference.value)
        XCTAssertEqual(g.gradient, reference.gradient)
      }
    }
  }
}
