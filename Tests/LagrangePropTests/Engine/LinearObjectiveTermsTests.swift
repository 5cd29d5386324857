import LagrangeProp
import SeededRandom
import XCTest

/// `Objective.linear(_:weights:)`, the linear objective given by its terms: the same
/// values and gradients as the dense `Objective.linear(_:)` with the weights
/// scattered (terms in any order, repeated variables summed), on acyclic and
/// cyclic programs, and its typed errors.
final class LinearObjectiveTermsTests: XCTestCase {
  /// A Markov reward process `v = r + γPv` (n = 40) with the objective `Σ w_i v_i`
  /// given as terms in a shuffled order, `v_0`'s weight split in two: every solver
  /// agrees with the dense weights (1e-12) and with the closed form (1e-9).
  func testCyclicTermsMatchDenseWeightsAndClosedForm() throws {
    var rng = SplitMix64(seed: 0x7465_726d)
    let n = 40
    let p = CyclicReference.stochasticMatrix(n, using: &rng)
    let gamma = 0.9
    let r = randomVector(n, in: -2...3, using: &rng)
    let w = randomVector(n, in: -1...1, using: &rng)
    let closedForm = MarkovRewardClosedForm(p: p, gamma: gamma, r: r, weights: w)
    let markov = try MarkovRewardGraph(form: .linearWithGamma, p: p, gamma: gamma)
    let (graph, v) = (markov.graph, markov.values)
    var termVariables = Array(v.reversed())
    var termWeights = Array(w.reversed())
    // v_0's weight in two parts, the second far from the first.
    termWeights[n - 1] = 0.25 * w[0]
    termVariables.insert(v[0], at: n / 2)
    termWeights.insert(0.75 * w[0], at: n / 2)
    let byTerms = try graph.compile(objective: .linear(termVariables, weights: termWeights))
    let byDense = try graph.compile(objective: markov.weightedObjective(w))
    let x = markov.inputs(p: p, gamma: gamma, r: r)
    let expected = closedForm.gradient(form: .linearWithGamma)
    for solver in [Solver.lu, .blockTriangular, .automatic] {
      let g = try byTerms.gradient(at: x, solver: solver)
      let reference = try byDense.gradient(at: x, solver: solver)
      assertClose(g.gradient, reference.gradient, relative: 1e-12, "\(solver) vs dense weights")
      assertClose([g.value], [reference.value], relative: 1e-12, "\(solver) value")
      assertClose(g.gradient, expected, relative: 1e-9, "\(solver) vs closed form")
    }
  }

  /// An acyclic chain whose objective reads every third variable: the terms give
  /// the dense objective's value and gradient, on the sweep and on `.lu`.
  func testAcyclicTermsMatchDenseWeights() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    var last = x
    var picked: [Variable] = []
    for k in 0..<60 {
      let a = try graph.define(.tanh, last)
      last = try graph.define(.product, a, y)
      if k % 3 == 0 { picked.append(last) }
    }
    let weights = picked.indices.map { 1 + 0.1 * Double($0) }
    var dense = [Double](repeating: 0, count: graph.variableCount)
    for (v, c) in zip(picked, weights) { dense[v.index] = c }
    let byTerms = try graph.compile(objective: .linear(picked, weights: weights))
    let byDense = try graph.compile(objective: .linear(dense))
    for solver in [Solver.sweep, .lu] {
      let g = try byTerms.gradient(at: [0.7, 0.9], solver: solver)
      let reference = try byDense.gradient(at: [0.7, 0.9], solver: solver)
      assertClose(g.gradient, reference.gradient, relative: 1e-14, "\(solver)")
      assertClose([g.value], [reference.value], relative: 1e-14, "\(solver) value")
    }
    XCTAssertEqual(
      try byTerms.evaluate(at: [0.7, 0.9]), try byDense.evaluate(at: [0.7, 0.9]), accuracy: 1e-14)
  }

  /// No terms, and terms whose weights cancel: the objective is 0 with a zero gradient.
  func testEmptyAndCancellingTermsGiveAZeroObjective() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let s = try graph.define(.sin, x)
    for objective in [Objective.linear([], weights: []), .linear([s, x, s], weights: [2, 0, -2])] {
      let g = try graph.compile(objective: objective).gradient(at: [0.3])
      XCTAssertEqual(g.value, 0)
      XCTAssertEqual(g.gradient, [0])
    }
  }

  /// Each misuse is `.invalidObjective`, naming the variable where there is one.
  func testTermErrorsNameTheVariable() throws {
    var other = ConstraintGraph()
    let foreign = (0..<9).map { other.input("f\($0)") }
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let s = try graph.define("s", .sin, x)
    assertLagrangePropError(
      .invalidObjective(reason: "linear objective has 1 weights for 2 variables"),
      mentioning: ["1 weights", "2 variables"]
    ) { _ = try graph.compile(objective: .linear([x, s], weights: [1])) }
    let error = caughtLagrangePropError {
      _ = try graph.compile(objective: .linear([s, foreign[7]], weights: [1, 1]))
    }
    guard case .invalidObjective? = error else {
      return XCTFail("got \(String(describing: error))")
    }
    assertDescription(error, contains: ["handle 7", "2 variables"])
    assertLagrangePropError(
      .invalidObjective(reason: "weight of 's' is not finite (nan)"), mentioning: ["'s'"]
    ) { _ = try graph.compile(objective: .linear([x, s], weights: [1, .nan])) }
    assertLagrangePropError(
      .invalidObjective(reason: "weights of 's' add up to a non-finite value (inf)"),
      mentioning: ["'s'", "non-finite"]
    ) {
      _ = try graph.compile(
        objective: .linear(
          [s, x, s], weights: [.greatestFiniteMagnitude, 1, .greatestFiniteMagnitude]))
    }
  }
}
