import LagrangeProp
import SeededRandom
import XCTest

/// The equivalence suite on seeded random DAGs (`RandomDAG`): every built-in
/// function, `power`, `linear`, `affine`, `product`, a custom function with a
/// gradient and one with finite differences, fan-in 1…4, up to 500 variables,
/// declared in topological order or shuffled (`unknown()` + `define`, inputs
/// interleaved) so that program order ≠ declaration order.
///
/// Besides `AcyclicEquivalence`, each DAG is checked against its own plain-Swift
/// evaluator and reverse mode, which share no code with the engine.
final class RandomDAGEquivalenceTests: XCTestCase {
  /// The objective for a seed: a random linear one over all variables, or the
  /// last node; and its weights (declaration order).
  func objective(for dag: RandomDAG, linear: Bool, seed: UInt64) -> (Objective, [Double], String) {
    if linear {
      var rng = SplitMix64(seed: seed ^ 0xABCD)
      let w = dag.randomWeights(using: &rng)
      return (.linear(w), w, "random linear")
    }
    var w = [Double](repeating: 0, count: dag.count)
    w[dag.sink.index] = 1
    return (.variable(dag.sink), w, "sink")
  }

  /// Runs the suite on one DAG with both objectives.
  func check(
    _ dag: RandomDAG, seed: UInt64, lagrangianSample: Int? = nil, file: StaticString = #filePath,
    line: UInt = #line
  ) throws {
    var rng = SplitMix64(seed: seed)
    let inputs = dag.randomInputs(using: &rng)
    // The engine's values equal the plain evaluator's.
    let reference = dag.referenceValues(inputs: inputs)
    for linear in [true, false] {
      let (objective, weights, name) = objective(for: dag, linear: linear, seed: seed)
      let program = try dag.graph.compile(objective: objective)
      let label = "DAG seed \(seed) (n = \(dag.count), d = \(dag.inputCount)), objective \(name)"
      assertClose(
        try program.solveConstraints(at: inputs), reference, relative: 1e-13, "\(label): values",
        file: file, line: line)

      var suite = AcyclicEquivalence(program, at: inputs, label: label)
      suite.seed = seed
      suite.lagrangianSample = lagrangianSample
      let sweep = try suite.run(file: file, line: line)

      // Independent reverse mode. The finite-difference custom function's
      // partials are accurate to about 1e-10 (step ∛ε), hence the looser bound there.
      let tolerance = dag.usesFiniteDifferenceCustom ? 1e-8 : 1e-12
      let (gradient, adjoints) = dag.referenceGradient(inputs: inputs, weights: weights)
      assertClose(
        sweep.gradient, gradient, relative: tolerance, "\(label): plain reverse mode, gradient",
        file: file, line: line)
      assertClose(
        sweep.adjoints, adjoints, relative: tolerance, "\(label): plain reverse mode, adjoints",
        file: file, line: line)
    }
  }

  /// The generator does what the suite relies on.
  func testGeneratorCoversEveryFunction() throws {
    for seed: UInt64 in 1...6 {
      let dag = try RandomDAG(
        seed: seed, inputCount: 3, intermediateCount: 60,
        shuffledDeclaration: seed.isMultiple(of: 2))
      XCTAssertEqual(dag.kindsUsed, Set(RandomDAG.Op.allKinds), "seed \(seed)")
      XCTAssertEqual(dag.maxArguments, 4, "seed \(seed): fan-in reaches 4")
      XCTAssertTrue(dag.nodes.allSatisfy { $0.op == nil || (1...4).contains($0.arguments.count) })
      XCTAssertTrue(dag.usesFiniteDifferenceCustom)
      XCTAssertEqual(dag.graph.inputCount, 3)
      XCTAssertEqual(dag.graph.variableCount, dag.count)
      let program = try dag.graph.compile(objective: .variable(dag.sink))
      XCTAssertTrue(program.isAcyclic)
      let identity = program.programOrder.map(\.index) == Array(0..<dag.count)
      XCTAssertEqual(
        identity, !seed.isMultiple(of: 2),
        "seed \(seed): shuffled ⇔ program order ≠ declaration order")
    }
  }

  /// Small DAGs, many seeds, in order and shuffled; every check on every coordinate.
  func testSmallDAGs() throws {
    for seed: UInt64 in 1...24 {
      var rng = SplitMix64(seed: seed &* 7919)
      let dag = try RandomDAG(
        seed: seed, inputCount: Int.random(in: 1...5, using: &rng),
        intermediateCount: Int.random(in: 15...60, using: &rng),
        shuffledDeclaration: seed.isMultiple(of: 2))
      try check(dag, seed: seed)
    }
  }

  /// Medium DAGs (100–250 variables), in order and shuffled.
  func testMediumDAGs() throws {
    for seed: UInt64 in 51...54 {
      let dag = try RandomDAG(
        seed: seed, inputCount: 6, intermediateCount: 100 + 50 * Int(seed - 51),
        shuffledDeclaration: seed.isMultiple(of: 2))
      try check(dag, seed: seed, lagrangianSample: 80)
    }
  }

  /// DAGs of 500 variables, in order and shuffled.
  func testLargeDAGs() throws {
    for (seed, shuffled) in [(101 as UInt64, false), (102, true)] {
      let dag = try RandomDAG(
        seed: seed, inputCount: 8, intermediateCount: 492, shuffledDeclaration: shuffled)
      XCTAssertGreaterThanOrEqual(dag.count, 500)
      try check(dag, seed: seed, lagrangianSample: 120)
    }
  }
}
