import LagrangeProp
import SeededRandom
import XCTest

/// GMRES's singularity check and condition estimate: on an exactly singular
/// but consistent system GMRES converges to one of its many solutions, so the
/// GMRES paths must refuse such a system as the direct solvers do, and report
/// a condition estimate on a regular one.
final class GMRESConditionTests: XCTestCase {
  /// `v = r + Pv` with a random stochastic `P` (`γ = 1`): `I − P` is exactly
  /// singular (`(I − P)·1 = 0`). With `r = (I − P)·u` the forward system is
  /// consistent, with `u` one of its solutions; weights summing to zero make the
  /// adjoint system consistent too — the case where GMRES alone cannot notice.
  struct SingularMarkov {
    let program: Program
    let rewards: [Double]
    let solution: [Double]

    init(states n: Int, seed: UInt64) throws {
      var rng = SplitMix64(seed: seed)
      let transitions = RandomTransitions(states: n, transitions: 8, using: &rng)
      let (destinations, probabilities) = (transitions.destinations, transitions.probabilities)
      let u = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
      solution = u
      rewards = (0..<n).map { i in
        u[i] - zip(destinations[i], probabilities[i]).reduce(0) { $0 + $1.1 * u[$1.0] }
      }
      var weights = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
      let mean = weights.reduce(0, +) / Double(n)
      weights = weights.map { $0 - mean }
      var graph = ConstraintGraph()
      let r = (0..<n).map { graph.input("r\($0)") }
      let v = (0..<n).map { graph.unknown("v\($0)") }
      for i in 0..<n {
        try graph.define(
          v[i], .linear([1] + probabilities[i]), [r[i]] + destinations[i].map { v[$0] })
      }
      program = try graph.compile(objective: .linear([Double](repeating: 0, count: n) + weights))
    }
  }

  /// At a solution of the singular system, every solver refuses its Jacobian:
  /// the direct ones at a pivot, the GMRES paths (`.krylov`, and `.automatic` and
  /// `.blockTriangular`, which give a random sparse block of 2000 states to GMRES)
  /// by the check. None returns a gradient.
  func testConsistentSingularSystemIsRefusedOnEveryPath() throws {
    let markov = try SingularMarkov(states: 2000, seed: 11)
    for solver in [Solver.krylov, .automatic, .blockTriangular, .sparseLU, .lu] {
      let error = caughtLagrangePropError("\(solver)") {
        _ = try markov.program.linearize(
          at: markov.rewards, solution: markov.rewards + markov.solution, solver: solver)
      }
      guard case .singularJacobian(let variable, let routine)? = error else {
        XCTFail("\(solver): expected .singularJacobian, got \(String(describing: error))")
        continue
      }
      XCTAssertTrue(variable.hasPrefix("v"), "\(solver): \(variable)")
      if solver == .krylov || solver == .automatic || solver == .blockTriangular {
        XCTAssertTrue(routine.hasPrefix("GMRES"), "\(solver): \(routine)")
      }
    }
  }

  /// From a warm start at the solution (Newton converges at once and checks the
  /// Jacobian there) the gradient is refused; from a cold start the forward
  /// solve of the affine block meets the singular matrix and does not converge.
  /// Before the check, `.krylov` returned a gradient here.
  func testGradientOfConsistentSingularSystemIsRefused() throws {
    let markov = try SingularMarkov(states: 2000, seed: 12)
    var warm = SolveOptions()
    warm.initialGuess = markov.rewards + markov.solution
    for solver in [Solver.krylov, .automatic] {
      let warmError = caughtLagrangePropError("\(solver) warm") {
        _ = try markov.program.gradient(at: markov.rewards, solver: solver, options: warm)
      }
      guard case .singularJacobian(_, let routine)? = warmError else {
        return XCTFail(
          "\(solver): expected .singularJacobian, got \(String(describing: warmError))")
      }
      XCTAssertTrue(routine.hasPrefix("GMRES"), routine)
      let coldError = caughtLagrangePropError("\(solver) cold") {
        _ = try markov.program.gradient(at: markov.rewards, solver: solver)
      }
      guard case .notConverged(let variables, let iterations, _)? = coldError else {
        return XCTFail("\(solver): expected .notConverged, got \(String(describing: coldError))")
      }
      XCTAssertEqual(iterations, 0)
      XCTAssertTrue(variables.allSatisfy { $0.hasPrefix("v") })
    }
    XCTAssertThrowsError(try markov.program.solveConstraints(at: markov.rewards))
  }

  /// `v = r + Pv` with arbitrary rewards: singular and inconsistent. GMRES runs
  /// out of iterations on it, and its singularity check (which stalls within two
  /// restart cycles) turns that into the forward solve not converging, as for
  /// the direct solvers — not an invitation to raise the iteration limit.
  func testInconsistentSingularSystemIsNotConvergedOnEveryPath() throws {
    let markov = try SingularMarkov(states: 500, seed: 13)
    let rewards = markov.rewards.map { $0 + 1 }  // adds 1 to every r: outside the range
    var options = SolveOptions()
    options.krylovMaxIterations = 300
    for solver in [Solver.krylov, .automatic, .lu] {
      let error = caughtLagrangePropError("\(solver)") {
        _ = try markov.program.gradient(at: rewards, solver: solver, options: options)
      }
      guard case .notConverged(let variables, _, _)? = error else {
        XCTFail("\(solver): expected .notConverged, got \(String(describing: error))")
        continue
      }
      XCTAssertTrue(variables.allSatisfy { $0.hasPrefix("v") }, "\(solver)")
    }
  }

  /// The true reciprocal condition number (1-norm) of the matrix GMRES works
  /// on for `markov`: the row-equilibrated `D = γPᵀ − I`, computed densely from `P`.
  func trueReciprocalCondition(_ markov: SparseMarkovFixture) throws -> Double {
    let n = markov.rewards.count
    // D[a, i] = ∂c_i/∂v_a: γ·p_ia off the diagonal, −1 (+ γ·p_ii) on it; rows scaled
    // by 1 / max |D[a, ·]|, as GMRES scales them.
    var d = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
      d[i][i] -= 1
      for (k, j) in markov.destinations[i].enumerated() {
        d[j][i] += markov.discount * markov.probabilities[i][k]
      }
    }
    for a in 0..<n {
      let scale = 1 / (d[a].map(abs).max() ?? 1)
      d[a] = d[a].map { $0 * scale }
    }
    let matrix = try Matrix(
      rows: n, columns: n, columnMajor: (0..<n).flatMap { j in (0..<n).map { d[$0][j] } })
    let inverse = try LUFactorization(matrix, equilibrate: false).solve(Matrix.identity(n))
    func oneNorm(_ m: Matrix) -> Double {
      (0..<n).map { j in (0..<n).reduce(0) { $0 + abs(m[$1, j]) } }.max() ?? 0
    }
    return 1 / (oneNorm(matrix) * oneNorm(inverse))
  }

  /// A discounted chain (`γ = 0.9`): its equilibrated matrix is strictly
  /// diagonally dominant by columns, so GMRES's check is a certificate, with no
  /// solve: Varah's bound, never above the true reciprocal condition number.
  func testDiagonallyDominantChainGetsVarahsLowerBound() throws {
    let markov = try SparseMarkovFixture(states: 300, transitions: 8, seed: 5)
    let result = try markov.program.gradient(at: markov.rewards, solver: .krylov)
    let estimate = try XCTUnwrap(result.reciprocalCondition)
    let truth = try trueReciprocalCondition(markov)
    XCTAssertLessThanOrEqual(estimate, truth * (1 + 1e-6), "estimate \(estimate), true \(truth)")
    // ‖A⁻¹‖₁ ≤ 1/(1 − γ) = 10 bounds the true value too: the bound is within that factor.
    XCTAssertGreaterThanOrEqual(estimate, truth / 10, "estimate \(estimate), true \(truth)")
  }

  /// A regular chain that is not diagonally dominant (`γ = 1.5`: `I − γP` has
  /// its eigenvalues away from 0, but `γ > 1`): GMRES's check solves, and its
  /// estimate is never below the true reciprocal condition number, and not far above it.
  func testConditionEstimateBoundsTheTrueCondition() throws {
    let n = 300
    let markov = try SparseMarkovFixture(states: n, transitions: 8, seed: 5, discount: 1.5)
    let result = try markov.program.gradient(at: markov.rewards, solver: .krylov)
    let estimate = try XCTUnwrap(result.reciprocalCondition)
    let truth = try trueReciprocalCondition(markov)
    XCTAssertGreaterThanOrEqual(estimate, truth * (1 - 1e-6))
    // One solve with a random right-hand side: optimistic by a factor of order √n
    // at worst in practice.
    XCTAssertLessThanOrEqual(
      estimate, 4 * Double(n).squareRoot() * truth, "estimate \(estimate), true \(truth)")
  }

  /// The estimate makes `minimumReciprocalCondition` meaningful on GMRES paths:
  /// refused above it (`.illConditioned` naming `.krylov`), answered below it. The
  /// discounted chain is certified by diagonal dominance, whose bound is reported
  /// without a threshold; a threshold above the bound is judged on the solve's
  /// estimate (at least the bound), which the error reports.
  func testThresholdAppliesToGMRES() throws {
    let markov = try SparseMarkovFixture(states: 500, transitions: 8, seed: 6)
    let reported = try XCTUnwrap(
      try markov.program.gradient(at: markov.rewards, solver: .krylov).reciprocalCondition)
    var strict = SolveOptions()
    strict.minimumReciprocalCondition = 0.99
    let error = caughtLagrangePropError {
      _ = try markov.program.gradient(at: markov.rewards, solver: .krylov, options: strict)
    }
    guard case .illConditioned(let r, let threshold, let solver)? = error else {
      return XCTFail("expected .illConditioned, got \(String(describing: error))")
    }
    XCTAssertGreaterThanOrEqual(r, reported)
    XCTAssertLessThan(r, 0.99)
    XCTAssertEqual(threshold, strict.minimumReciprocalCondition)
    XCTAssertEqual(solver, .krylov)
    strict.minimumReciprocalCondition = reported / 2
    XCTAssertNoThrow(
      try markov.program.gradient(at: markov.rewards, solver: .krylov, options: strict))
  }

  /// The smallest singular chain (found by an outside probe): an equilibrated
  /// 2 × 2 `I − P` has range `(1, −1)`, which a ±1 right-hand side hits half the
  /// time; the check's right-hand side has continuous entries, and `.krylov`
  /// refuses the chain as every direct solver does.
  func testTwoStateSingularChainIsRefusedByGMRES() throws {
    var graph = ConstraintGraph()
    let r0 = graph.input("r0"), r1 = graph.input("r1")
    let v0 = graph.unknown("v0"), v1 = graph.unknown("v1")
    try graph.define(v0, .linear([1, 1]), [r0, v1])  // P row 0 = (0, 1)
    try graph.define(v1, .linear([1, 0.7, 0.3]), [r1, v0, v1])  // P row 1 = (0.7, 0.3)
    let program = try graph.compile(objective: .linear([0, 0, 1, -1]))
    // u = (1, 2) solves it with r = (I − P)·u = (−1, 0.7).
    for solver in [Solver.krylov, .lu, .sparseLU] {
      let error = caughtLagrangePropError("\(solver)") {
        _ = try program.linearize(at: [-1, 0.7], solution: [-1, 0.7, 1, 2], solver: solver)
      }
      guard case .singularJacobian? = error else {
        XCTFail("\(solver): expected .singularJacobian, got \(String(describing: error))")
        continue
      }
    }
  }

  /// A regular cycle GMRES cannot solve (`u_i − 2·u_{i+1} = x_i` around a ring of
  /// 1500: strongly non-normal, its ILU(0) sweeps grow like 2ⁿ). With the check
  /// off, a GMRES gradient whose recomputed residual is far above the tolerance
  /// used to be returned (all 0.5 where `.lu` gives −1); now every GMRES result
  /// is an error, never that gradient.
  func testGMRESGradientWithAWrongResidualIsRefused() throws {
    let n = 1500
    var graph = ConstraintGraph()
    let x = (0..<n).map { graph.input("x\($0)") }
    let u = (0..<n).map { graph.unknown("u\($0)") }
    for i in 0..<n {
      try graph.constrain(u[i], residual: .linear([1, -2, -1]), [u[i], u[(i + 1) % n], x[i]])
    }
    let program = try graph.compile(
      objective: .linear([Double](repeating: 0, count: n) + [Double](repeating: 1, count: n)))
    let inputs = (0..<n).map { Double($0 % 5) - 2 }
    let solution = try program.solveConstraints(at: inputs)
    let reference = try program.linearize(at: inputs, solution: solution, solver: .lu).gradient()
    XCTAssertEqual(reference.gradient[0], -1, accuracy: 1e-12)  // (I − 2S)ᵀλ = −1: λ = 1
    var unchecked = SolveOptions()
    unchecked.estimatesCondition = false
    for options in [SolveOptions(), unchecked] {
      XCTAssertThrowsError(
        try program.linearize(at: inputs, solution: solution, solver: .krylov, options: options)
          .gradient()
      ) { error in
        XCTAssertNotNil(error as? LagrangePropError, "\(error)")
      }
    }
  }

  /// An ill-conditioned but regular chain (γ = 1 − 10⁻⁶, n = 1000, found by an
  /// outside probe): GMRES's residual stalls near ε·κ ≈ 10⁻¹⁰, above its 10⁻¹²
  /// tolerance, so the shared forward solve used to throw `.krylovNotConverged`
  /// even for `.lu`. `.automatic` now falls back to a sparse LU of the block, and
  /// every direct solver answers, agreeing to the conditioning.
  func testIllConditionedBlockFallsBackFromGMRESToSparseLU() throws {
    let n = 1000
    let gamma = 1 - 1e-6
    var rng = SplitMix64(seed: 22)
    let p = RandomTransitions(states: n, transitions: 8, using: &rng)
    var graph = ConstraintGraph()
    let r = (0..<n).map { graph.input("r\($0)") }
    let v = (0..<n).map { graph.unknown("v\($0)") }
    for i in 0..<n {
      try graph.define(
        v[i], .linear([1] + p.probabilities[i].map { gamma * $0 }),
        [r[i]] + p.destinations[i].map { v[$0] })
    }
    let weights = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    let program = try graph.compile(objective: .linear([Double](repeating: 0, count: n) + weights))
    let rewards = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) }
    let reference = try program.gradient(at: rewards, solver: .lu)
    let rcond = try XCTUnwrap(reference.reciprocalCondition)
    XCTAssertLessThan(rcond, 1e-5)
    for solver in [Solver.automatic, .blockTriangular, .sparseLU] {
      let result = try program.gradient(at: rewards, solver: solver)
      let scale = reference.gradient.map(abs).max() ?? 1
      let difference = zip(result.gradient, reference.gradient).map { abs($0 - $1) }.max() ?? 0
      XCTAssertLessThanOrEqual(difference, 1e3 * Double.ulpOfOne / rcond * scale, "\(solver)")
    }
    let automatic = try program.gradient(at: rewards)
    XCTAssertTrue(
      automatic.solverReason.contains("GMRES did not converge, so a sparse LU"),
      automatic.solverReason)
  }

  /// Batched gradients on GMRES paths: each worker's singularity check runs on
  /// a thread of its own (a check queued on the workers' own dispatch pool could
  /// wait forever), and the answers are those of serial calls, bit for bit.
  func testBatchedGradientsWithGMRESChecks() throws {
    let markov = try SparseMarkovFixture(states: 2000, transitions: 8, seed: 8)
    let points = (0..<6).map { k in markov.rewards.map { $0 + Double(k) / 7 } }
    for solver in [Solver.krylov, .automatic] {
      let batched = try markov.program.gradients(at: points, solver: solver)
      XCTAssertEqual(batched.count, points.count)
      for (point, result) in zip(points, batched) {
        let serial = try markov.program.gradient(at: point, solver: solver)
        XCTAssertEqual(result.gradient, serial.gradient, "\(solver)")
        XCTAssertEqual(result.reciprocalCondition, serial.reciprocalCondition, "\(solver)")
        XCTAssertNotNil(result.reciprocalCondition, "\(solver)")
      }
    }
  }

  /// `estimatesCondition = false` skips the check: no estimate, same answer.
  func testCheckCanBeSkipped() throws {
    let markov = try SparseMarkovFixture(states: 500, transitions: 8, seed: 7)
    var options = SolveOptions()
    options.estimatesCondition = false
    let skipped = try markov.program.gradient(
      at: markov.rewards, solver: .krylov, options: options)
    let checked = try markov.program.gradient(at: markov.rewards, solver: .krylov)
    XCTAssertNil(skipped.reciprocalCondition)
    XCTAssertNotNil(checked.reciprocalCondition)
    XCTAssertEqual(skipped.gradient, checked.gradient)
  }

  /// The README's boundary-value problem `−u'' + u³ = s` away from `u = 0`: its
  /// equilibrated Jacobian is barely diagonally dominant (by the `3u²` term), so
  /// GMRES's certificate gives Varah's bound, far below the true reciprocal
  /// condition number. `minimumReciprocalCondition` must not refuse the system on
  /// that bound: below the threshold the solve's estimate (never below the true
  /// value) decides, and a threshold above the true value is still refused.
  func testCertificateBoundAloneNeverRefusesAWellConditionedSystem() throws {
    let n = 20
    let h = 1 / Double(n + 1)
    let (fixture, u) = try makeBandBoundaryValueProblem(nodes: n)
    let program = try fixture.graph.compile(
      objective: .linear(u, weights: [Double](repeating: h, count: n)))
    let x = [0.3, -0.2] + [Double](repeating: 0, count: n)
    let lu = try program.linearize(at: x, solver: .lu)
    let trueEstimate = try XCTUnwrap(lu.reciprocalCondition)  // dgecon: 4.6e-3
    let bound = try XCTUnwrap(try program.linearize(at: x, solver: .krylov).reciprocalCondition)
    XCTAssertLessThan(bound, trueEstimate / 100, "the certificate's bound is pessimistic here")
    var options = SolveOptions()
    options.minimumReciprocalCondition = 1e-4
    let checked = try program.linearize(at: x, solver: .krylov, options: options)
    let estimate = try XCTUnwrap(checked.reciprocalCondition)
    XCTAssertGreaterThanOrEqual(
      estimate, trueEstimate / 3, "the solve's estimate is not below the truth")
    assertClose(
      try program.gradient(at: x, solver: .krylov, options: options).gradient,
      try lu.gradient().gradient, relative: 1e-9)
    options.minimumReciprocalCondition = 0.5
    let error = caughtLagrangePropError {
      _ = try program.linearize(at: x, solver: .krylov, options: options)
    }
    guard case .illConditioned(let reported, 0.5, .krylov)? = error else {
      return XCTFail("expected .illConditioned, got \(String(describing: error))")
    }
    XCTAssertEqual(reported, estimate)
  }
}
