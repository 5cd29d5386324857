import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// The nonlinear boundary-value problem `−u'' + u³ = s` on `(0, 1)` with
/// `u(0) = a`, `u(1) = b`, discretised on `N` interior points:
/// `(−u_{i−1} + 2u_i − u_{i+1})/h² + u_i³ − s_i = 0`, one residual constraint per
/// node, solved by Newton. Objective `Σ u_i²`. With the tridiagonal Jacobian
/// `J = tridiag(−1, 2 + 3h²u_i², −1)/h²` (symmetric), `dΣu²/ds = J⁻¹(2u)` and
/// `d/da = (J⁻¹ 2u)₁/h²`, `d/db = (J⁻¹ 2u)_N/h²`.
final class CyclicBoundaryValueTests: XCTestCase {
  /// Node declaration orders: natural, or shuffled (the program order differs
  /// from declaration order and the reduced Jacobian is no longer banded).
  enum Declaration { case natural, shuffled }

  static func bvpProgram(nodes n: Int, declaration: Declaration) throws -> (Program, [Variable]) {
    let h = 1 / Double(n + 1)
    let k = 1 / (h * h)
    var graph = ConstraintGraph()
    let a = graph.input("a"), b = graph.input("b")
    let s = (1...n).map { graph.input("s\($0)") }
    var order = Array(0..<n)
    if declaration == .shuffled {
      var rng = SplitMix64(seed: 0x7368_7566)
      order.shuffle(using: &rng)
    }
    var u = [Variable?](repeating: nil, count: n)
    for i in order { u[i] = graph.unknown("u\(i + 1)") }
    let nodes = u.map { $0! }
    for i in 0..<n {
      let left = i == 0 ? a : nodes[i - 1]
      let right = i == n - 1 ? b : nodes[i + 1]
      let cube = try graph.define("u\(i + 1)³", .power(3), nodes[i])
      try graph.constrain(
        nodes[i], residual: .linear([-k, 2 * k, -k, 1, -1]), left, nodes[i], right, cube, s[i])
    }
    let squares = try nodes.map { try graph.define(.square, $0) }
    let total = try graph.define("Σu²", .sum, squares)
    return (try graph.compile(objective: .variable(total)), nodes)
  }

  /// Inputs `[a, b, s₁ … s_N]`: a large source, so that `u³` dominates.
  static func bvpInputs(nodes n: Int, scale: Double = 1) -> [Double] {
    let h = 1 / Double(n + 1)
    return [0.5, -1.0]
      + (1...n).map { i in scale * (100 * Foundation.sin(.pi * Double(i) * h) + 20) }
  }

  /// The reference: Newton with the Thomas algorithm, and the closed-form gradient.
  struct Reference {
    let u: [Double]
    let gradient: [Double]

    init(_ x: [Double]) {
      let (a, b) = (x[0], x[1])
      let s = Array(x[2...])
      let n = s.count
      let h = 1 / Double(n + 1)
      let k = 1 / (h * h)
      var u = [Double](repeating: 0, count: n)
      func residual(_ u: [Double]) -> [Double] {
        (0..<n).map { i in
          let left = i == 0 ? a : u[i - 1]
          let right = i == n - 1 ? b : u[i + 1]
          return k * (-left + 2 * u[i] - right) + u[i] * u[i] * u[i] - s[i]
        }
      }
      func norm(_ v: [Double]) -> Double { v.map(abs).max()! }
      // Newton until the step is at round-off level, then one more step.
      var converged = false
      for _ in 0..<100 {
        let r = residual(u)
        let diagonal = u.map { 2 * k + 3 * $0 * $0 }
        let step = Self.tridiagonalSolve(off: -k, diagonal: diagonal, r.map { -$0 })
        var alpha = 1.0
        while norm(residual(zip(u, step).map { $0 + alpha * $1 })) > (1 - 1e-4 * alpha) * norm(r)
          && alpha > 1e-8
        {
          alpha /= 2
        }
        u = zip(u, step).map { $0 + alpha * $1 }
        if converged { break }
        converged = norm(step) <= 1e-14 * norm(u)
      }
      self.u = u
      let diagonal = u.map { 2 * k + 3 * $0 * $0 }
      let q = Self.tridiagonalSolve(off: -k, diagonal: diagonal, u.map { 2 * $0 })
      gradient = [k * q[0], k * q[n - 1]] + q
    }

    /// Solves the symmetric tridiagonal system with constant off-diagonal `off` (Thomas).
    static func tridiagonalSolve(off: Double, diagonal: [Double], _ rhs: [Double]) -> [Double] {
      let n = rhs.count
      var c = [Double](repeating: 0, count: n)
      var d = rhs
      var m = diagonal[0]
      c[0] = off / m
      d[0] /= m
      for i in 1..<n {
        m = diagonal[i] - off * c[i - 1]
        c[i] = off / m
        d[i] = (d[i] - off * d[i - 1]) / m
      }
      for i in stride(from: n - 2, through: 0, by: -1) { d[i] -= c[i] * d[i + 1] }
      return d
    }
  }

  func testGradientWithRespectToTheSourceAgainstClosedFormAndFiniteDifferences() throws {
    for (n, declaration) in [(20, Declaration.natural), (50, .natural), (24, .shuffled)] {
      let (program, u) = try Self.bvpProgram(nodes: n, declaration: declaration)
      XCTAssertEqual(program.cyclicBlocks.count, 1)
      XCTAssertEqual(
        program.cyclicBlockFeedbackSizes, [n], "F = the nodes; the cubes are eliminated")
      let x = Self.bvpInputs(nodes: n)
      let reference = Reference(x)
      XCTAssertGreaterThan(reference.u.max()!, 3, "the cubic term matters")

      var results: [Solver: GradientResult] = [:]
      for solver in [Solver.lu, .blockTriangular, .automatic] {
        let context = "N \(n) \(declaration) \(solver)"
        let lin = try program.linearize(at: x, solver: solver)
        // The default tolerance bounds each residual relative to its terms, here
        // |k·u| ≈ 5·10⁴ against a smallest eigenvalue of J near 70: at the tolerance u
        // would be accurate to only about 1e-10 relative, but the polishing Newton step
        // after convergence takes it to round-off (the bound below fails without it).
        assertClose(try u.map { try lin.value(of: $0) }, reference.u, relative: 1e-13, context)
        let g = try lin.gradient()
        assertClose(g.gradient, reference.gradient, relative: 1e-12, context)
        let kkt = try lin.kktResiduals()
        XCTAssertLessThanOrEqual(kkt.relativeDual, 1e-12, context)
        results[solver] = g
      }
      for solver in [Solver.blockTriangular, .automatic] {
        assertClose(
          results[solver]!.gradient, results[.lu]!.gradient, relative: 1e-10,
          "N \(n) \(solver) vs .lu")
        assertClose(
          results[solver]!.adjoints, results[.lu]!.adjoints, relative: 1e-10,
          "N \(n) \(solver) vs .lu")
      }
      // Central differences of the forward solve, each solved tightly so that the
      // solve's own error (≈ 1e-10 relative at the default tolerance) stays far
      // below the difference quotient's; boundary and source parts are compared
      // separately (∂/∂a, ∂/∂b carry a factor 1/h² and would dominate the norm).
      var tight = SolveOptions()
      tight.tolerance = 1e-14
      let fd = try CyclicReference.gradient(at: x, step: 1e-4) {
        try program.evaluate(at: $0, options: tight)
      }
      let g = results[.lu]!.gradient
      assertClose(
        Array(g[0..<2]), Array(fd[0..<2]), relative: 1e-6, "N \(n) \(declaration) FD, boundary")
      assertClose(
        Array(g[2...]), Array(fd[2...]), relative: 1e-6, "N \(n) \(declaration) FD, source")
    }
  }

  /// `du/ds` (implicit Jacobian and tangents) agree between `.lu` and `.blockTriangular`.
  func testImplicitJacobianAndTangentsAgreeAcrossSolvers() throws {
    let n = 20
    let (program, _) = try Self.bvpProgram(nodes: n, declaration: .natural)
    let x = Self.bvpInputs(nodes: n)
    let lu = try program.linearize(at: x, solver: .lu)
    let block = try program.linearize(at: x, solver: .blockTriangular)
    assertClose(try block.implicitJacobian(), try lu.implicitJacobian(), relative: 1e-10)
    var rng = SplitMix64(seed: 0x6276_7074)
    let seed = randomVector(program.variableCount, using: &rng)
    assertClose(try block.tangents(seed: seed), try lu.tangents(seed: seed), relative: 1e-10)
    assertClose(
      try block.adjoints(objectiveGradient: seed), try lu.adjoints(objectiveGradient: seed),
      relative: 1e-10)
  }

  /// A warm start from the solution for a nearby source converges within three
  /// Newton iterations where the cold start from zero cannot.
  func testWarmStartConvergesFasterThanColdStart() throws {
    let n = 30
    let (program, u) = try Self.bvpProgram(nodes: n, declaration: .natural)
    let x = Self.bvpInputs(nodes: n)
    let nearby = Self.bvpInputs(nodes: n, scale: 1.01)
    var capped = SolveOptions()
    capped.maxIterations = 3
    let error = caughtLagrangePropError {
      _ = try program.solveConstraints(at: nearby, options: capped)
    }
    guard case .notConverged? = error else {
      return XCTFail("expected .notConverged from a cold start, got \(String(describing: error))")
    }
    capped.initialGuess = try program.solveConstraints(at: x)
    let warm = try program.solveConstraints(at: nearby, options: capped)
    assertClose(u.map { warm[$0.index] }, Reference(nearby).u, relative: 1e-10)
  }
}
