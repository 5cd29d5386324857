import LagrangeProp
import XCTest

/// The README's examples, verbatim, so that CI proves they compile and run.
final class ReadmeExampleTests: XCTestCase {
  func testQuickExample() throws {
    // README: "A first program"
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let a = try graph.define("a", .exp, x)
    let b = try graph.define("b", .square, a)
    let c = try graph.define("c", .sum, a, b, y)
    let f = try graph.define(
      "f", .sum, try graph.define("d", .tanh, c),
      try graph.define("e", .sin, c))
    let program = try graph.compile(objective: .variable(f))

    let g = try program.gradient(at: [0.5, -1.0])  // reverse mode, the sweep
    print(g.value, g.gradient, g.solver)  // f, [∂f/∂x, ∂f/∂y], sweep

    let lin = try program.linearize(at: [0.5, -1.0], solver: .lu)
    let dzdx = try lin.implicitJacobian()  // 8 × 2: every dz/dx
    var seed = [Double](repeating: 0, count: program.variableCount)
    seed[x.index] = 1
    let tau = try lin.tangents(seed: seed)  // forward mode: dz/dx
    print(dzdx[f.index, 0], tau[f.index])  // both ∂f/∂x
    // end README

    XCTAssertEqual([dzdx.rows, dzdx.columns], [8, 2])  // as the comment says

    let ea = Foundation.exp(0.5)
    let cv = ea + ea * ea - 1
    let dfdc = 1 - Foundation.tanh(cv) * Foundation.tanh(cv) + Foundation.cos(cv)
    XCTAssertEqual(g.gradient[0], dfdc * (ea + 2 * ea * ea), accuracy: 1e-12)
    XCTAssertEqual(g.gradient[1], dfdc, accuracy: 1e-12)
    XCTAssertEqual(dzdx[f.index, 0], g.gradient[0], accuracy: 1e-12)
    XCTAssertEqual(tau[f.index], g.gradient[0], accuracy: 1e-12)
    XCTAssertEqual(g.solver, .sweep)
  }
}
