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

  // MARK: - Many calls: workspaces and batches (README)

  func testReadmeWorkspaceAndBatchBlock() throws {
    var graph = ConstraintGraph()
    let x0 = graph.input("x"), y = graph.input("y")
    let c = try graph.define("c", .sum, try graph.define("a", .exp, x0), y)
    let f = try graph.define("f", .sin, c)
    let program = try graph.compile(objective: .variable(f))
    let points = (0..<5).map { k in [0.1 * Double(k), -0.3] }
    var seen: [[Double]] = []
    func use(_ gradient: [Double]) { seen.append(gradient) }

    // README: "Many calls: workspaces and batches"
    let workspace = Program.Workspace()
    for x in points {
      let g = try program.gradient(at: x, workspace: workspace)  // also evaluate / linearize
      use(g.gradient)
    }
    let all = try program.gradients(at: points)  // every core
    // end README

    XCTAssertEqual(all.map(\.gradient), seen)
    for (k, point) in points.enumerated() {
      let cv = Foundation.exp(point[0]) + point[1]
      XCTAssertEqual(seen[k][0], Foundation.cos(cv) * Foundation.exp(point[0]), accuracy: 1e-14)
      XCTAssertEqual(seen[k][1], Foundation.cos(cv), accuracy: 1e-14)
    }
  }

  // MARK: - Errors, conditioning and limits (README)

  func testReadmeConditioningAndSolutionBlocks() throws {
    let beta = 1 - 1e-9
    let program = try TwoStateMarkov(beta: beta).program
    let x = [1.0, 2.0]

    let lin = try program.linearize(at: x, solver: .lu)
    print(lin.reciprocalCondition ?? 1)  // ≈ 1e-9: expect about 7 correct digits
    var strict = SolveOptions()
    strict.minimumReciprocalCondition = 1e-12  // refuse (.illConditioned) below this

    XCTAssertLessThan(try XCTUnwrap(lin.reciprocalCondition), 1e-8)
    XCTAssertNoThrow(try program.gradient(at: x, solver: .lu, options: strict))
    strict.minimumReciprocalCondition = 1e-6
    let refusal = caughtLagrangePropError("strict") {
      _ = try program.gradient(at: x, solver: .lu, options: strict)
    }
    guard case .illConditioned? = refusal else { return XCTFail("expected .illConditioned") }

    let z = try program.solveConstraints(at: x)  // or your own solver's values
    let atZ = try program.linearize(at: x, solution: z)  // .notASolution if z does not solve it
    print(try atZ.gradient().gradient)

    assertClose(try atZ.gradient().gradient, try lin.gradient().gradient, relative: 1e-6)
  }
}
