import Foundation
import LagrangeProp
import XCTest

/// Objective weights (the adjoint's seed) and tangent seeds at the ends of the
/// range of `Double`: huge ones whose squares overflow, subnormal ones with a few
/// significant bits. The solves are linear in the seed, so every path scales it
/// by a power of two first (exactly) and answers as for a seed of 1 — found by
/// the fourth outside probe: `.krylov` reported a NaN residual for weights of
/// 10²⁰⁰, `.sparseLU` an "overflow" for weights of 5·10⁻³²⁴, and `.lu` answered
/// 5.4·10⁻³²³ for 4.9·10⁻³²³.
final class ExtremeSeedTests: XCTestCase {
  static let solvers: [Solver] = [.lu, .blockTriangular, .automatic, .sparseLU, .krylov]

  /// `w_i − 0.9·w_{i+1} = r_i` on a ring of 3: `∂(Σ W·w_i)/∂r_j = 10·W`.
  static func ring(weight: Double) throws -> Program {
    var graph = ConstraintGraph()
    let r = (0..<3).map { graph.input("r\($0)") }
    let w = (0..<3).map { graph.unknown("w\($0)") }
    for i in 0..<3 {
      try graph.constrain(w[i], residual: .linear([1, -0.9, -1]), [w[i], w[(i + 1) % 3], r[i]])
    }
    return try graph.compile(objective: .linear(w, weights: [weight, weight, weight]))
  }

  func testHugeAndSubnormalObjectiveWeights() throws {
    for weight in [1e200, 1e300, 0x1p-1060, 0x1p-1074] {
      let program = try Self.ring(weight: weight)
      // 10·W, rounded once: exact for the subnormal weights (10·2⁻¹⁰⁷⁴ is representable).
      let expected = 10 * weight
      for solver in Self.solvers {
        let g = try program.gradient(at: [1, 1, 1], solver: solver)
        for j in 0..<3 {
          XCTAssertEqual(
            g.gradient[j], expected, accuracy: abs(expected) * 1e-13, "W = \(weight), \(solver)")
        }
        if let residual = g.krylovResidual { XCTAssertLessThan(residual, 1e-10, "\(solver)") }
      }
    }
  }

  /// A subnormal weight on one variable only (`5·10⁻³²⁴, 0, 0`): GMRES's
  /// adjoint-residual check, done at the seed's scale, was pure rounding.
  func testOneSubnormalWeight() throws {
    var graph = ConstraintGraph()
    let r = (0..<3).map { graph.input("r\($0)") }
    let w = (0..<3).map { graph.unknown("w\($0)") }
    for i in 0..<3 {
      try graph.constrain(w[i], residual: .linear([1, -0.9, -1]), [w[i], w[(i + 1) % 3], r[i]])
    }
    let program = try graph.compile(objective: .linear([w[0]], weights: [0x1p-1074]))
    for solver in Self.solvers {
      let g = try program.gradient(at: [1, 1, 1], solver: solver)
      // ∂w₀/∂r_j = 0.9^j / (1 − 0.9³), times 2⁻¹⁰⁷⁴, rounded once.
      for j in 0..<3 {
        let expected = Foundation.pow(0.9, Double(j)) / (1 - 0.729) * 0x1p-1074
        XCTAssertEqual(g.gradient[j], expected, accuracy: 0x1p-1074, "\(solver), r\(j)")
      }
    }
  }

  /// An acyclic program through the fused sweep (`gradient(at:solver: .sweep)`),
  /// the linearization's sweep and `.lu`: the same scaled seed on every path, so
  /// the fused sweep stays bit-identical to `linearize(…).gradient()`.
  func testSubnormalWeightOnTheSweep() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let a = try graph.define("a", .exp, x)
    let b = try graph.define("b", .sin, a)
    let program = try graph.compile(objective: .linear([a, b], weights: [0x1p-1074, 0x1p-1070]))
    // ∂f/∂x = 2⁻¹⁰⁷⁴·eˣ + 2⁻¹⁰⁷⁰·cos(eˣ)·eˣ at x = 0.3, rounded once to the subnormal grid.
    let e = Foundation.exp(0.3)
    let expected = (e + 16 * Foundation.cos(e) * e) * 0x1p-1074
    let fused = try program.gradient(at: [0.3], solver: .sweep)
    let linearized = try program.linearize(at: [0.3], solver: .sweep).gradient()
    XCTAssertEqual(fused.gradient, linearized.gradient)
    XCTAssertEqual(fused.adjoints, linearized.adjoints)
    for solver in [Solver.sweep, .lu] {
      let g = try program.gradient(at: [0.3], solver: solver).gradient[0]
      XCTAssertEqual(g, expected, accuracy: 0x1p-1074, "\(solver)")
    }
  }

  func testHugeAndSubnormalTangentSeeds() throws {
    let program = try Self.ring(weight: 1)
    for seed in [1e250, 0x1p-1070] {
      for solver in Self.solvers {
        let linearization = try program.linearize(at: [1, 1, 1], solver: solver)
        // dw/dr₀ for the seed on r₀: w_i = Σ_k 0.9^{(k−i) mod 3}·r_k / (1 − 0.9³).
        let tau = try linearization.tangents(seed: [seed, 0, 0, 0, 0, 0])
        let denominator = 1 - 0.729
        for (i, power) in [(3, 0.0), (4, 2.0), (5, 1.0)] {
          // The factor first, then one rounding to the seed's scale (a subnormal
          // product rounds to a multiple of 2⁻¹⁰⁷⁴).
          let expected = Foundation.pow(0.9, power) / denominator * seed
          XCTAssertEqual(
            tau[i], expected, accuracy: max(abs(expected) * 1e-12, 0x1p-1074),
            "seed \(seed), \(solver), w\(i - 3)")
        }
      }
    }
  }

  /// Objective weights (and tangent seeds) spanning more than 2⁴⁰⁰ are solved band
  /// by band: one scaling to the largest made the small weight's contributions
  /// underflow (found by an outside probe: `1e300·x₀ + x₁³` at `x₁ = 1e-100` had
  /// `∂/∂x₁ = 0` for 3e-200 on every solver, `dot([1e300, 1e-150], x)` had 0 for
  /// 1e-150, `[1e170, 1.2345678901234e-150]` lost 4 digits).
  func testWeightsSpanningMoreThanOneScaling() throws {
    let cube = try Program.trace(inputs: ["x0", "x1"]) { t in
      1e300 * t.inputs[0] + t.inputs[1] * t.inputs[1] * t.inputs[1]
    }
    let weights = try Program.trace(inputs: ["x0", "x1"]) { t in
      dot([1e170, 1.2345678901234e-150], t.inputs)
    }
    for solver in [Solver.sweep, .triangular] + Self.solvers {
      let g = try cube.gradient(at: [2, 1e-100], solver: solver)
      assertClose(g.gradient[0], 1e300, relative: 1e-15, "\(solver)")
      assertClose(g.gradient[1], 3e-200, relative: 1e-14, "\(solver)")
      let w = try weights.gradient(at: [2.5, 2], solver: solver)
      assertClose(w.gradient[1], 1.2345678901234e-150, relative: 1e-15, "\(solver)")
    }
    // Tangents: seed (1e300, 1) on (x0, x1); τ of x1³ is 3x1²·1 = 3e-200.
    let lin = try cube.linearize(at: [2, 1e-100])
    let tau = try lin.tangents(
      seed: [1e300, 1] + [Double](repeating: 0, count: cube.variableCount - 2))
    assertClose(tau[cube.variableCount - 1], 3e-200, relative: 1e-14)
  }
}
