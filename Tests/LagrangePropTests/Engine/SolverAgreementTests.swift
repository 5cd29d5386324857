import Foundation
import LagrangeProp
import Testing

/// Every solver, one parameterised Swift Testing case each, on the blog example
/// against its closed-form gradient, and on a small cyclic system (the solvers
/// that need an acyclic program must refuse it with `.cyclicProgram`).
@Suite("Every solver on the blog example and a cycle")
struct SolverAgreementTests {
  static let point = [0.5, -1.0]

  /// `a = eˣ, b = a², c = a + b + y, f = tanh c + sin c`:
  /// `∂f/∂c = 1 − tanh²c + cos c`, `∂f/∂x = ∂f/∂c·(a + 2a²)`, `∂f/∂y = ∂f/∂c`.
  static var closedForm: [Double] {
    let a = Foundation.exp(point[0])
    let c = a + a * a + point[1]
    let dfdc = 1 - Foundation.tanh(c) * Foundation.tanh(c) + Foundation.cos(c)
    return [dfdc * (a + 2 * a * a), dfdc]
  }

  static func blog() throws -> Program {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let y = graph.input("y")
    let a = try graph.define("a", .exp, x)
    let b = try graph.define("b", .square, a)
    let c = try graph.define("c", .sum, a, b, y)
    let d = try graph.define("d", .tanh, c)
    let e = try graph.define("e", .sin, c)
    let f = try graph.define("f", .sum, d, e)
    return try graph.compile(objective: .variable(f))
  }

  @Test("gradient equals the closed form", arguments: Solver.allCases)
  func blogGradient(solver: Solver) throws {
    let g = try Self.blog().gradient(at: Self.point, solver: solver)
    for (got, expected) in zip(g.gradient, Self.closedForm) {
      #expect(abs(got - expected) <= 1e-12 * abs(expected))
    }
    #expect(solver == .automatic ? g.solver == .sweep : g.solver == solver)
  }

  /// `u = ½·v + x`, `v = ½·u + 1`: `u = (2/3)(2x + 1)`, so `du/dx = 4/3`.
  @Test("cyclic: exact or refused", arguments: Solver.allCases)
  func cycle(solver: Solver) throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let u = graph.unknown("u")
    let v = graph.unknown("v")
    try graph.define(u, .affine(constant: 0, coefficients: [0.5, 1]), v, x)
    try graph.define(v, .affine(constant: 1, coefficients: [0.5]), u)
    let program = try graph.compile(objective: .variable(u))
    if solver.requiresAcyclic {
      let error = #expect(throws: LagrangePropError.self) {
        try program.gradient(at: [2], solver: solver)
      }
      guard case .cyclicProgram(let refusing, let variables) = error else {
        Issue.record(
          "\(solver) refused the cycle with \(String(describing: error)), not .cyclicProgram")
        return
      }
      // The refusal names the solver and variables on the cycle.
      #expect(refusing == solver)
      #expect(!variables.isEmpty && Set(variables).isSubset(of: ["u", "v"]), "\(variables)")
      return
    }
    do {
      let g = try program.gradient(at: [2], solver: solver)
      #expect(abs(g.value - 10.0 / 3) <= 1e-14)
      #expect(abs(g.gradient[0] - 4.0 / 3) <= 1e-14)
    } catch LagrangePropError.bandTooWide {
      // Two intermediates coupled both ways: band storage is no smaller than dense.
      #expect(solver == .bandedLU)
    }
  }
}
