import LagrangeProp
import SeededRandom
import XCTest

/// Bands in a natural order: the nonlinear boundary-value problem
/// `−u'' + u³ = s` declared interleaved (`u_i`, then `c_i = u_i³`, for each `i`)
/// has a band of two diagonals either side in declaration order, while program
/// order puts every `c_i` (the blocks' acyclic part) before every `u_i`.
final class NaturalOrderBandTests: XCTestCase {
  static func interleavedBoundaryValueProblem(_ n: Int) throws -> (Program, [Double]) {
    var graph = ConstraintGraph()
    let s = (0..<n).map { graph.input("s\($0)") }
    var u: [Variable] = []
    var c: [Variable] = []
    for i in 0..<n {
      u.append(graph.unknown("u\(i)"))
      c.append(graph.unknown("c\(i)"))
    }
    let h2 = Double((n + 1) * (n + 1))
    for i in 0..<n {
      try graph.define(c[i], .power(3), u[i])
      var arguments = [u[i], c[i], s[i]]
      var coefficients = [2 * h2, 1, -1]
      if i > 0 {
        arguments.append(u[i - 1])
        coefficients.append(-h2)
      }
      if i < n - 1 {
        arguments.append(u[i + 1])
        coefficients.append(-h2)
      }
      try graph.constrain(u[i], residual: .linear(coefficients), arguments)
    }
    var rng = SplitMix64(seed: 5)
    let weights = randomVector(graph.variableCount, using: &rng)
    let program = try graph.compile(objective: .linear(weights))
    return (program, randomVector(n, in: 0...20, using: &rng))
  }

  func testInterleavedBoundaryValueProblemRunsOnBandedLU() throws {
    for n in [20, 50, 400] {
      let (program, inputs) = try Self.interleavedBoundaryValueProblem(n)
      // In program order the band is as wide as the problem.
      XCTAssertGreaterThanOrEqual(program.bandwidth.lower + program.bandwidth.upper, n - 1)
      let banded = try program.linearize(at: inputs, solver: .bandedLU)
      let lu = try program.linearize(at: inputs, solver: .lu)
      let label = "n = \(n)"
      assertClose(
        try banded.gradient().gradient, try lu.gradient().gradient, relative: 1e-10, label)
      assertClose(try banded.adjoints(), try lu.adjoints(), relative: 1e-10, label)
      assertClose(try banded.implicitJacobian(), try lu.implicitJacobian(), relative: 1e-10, label)
      var rng = SplitMix64(seed: UInt64(n))
      let seed = randomVector(program.variableCount, using: &rng)
      assertClose(
        try banded.tangents(seed: seed), try lu.tangents(seed: seed), relative: 1e-10, label)
    }
  }

  func testAutomaticAgreesAndBandedLUNamesTheOrder() throws {
    let (program, inputs) = try Self.interleavedBoundaryValueProblem(2000)
    // .automatic may prefer the block's own tridiagonal reduced Jacobian; both agree.
    let automatic = try program.gradient(at: inputs)
    let banded = try program.gradient(at: inputs, solver: .bandedLU)
    let sparse = try program.gradient(at: inputs, solver: .sparseLU)
    assertClose(banded.gradient, sparse.gradient, relative: 1e-10)
    assertClose(automatic.gradient, sparse.gradient, relative: 1e-10)
  }
}
