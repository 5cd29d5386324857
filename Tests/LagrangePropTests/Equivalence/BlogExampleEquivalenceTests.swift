import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// The equivalence suite on the blog's example (`a = exp(x)`, `b = a²`,
/// `c = a + b + y`, `d = tanh c`, `e = sin c`, `f = d + e`), declared in order
/// and out of order, with the objectives `f`, a seeded random linear one over
/// all variables and a custom quadratic one — checked against closed forms
/// (`BlogExample`) as well as by `AcyclicEquivalence`.
final class BlogExampleEquivalenceTests: XCTestCase {
  /// Points `(x, y)`: the README's, and two more with `c` on either side of zero.
  let points: [(Double, Double)] = [(0.5, -1.0), (-0.3, 0.7), (0.1, -3.0)]

  /// Objectives `f` and `Σ w_i z_i`, and their closed-form gradients `Σ_i ∂f/∂z_i · Z[i, j]`.
  func objectives(_ blog: BlogExample, seed: UInt64) -> [(String, Objective, [Double])] {
    var rng = SplitMix64(seed: seed)
    let weights = randomVector(blog.graph.variableCount, using: &rng)
    var unit = [Double](repeating: 0, count: blog.graph.variableCount)
    unit[blog.f.index] = 1
    return [("f", .variable(blog.f), unit), ("random linear", .linear(weights), weights)]
  }

  /// `wᵀ Z` by a plain loop: the closed-form gradient of `Σ w_i z_i` (input order).
  func closedFormGradient(_ blog: BlogExample, x: Double, y: Double, weights: [Double]) -> [Double]
  {
    let z = blog.implicitJacobian(x: x, y: y)
    return (0..<2).map { j in (0..<8).reduce(0) { $0 + weights[$1] * z[$1, j] } }
  }

  func checkAll(
    _ blog: BlogExample, label: String, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    for (objectiveName, objective, weights) in objectives(blog, seed: 31) {
      let program = try blog.graph.compile(objective: objective)
      for (x, y) in points {
        let inputs = blog.inputs(x: x, y: y)
        let context = "\(label), objective \(objectiveName), (x, y) = (\(x), \(y))"
        var check = AcyclicEquivalence(program, at: inputs, label: context)
        check.seed = UInt64(bitPattern: Int64((x * 1000).rounded()))
        let sweep = try check.run(file: file, line: line)

        // Closed forms: values, gradient, dz/dx and D, for every solver.
        let values = blog.values(x: x, y: y)
        assertClose(
          try program.solveConstraints(at: inputs), values, relative: 1e-15, context, file: file,
          line: line)
        let gradient = closedFormGradient(blog, x: x, y: y, weights: weights)
        assertClose(
          sweep.gradient, gradient, relative: 1e-13, "\(context): closed-form gradient", file: file,
          line: line)
        assertClose(
          sweep.value, zip(weights, values).reduce(0) { $0 + $1.0 * $1.1 }, relative: 1e-14,
          context, file: file, line: line)
        for solver in [
          Solver.sweep, .triangular, .lu, .bandedTriangular, .bandedLU, .blockTriangular,
          .automatic,
        ] {
          let lin = try program.linearize(at: inputs, solver: solver)
          assertClose(
            try lin.implicitJacobian(), blog.implicitJacobian(x: x, y: y), relative: 1e-13,
            "\(context), .\(solver): closed-form dz/dx", file: file, line: line)
          assertClose(
            try lin.jacobian(), blog.constraintJacobian(x: x, y: y), relative: 1e-14,
            "\(context), .\(solver): closed-form D", file: file, line: line)
          for (name, v) in blog.all {
            XCTAssertEqual(
              try lin.value(of: v), values[v.index], "\(context): value(of: \(name))", file: file,
              line: line)
          }
          // λ_i = ∂f/∂z_i (total derivative) for the objective f: λ_c = f'(c), λ_a = f'(c)(1 + 2a).
          if objectiveName == "f" {
            let lambda = try lin.adjoints()
            let cv = values[blog.c.index]
            let dfdc = 1 - Foundation.tanh(cv) * Foundation.tanh(cv) + Foundation.cos(cv)
            assertClose(
              lambda[blog.c.index], dfdc, relative: 1e-14, "\(context), .\(solver): λ_c",
              file: file, line: line)
            assertClose(
              lambda[blog.a.index], dfdc * (1 + 2 * values[blog.a.index]), relative: 1e-14,
              "\(context), .\(solver): λ_a", file: file, line: line)
            XCTAssertEqual(
              lambda[blog.f.index], 1, "\(context), .\(solver): λ_f", file: file, line: line)
          }
        }
      }
    }
  }

  func testInOrder() throws {
    let blog = try BlogExample.inOrder()
    let program = try blog.graph.compile(objective: .variable(blog.f))
    XCTAssertEqual(
      program.programOrder.map(\.index), Array(0..<8), "declaration order is topological")
    XCTAssertEqual(program.inputs, [blog.x, blog.y])
    try checkAll(blog, label: "blog in order")
  }

  func testDeclaredOutOfOrder() throws {
    let blog = try BlogExample.scrambled()
    let program = try blog.graph.compile(objective: .variable(blog.f))
    // Inputs first (y was declared before x), then a topological order.
    XCTAssertEqual(program.inputs, [blog.y, blog.x])
    let order = program.programOrder
    XCTAssertEqual(Array(order.prefix(2)), [blog.y, blog.x])
    XCTAssertNotEqual(
      order.map(\.index), Array(0..<8), "program order should differ from declaration order")
    let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
    for (consumer, argument) in [
      (blog.a, blog.x), (blog.b, blog.a), (blog.c, blog.a), (blog.c, blog.b), (blog.d, blog.c),
      (blog.e, blog.c), (blog.f, blog.d), (blog.f, blog.e),
    ] {
      XCTAssertLessThan(position[argument]!, position[consumer]!)
    }
    try checkAll(blog, label: "blog out of order")
  }

  /// Both declarations give the same numbers, permuted by the handles.
  func testDeclarationOrderOnlyPermutes() throws {
    let inOrder = try BlogExample.inOrder()
    let scrambled = try BlogExample.scrambled()
    let p1 = try inOrder.graph.compile(objective: .variable(inOrder.f))
    let p2 = try scrambled.graph.compile(objective: .variable(scrambled.f))
    let g1 = try p1.gradient(at: inOrder.inputs(x: 0.5, y: -1))
    let g2 = try p2.gradient(at: scrambled.inputs(x: 0.5, y: -1))
    XCTAssertEqual(g1.value, g2.value)
    XCTAssertEqual(g2.gradient, [g1.gradient[1], g1.gradient[0]])
    for ((_, v1), (_, v2)) in zip(inOrder.all, scrambled.all) {
      assertClose(g2.adjoints[v2.index], g1.adjoints[v1.index], relative: 1e-15)
      XCTAssertEqual(try p2.name(of: v2), try p1.name(of: v1))
      XCTAssertEqual(p2.variable(named: try p1.name(of: v1)), v2)
    }
  }

  /// A custom objective `½ Σ w_i z_i²` with its gradient `w_i z_i`.
  func testCustomObjective() throws {
    for blog in [try BlogExample.inOrder(), try BlogExample.scrambled()] {
      var rng = SplitMix64(seed: 5)
      let w = randomVector(8, using: &rng)
      let objective = Objective.custom(
        value: { z in 0.5 * zip(w, z).reduce(0) { $0 + $1.0 * $1.1 * $1.1 } },
        gradient: { z in zip(w, z).map { $0 * $1 } })
      let program = try blog.graph.compile(objective: objective)
      for (x, y) in points {
        let inputs = blog.inputs(x: x, y: y)
        let sweep = try AcyclicEquivalence(
          program, at: inputs, label: "blog, custom objective, (\(x), \(y))"
        ).run()
        let values = blog.values(x: x, y: y)
        let gradient = closedFormGradient(blog, x: x, y: y, weights: zip(w, values).map { $0 * $1 })
        assertClose(
          sweep.gradient, gradient, relative: 1e-13, "closed-form gradient of the custom objective")
      }
    }
  }
}
