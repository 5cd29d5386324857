import LagrangeProp
import XCTest

/// The sparse LU's `reciprocalCondition`: Hager–Higham's estimate on UMFPACK
/// solves of the equilibrated matrix, as `dgecon` is on the dense LU — so that
/// `minimumReciprocalCondition` acts alike on both. (It was UMFPACK's
/// `min |u_kk| / max |u_kk|`, which reported 2·10⁻⁴ where the truth is 5·10⁻⁷,
/// and let `.sparseLU` answer what `.lu` refused; found by the fourth outside probe.)
final class SparseConditionTests: XCTestCase {
  /// `v = r + γ·P·v` with `P` the average of three cyclic shifts (doubly
  /// stochastic): `I − γP` has reciprocal condition `(1 − γ)/(1 + γ)` exactly in
  /// the one-norm (`‖I − γP‖₁ = 1 + γ`, `‖(I − γP)⁻¹‖₁ = 1/(1 − γ)`).
  static func chain(states n: Int, oneMinusGamma: Double) throws -> Program {
    let gamma = 1 - oneMinusGamma
    var graph = ConstraintGraph()
    let r = (0..<n).map { graph.input("r\($0)") }
    let v = (0..<n).map { graph.unknown("v\($0)") }
    for i in 0..<n {
      let next = [(i + 1) % n, (i + 7) % n, (i + 31) % n]
      try graph.constrain(
        v[i], residual: .linear([1] + next.map { _ in -gamma / 3 } + [-1]),
        [v[i]] + next.map { v[$0] } + [r[i]])
    }
    return try graph.compile(objective: .linear(v, weights: [Double](repeating: 1, count: n)))
  }

  func testEstimateMatchesTheTrueConditionAndTheDenseOne() throws {
    for oneMinusGamma in [1e-2, 1e-6, 1e-10] {
      let program = try Self.chain(states: 200, oneMinusGamma: oneMinusGamma)
      let truth = oneMinusGamma / (2 - oneMinusGamma)
      let x = [Double](repeating: 1, count: 200)
      let sparse = try XCTUnwrap(
        try program.linearize(at: x, solver: .sparseLU).reciprocalCondition)
      let dense = try XCTUnwrap(try program.linearize(at: x, solver: .lu).reciprocalCondition)
      // Hager–Higham never overestimates ‖A⁻¹‖₁: the estimate is at least the truth,
      // and within a factor 3 of it in practice (here: exact).
      for (estimate, path) in [(sparse, "sparseLU"), (dense, "lu")] {
        XCTAssertGreaterThanOrEqual(
          estimate, truth * (1 - 1e-6), "\(path), 1 − γ = \(oneMinusGamma)")
        XCTAssertLessThan(estimate, truth * 3, "\(path), 1 − γ = \(oneMinusGamma)")
      }
    }
  }

  func testThresholdRefusesOnBothPathsAlike() throws {
    let program = try Self.chain(states: 200, oneMinusGamma: 1e-6)
    var strict = SolveOptions()
    strict.minimumReciprocalCondition = 1e-4
    for solver in [Solver.lu, .sparseLU] {
      let error = caughtLagrangePropError("\(solver)") {
        _ = try program.gradient(
          at: [Double](repeating: 1, count: 200), solver: solver, options: strict)
      }
      guard case .illConditioned(let reported, 1e-4, _)? = error else {
        XCTFail("\(solver): expected .illConditioned, got \(String(describing: error))")
        continue
      }
      XCTAssertLessThan(reported, 1e-6, "\(solver)")
    }
  }
}
