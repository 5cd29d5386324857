import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// The equivalence suite on chains of 10⁵ variables, where only the sweep
/// (and the band and block-triangular solvers, which are O(n) here) may run:
/// dense paths refuse with `.denseTooLarge`. References are a plain Swift loop
/// with the chain rule (`SineEulerChain`) and an exact closed form for an
/// affine chain.
final class LongChainEquivalenceTests: XCTestCase {
  /// 33 333 Euler steps of `dz/dt = c·sin z`: `n = 100 001` variables.
  static let chain = try! SineEulerChain(steps: 33_333, h: 3e-5)
  static let point: [Double] = [0.8, 0.9]

  func testChainSizeAndOrder() throws {
    let chain = Self.chain
    XCTAssertEqual(chain.count, 100_001)
    let program = try chain.graph.compile(objective: .variable(chain.last))
    XCTAssertEqual(program.variableCount, 100_001)
    XCTAssertTrue(program.isAcyclic)
    XCTAssertEqual(program.edgeCount, 5 * chain.steps)
    // Inputs are left out of the band: the parameter c read by every step does not widen it.
    // Positions x, c, (s_k, p_k, z_{k+1}) = 2 + 3k…: the widest edge is z_k → z_{k+1}, three apart.
    XCTAssertEqual(program.bandwidth, Program.Bandwidth(lower: 0, upper: 3))
  }

  /// Sweep (and band, block-triangular, automatic) against the plain chain rule,
  /// finite differences, and every identity of the suite; objectives `z_K` and
  /// a random linear one over all 10⁵ variables.
  func testChainAgainstPlainChainRule() throws {
    let chain = Self.chain
    let (x, c) = (Self.point[0], Self.point[1])
    var rng = SplitMix64(seed: 2024)
    var unit = [Double](repeating: 0, count: chain.count)
    unit[chain.last.index] = 1
    let weights = randomVector(chain.count, using: &rng)
    let values = chain.referenceValues(x: x, c: c)
    let tangents = [true, false].map { chain.referenceTangents(x: x, c: c, wrtX: $0) }

    for (name, objective, w) in [
      ("z_K", Objective.variable(chain.last), unit), ("random linear", .linear(weights), weights),
    ] {
      let program = try chain.graph.compile(objective: objective)
      var suite = AcyclicEquivalence(
        program, at: Self.point, label: "chain of 10⁵, objective \(name)")
      // Every O(n) solver on one objective, the sweep on both (keeps the debug run short).
      suite.solvers =
        name == "z_K"
        ? [.sweep, .bandedTriangular, .bandedLU, .blockTriangular, .automatic]
        : [.sweep, .automatic]
      suite.checksConstraintJacobian = false
      suite.lagrangianSample = 4
      let sweep = try suite.run()

      // The plain chain rule: values, adjoints (reverse loop) and tangents (forward loop).
      let lin = try program.linearize(at: Self.point, solver: .sweep)
      assertClose(lin.values, values, relative: 1e-14, "\(name): values")
      let adjoints = chain.referenceAdjoints(x: x, c: c, weights: w)
      assertClose(
        sweep.adjoints, adjoints, relative: 1e-10, "\(name): adjoints vs the plain reverse loop")
      assertClose(
        sweep.gradient, [adjoints[0], adjoints[1]], relative: 1e-10,
        "\(name): gradient vs the plain reverse loop")
      for (j, expected) in tangents.enumerated() {
        var seed = [Double](repeating: 0, count: chain.count)
        seed[j] = 1
        assertClose(
          try lin.tangents(seed: seed), expected, relative: 1e-10,
          "\(name): tangents wrt input \(j) vs the plain forward loop")
      }
      XCTAssertEqual(
        try program.gradient(at: Self.point).solver, .sweep, "automatic picks the sweep")
    }
  }

  /// Dense paths refuse the chain (`8·m²` bytes ≈ 80 GB) and name the sweep.
  func testDenseSolversRefuse() throws {
    let chain = Self.chain
    let program = try chain.graph.compile(objective: .variable(chain.last))
    let m = chain.count - 2
    let limit = SolveOptions().matrixByteLimit
    for solver in [Solver.triangular, .lu] {
      assertThrows(
        LagrangePropError.denseTooLarge(
          solver: solver, order: m, bytes: 8 * m * m, limit: limit)
      ) {
        _ = try program.gradient(at: Self.point, solver: solver)
      }
    }
    let lin = try program.linearize(at: Self.point)
    let n = chain.count
    assertThrows(
      LagrangePropError.resultTooLarge(
        quantity: "jacobian(limit:)", bytes: 8 * n * n, limit: limit)
    ) {
      _ = try lin.jacobian()
    }
  }

  /// An affine chain `z_{k+1} = a·z_k + (1 − a)·c` of 10⁵ steps, against its
  /// closed form `z_K = c + aᴷ(x − c)`: `∂z_K/∂x = aᴷ`, `∂z_K/∂c = 1 − aᴷ`, and
  /// `λ_{z_k} = a^{K−k}`.
  func testAffineChainClosedForm() throws {
    let steps = 100_000
    let a = 1 - 1e-5
    let b = 1 - a  // exact (Sterbenz)
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let c = graph.input("c")
    var z = x
    var states = [x]
    states.reserveCapacity(steps + 1)
    for _ in 0..<steps {
      z = try graph.define(.linear([a, b]), z, c)
      states.append(z)
    }
    let program = try graph.compile(objective: .variable(z))
    let (xv, cv) = (2.0, -0.5)
    let aK = Foundation.pow(a, Double(steps))
    for solver in [Solver.sweep, .bandedTriangular, .bandedLU, .blockTriangular, .automatic] {
      let lin = try program.linearize(at: [xv, cv], solver: solver)
      let g = try lin.gradient()
      // 10⁵ roundings of order ε·max(|x|, |c|) accumulate in the value: ≤ 10⁵·ε·2/0.42 ≈ 5e-11.
      assertClose(g.value, cv + aK * (xv - cv), relative: 1e-10, ".\(solver): value")
      assertClose(g.gradient, [aK, 1 - aK], relative: 1e-10, ".\(solver): gradient")
      for k in stride(from: 0, through: steps, by: 9_999) {
        assertClose(
          g.adjoints[states[k].index], Foundation.pow(a, Double(steps - k)), relative: 1e-10,
          ".\(solver): λ of z_\(k)")
      }
      var seed = [Double](repeating: 0, count: program.variableCount)
      seed[c.index] = 1
      let tau = try lin.tangents(seed: seed)
      for k in stride(from: 0, through: steps, by: 9_999) {
        assertClose(
          tau[states[k].index], 1 - Foundation.pow(a, Double(k)), relative: 1e-10,
          ".\(solver): dz_\(k)/dc")
      }
      let kkt = try lin.kktResiduals()
      XCTAssertEqual(kkt.primal, 0)
      XCTAssertLessThanOrEqual(kkt.relativeDual, 1e-12)
    }
  }
}
