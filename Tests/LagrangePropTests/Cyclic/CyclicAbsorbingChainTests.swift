import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// Absorbing Markov chains (finite-state machines that end in a terminal state):
/// absorption probabilities `B = (I − Q)⁻¹ R` solve `B = R + Q B`, a cyclic
/// system, and their gradients with respect to the transition weights come from
/// one adjoint solve.
final class CyclicAbsorbingChainTests: XCTestCase {
  /// A chain with `t` transient and `a` absorbing states. The inputs are positive
  /// transition weights `W` (`t × (t + a)`, row-major), normalised inside the
  /// graph: `P_ij = W_ij / Σ_l W_il`. Unknowns `B_ik = P_{i,t+k} + Σ_j P_ij B_jk`.
  struct Chain {
    let transient: Int
    let absorbing: Int
    let program: Program
    let b: [[Variable]]  // t × a

    init(transient t: Int, absorbing a: Int, objectiveWeights c: [[Double]]) throws {
      transient = t
      absorbing = a
      var graph = ConstraintGraph()
      let w = (0..<t).map { i in (0..<(t + a)).map { j in graph.input("W\(i)_\(j)") } }
      var p: [[Variable]] = []
      for i in 0..<t {
        let total = try graph.define("S\(i)", .sum, w[i])
        let inverse = try graph.define("1/S\(i)", .power(-1), total)
        p.append(
          try w[i].enumerated().map { j, weight in
            try graph.define("P\(i)_\(j)", .product, weight, inverse)
          })
      }
      let b = (0..<t).map { i in (0..<a).map { k in graph.unknown("B\(i)_\(k)") } }
      for i in 0..<t {
        for k in 0..<a {
          let terms = try (0..<t).map { j in try graph.define(.product, p[i][j], b[j][k]) }
          try graph.define(b[i][k], .sum, [p[i][t + k]] + terms)
        }
      }
      var weights = [Double](repeating: 0, count: graph.variableCount)
      for i in 0..<t { for k in 0..<a { weights[b[i][k].index] = c[i][k] } }
      program = try graph.compile(objective: .linear(weights))
      self.b = b
    }
  }

  /// The closed form: `B = (I − Q)⁻¹ R`, `U = (I − Q)⁻ᵀ C`; `∂J/∂Q_ij = Σ_k U_ik B_jk`,
  /// `∂J/∂R_ik = U_ik`, then through the normalisation
  /// `∂J/∂W_ij = (G_ij − Σ_l G_il P_il) / S_i`.
  static func closedForm(weights w: [[Double]], transient t: Int, objective c: [[Double]])
    -> (b: [[Double]], gradient: [Double])
  {
    let a = w[0].count - t
    let sums = w.map { $0.reduce(0, +) }
    let p = (0..<t).map { i in w[i].map { $0 / sums[i] } }
    let iMinusQ = (0..<t).map { i in (0..<t).map { j in (i == j ? 1 : 0) - p[i][j] } }
    let bColumns = (0..<a).map { k in CyclicReference.solve(iMinusQ, (0..<t).map { p[$0][t + k] }) }
    let uColumns = (0..<a).map { k in
      CyclicReference.solveTransposed(iMinusQ, (0..<t).map { c[$0][k] })
    }
    let b = (0..<t).map { i in (0..<a).map { k in bColumns[k][i] } }
    var gradient: [Double] = []
    for i in 0..<t {
      let g = (0..<(t + a)).map { j in
        j < t ? (0..<a).reduce(0.0) { $0 + uColumns[$1][i] * bColumns[$1][j] } : uColumns[j - t][i]
      }
      let mean = CyclicReference.dot(g, p[i])
      gradient += g.map { ($0 - mean) / sums[i] }
    }
    return (b, gradient)
  }

  func testAbsorptionProbabilitiesAndTheirGradients() throws {
    var rng = SplitMix64(seed: 0x6162_736f)
    for (t, a) in [(3, 2), (6, 3), (12, 2)] {
      let c = (0..<t).map { _ in randomVector(a, using: &rng) }
      let chain = try Chain(transient: t, absorbing: a, objectiveWeights: c)
      // One strongly connected block per absorbing state k; its feedback variables
      // are the t unknowns B_ik (each reads its t product terms, declared after
      // it), not the t² terms.
      XCTAssertEqual(chain.program.cyclicBlockFeedbackSizes, [Int](repeating: t, count: a))
      // Weights in [0.1, 1], absorbing columns lighter so that cycles matter.
      let w = (0..<t).map { _ in
        randomVector(t, in: 0.1...1, using: &rng) + randomVector(a, in: 0.02...0.2, using: &rng)
      }
      let x = w.flatMap { $0 }
      let expected = Self.closedForm(weights: w, transient: t, objective: c)
      var reference: GradientResult?
      for solver in [Solver.lu, .blockTriangular, .automatic] {
        let context = "t \(t) a \(a) \(solver)"
        let lin = try chain.program.linearize(at: x, solver: solver)
        for i in 0..<t {
          let row = try chain.b[i].map { try lin.value(of: $0) }
          assertClose(row, expected.b[i], relative: 1e-12, context + " row \(i)")
          assertClose(row.reduce(0, +), 1, relative: 1e-12, "absorption is certain. " + context)
        }
        let g = try lin.gradient()
        assertClose(g.gradient, expected.gradient, relative: 1e-9, context)
        if let reference {
          assertClose(g.gradient, reference.gradient, relative: 1e-10, context + " vs .lu")
          assertClose(g.adjoints, reference.adjoints, relative: 1e-10, context + " vs .lu")
        } else {
          reference = g
        }
      }
      // Fixed-point iteration B ← R + Q B (Q is substochastic: a contraction)
      // reaches the same probabilities as Newton.
      var fixedPoint = SolveOptions()
      fixedPoint.forwardMethod = .fixedPoint
      let iterated = try chain.program.solveConstraints(at: x, options: fixedPoint)
      for i in 0..<t {
        assertClose(chain.b[i].map { iterated[$0.index] }, expected.b[i], relative: 1e-10)
      }
      let fd = try CyclicReference.gradient(at: x) { try chain.program.evaluate(at: $0) }
      assertClose(reference!.gradient, fd, relative: 1e-6, "t \(t) a \(a) finite differences")
    }
  }

  /// `dB/dW` from the implicit Jacobian (both solvers) against central differences
  /// of the forward solve.
  func testImplicitJacobianAgainstFiniteDifferences() throws {
    var rng = SplitMix64(seed: 0x6a61_636f)
    let (t, a) = (5, 2)
    let chain = try Chain(
      transient: t, absorbing: a, objectiveWeights: [[Double]](repeating: [1, 0], count: t))
    let x = (0..<(t * (t + a))).map { _ in Double.random(in: 0.1...1, using: &rng) }
    let lu = try chain.program.linearize(at: x, solver: .lu)
    let block = try chain.program.linearize(at: x, solver: .blockTriangular)
    let zLU = try lu.implicitJacobian()
    assertClose(try block.implicitJacobian(), zLU, relative: 1e-10)
    let fd = try CyclicReference.jacobian(at: x) { try chain.program.solveConstraints(at: $0) }
    let bIndices = chain.b.flatMap { $0.map(\.index) }
    for column in x.indices {
      let exact = bIndices.map { zLU[$0, column] }
      let differences = bIndices.map { fd[$0][column] }
      let (i, j) = column.quotientAndRemainder(dividingBy: t + a)
      if i == j {
        // A self-loop's weight only slows state i down: where the chain goes
        // when it leaves i is unchanged, so B does not depend on it at all.
        XCTAssertLessThan(infinityNorm(exact), 1e-14, "self-loop W\(i)_\(i)")
        XCTAssertLessThan(infinityNorm(differences), 1e-9, "self-loop W\(i)_\(i)")
      } else {
        assertClose(exact, differences, relative: 1e-6, "W\(i)_\(j)")
      }
    }
  }

  /// Gambler's ruin as a finite-state machine: states `0 … N`, `0` and `N`
  /// absorbing, win a round with probability `p`. The probability of reaching
  /// `N` from `i` is `h_i = (1 − ρⁱ)/(1 − ρᴺ)`, `ρ = (1 − p)/p`, and
  /// `dh_i/dp = dh_i/dρ · (−1/p²)` with
  /// `dh_i/dρ = (−iρⁱ⁻¹(1 − ρᴺ) + Nρᴺ⁻¹(1 − ρⁱ)) / (1 − ρᴺ)²`.
  func testGamblersRuinAgainstItsClosedForm() throws {
    let n = 10
    var graph = ConstraintGraph()
    let p = graph.input("p")
    let q = try graph.define("q", .affine(constant: 1, coefficients: [-1]), p)
    let h = (1..<n).map { graph.unknown("h\($0)") }  // h[i − 1] = h_i
    for i in 1..<n {
      let up = i + 1 == n ? p : try graph.define(.product, p, h[i])  // h_N = 1
      if i == 1 {
        try graph.define(h[0], .sum, up)  // h_0 = 0
      } else {
        try graph.define(h[i - 1], .sum, up, try graph.define(.product, q, h[i - 2]))
      }
    }
    let program = try graph.compile(objective: .variable(h[n / 2 - 1]))
    for probability in [0.45, 0.6, 0.3] {
      let rho = (1 - probability) / probability
      let rhoN = Foundation.pow(rho, Double(n))
      let expected = (1..<n).map { i in (1 - Foundation.pow(rho, Double(i))) / (1 - rhoN) }
      let derivative = (1..<n).map { i -> Double in
        let ri = Foundation.pow(rho, Double(i))
        let dRho =
          (-Double(i) * ri / rho * (1 - rhoN) + Double(n) * rhoN / rho * (1 - ri))
          / ((1 - rhoN) * (1 - rhoN))
        return dRho * (-1 / (probability * probability))
      }
      for solver in [Solver.lu, .blockTriangular] {
        let lin = try program.linearize(at: [probability], solver: solver)
        assertClose(
          try h.map { try lin.value(of: $0) }, expected, relative: 1e-12,
          "p \(probability) \(solver)")
        let z = try lin.implicitJacobian()
        assertClose(
          h.map { z[$0.index, 0] }, derivative, relative: 1e-10, "p \(probability) \(solver)")
        assertClose(try lin.gradient().gradient[0], derivative[n / 2 - 1], relative: 1e-10)
      }
    }
  }
}
