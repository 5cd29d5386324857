import LagrangeProp
import XCTest

/// Details of the forward solve and the graph builder that no other suite pins down.
final class ForwardSolveDetailTests: XCTestCase {
  /// A NaN or infinite initial guess is refused by name, before any iteration.
  func testNonFiniteInitialGuessIsRefused() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let v = graph.unknown("v")
    try graph.define(v, .affine(constant: 1, coefficients: [0.5, 1]), v, x)  // v = 1 + v/2 + x
    let program = try graph.compile(objective: .variable(v))
    var options = SolveOptions()
    options.initialGuess = [0, .nan]
    XCTAssertThrowsError(try program.solveConstraints(at: [1], options: options)) { error in
      guard
        case .nonFiniteArgument("initialGuess", let variable, let value)? = error
          as? LagrangePropError
      else {
        return XCTFail("expected .nonFiniteArgument for initialGuess, got \(error)")
      }
      XCTAssertEqual(variable, "v")
      XCTAssertTrue(value.isNaN)
    }
    options.initialGuess = [0, 7]
    // v = 2·(1 + x) = 4 whatever the (finite) guess.
    XCTAssertEqual(
      try program.solveConstraints(at: [1], options: options)[v.index], 4, accuracy: 1e-14)
  }

  /// `define(f, [args])`: the unnamed array form names the variable `z#i` in errors.
  func testUnnamedArrayDefine() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let y = graph.input("y")
    let s = try graph.define(.sum, [x, y])
    let l = try graph.define(.log, [s])
    let program = try graph.compile(objective: .variable(l))
    XCTAssertEqual(try program.evaluate(at: [1, 2]), Foundation.log(3), accuracy: 1e-15)
    XCTAssertThrowsError(try program.evaluate(at: [-1, -2])) { error in
      XCTAssertEqual(
        (error as? LagrangePropError).map { String(describing: $0) }?.contains("'z#\(l.index)'"),
        true, "\(error)")
    }
  }
}
