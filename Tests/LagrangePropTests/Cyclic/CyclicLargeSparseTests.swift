import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// A large sparse cyclic program: many cycles of length ≤ 32 joined acyclically,
/// the shape `.blockTriangular` exists for — one small dense factorization per
/// block, nothing of the order of the whole program. (Its speed is measured by
/// `lagrange-bench cyclic`, not here.)
final class CyclicLargeSparseTests: XCTestCase {
  /// Cycles of random length 2…32. Member `i` of a cycle is
  /// `c_i = κ·tanh(c_{i+1}) + μ·(link) + b`, `|κ| + |μ| ≤ 0.9`, where the link is
  /// a member of an earlier cycle or an input: strongly connected inside each
  /// cycle, acyclic between cycles. About two variables per member.
  static func program(variables target: Int, inputs d: Int, seed: UInt64) throws -> Program {
    var rng = SplitMix64(seed: seed)
    var graph = ConstraintGraph()
    var earlier = (0..<d).map { graph.input("x\($0)") }
    var cycleIndex = 0
    while graph.variableCount < target {
      let length = Int.random(in: 2...32, using: &rng)
      let members = (0..<length).map { graph.unknown("c\(cycleIndex)_\($0)") }
      for i in 0..<length {
        let feedback = try graph.define(.tanh, members[(i + 1) % length])
        let link = earlier[
          earlier.count - 1 - Int.random(in: 0..<min(earlier.count, 40), using: &rng)]
        let kappa = Double.random(in: -0.6...0.6, using: &rng)
        let mu = Double.random(in: -0.3...0.3, using: &rng)
        try graph.define(
          members[i],
          .affine(constant: Double.random(in: -1...1, using: &rng), coefficients: [kappa, mu]),
          feedback, link)
      }
      earlier += members
      cycleIndex += 1
    }
    let total = try graph.define("total", .sum, Array(earlier[d...]))
    return try graph.compile(objective: .variable(total))
  }

  func testTenThousandVariablesWithTheBlockSolver() throws {
    let d = 8
    let program = try Self.program(variables: 10_000, inputs: d, seed: 0x6269_6721)
    XCTAssertGreaterThanOrEqual(program.variableCount, 10_000)
    XCTAssertGreaterThan(program.cyclicBlocks.count, 200)
    XCTAssertLessThanOrEqual(program.cyclicBlockFeedbackSizes.max()!, 32, "F ≤ the cycle length")
    var rng = SplitMix64(seed: 5)
    let x = randomVector(d, using: &rng)

    let lin = try program.linearize(at: x, solver: .blockTriangular)
    let g = try lin.gradient()
    let kkt = try lin.kktResiduals()
    XCTAssertLessThan(kkt.primal, 1e-10)
    XCTAssertLessThanOrEqual(kkt.relativeDual, 1e-12)

    let automatic = try program.gradient(at: x)
    XCTAssertTrue(
      [Solver.blockTriangular, .bandedLU].contains(automatic.solver), automatic.solverReason)
    assertClose(automatic.gradient, g.gradient, relative: 1e-10)

    // Central differences of the forward solve along a random direction (two
    // solves of 10⁴ variables, to keep the debug-build test short): the tangent
    // seeded on the inputs, and the gradient's directional derivative.
    var tight = SolveOptions()
    tight.tolerance = 1e-14
    let dx = randomVector(d, using: &rng)
    let h = 1e-5
    let up = try program.solveConstraints(at: zip(x, dx).map { $0 + h * $1 }, options: tight)
    let down = try program.solveConstraints(at: zip(x, dx).map { $0 - h * $1 }, options: tight)
    let difference = zip(up, down).map { ($0 - $1) / (2 * h) }
    var seed = [Double](repeating: 0, count: program.variableCount)
    for (j, input) in program.inputs.enumerated() { seed[input.index] = dx[j] }
    assertClose(
      try lin.tangents(seed: seed), difference, relative: 1e-6, "directional derivative of z")
    let total = program.variable(named: "total")!
    assertClose(CyclicReference.dot(g.gradient, dx), difference[total.index], relative: 1e-6)

    // A dense path would need 8·m² bytes: refused under a limit, with a typed error.
    var limited = SolveOptions()
    limited.matrixByteLimit = 100 << 20
    let error = caughtLagrangePropError {
      _ = try program.linearize(at: x, solver: .lu, options: limited)
    }
    guard case .denseTooLarge(let solver, let order, let bytes, let limit)? = error else {
      return XCTFail("expected .denseTooLarge, got \(String(describing: error))")
    }
    XCTAssertEqual(solver, .lu)
    XCTAssertEqual(order, program.intermediateCount)
    XCTAssertEqual(bytes, 8 * order * order)
    XCTAssertEqual(limit, 100 << 20)
  }

  /// The same construction at a size `.lu` handles: every result equals `.lu`'s.
  func testSmallerInstanceEqualsLU() throws {
    let d = 6
    let program = try Self.program(variables: 600, inputs: d, seed: 0x736d_616c)
    var rng = SplitMix64(seed: 9)
    let x = randomVector(d, using: &rng)
    let lu = try program.linearize(at: x, solver: .lu)
    let block = try program.linearize(at: x, solver: .blockTriangular)
    assertClose(try block.gradient().adjoints, try lu.gradient().adjoints, relative: 1e-10)
    let v = randomVector(program.variableCount, using: &rng)
    assertClose(try block.tangents(seed: v), try lu.tangents(seed: v), relative: 1e-10)
    assertClose(
      try block.adjoints(objectiveGradient: v), try lu.adjoints(objectiveGradient: v),
      relative: 1e-10)
    assertClose(try block.implicitJacobian(), try lu.implicitJacobian(), relative: 1e-10)
  }
}
