import LagrangeProp
import XCTest

final class CyclicZZProbe: XCTestCase {
  func testProbe() throws {
    for pRows in [[[0.5, 0.5], [0.25, 0.75]], [[0.3, 0.7], [0.1, 0.9]], [[0.2,0.3,0.5],[0.6,0.3,0.1],[0.35,0.35,0.3]]] {
      for form in MarkovRewardGraph.Form.allCases {
        let n = pRows.count
        let m = try MarkovRewardGraph(form: form, p: pRows, gamma: 1)
        let prog = try m.graph.compile(objective: .variable(m.total))
        for r in [[Double](repeating: 0, count: n), [Double](repeating: 1, count: n)] {
          for solver in [Solver.lu, .blockTriangular] {
            do { let g = try prog.gradient(at: m.inputs(p: pRows, gamma: 1, r: r), solver: solver); print("OK?", form, r, solver, g.gradient) }
            catch { print("ERR", form, r[0], solver, error) }
          }
        }
      }
    }
    var graph = ConstraintGraph()
    let z = graph.unknown("z")
    let sq = try graph.define("sq", .square, z)
    try graph.define(z, .affine(constant: 1, coefficients: [1]), sq)
    let prog = try graph.compile(objective: .variable(z))
    do { _ = try prog.solveConstraints(at: []) } catch { print("ERR", error) }
  }
}
