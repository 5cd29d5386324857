import LagrangeProp
import SeededRandom
import XCTest

/// Which factorization the block paths take, and that each gives the closed form.
final class CyclicFactorizationPathTests: XCTestCase {
  /// v = r + γ P v with constant γ and P, one `.affine` constraint per state: the
  /// whole non-input part is one affine block of feedback variables, so `.lu`
  /// reuses the forward solve's LU of S = D_zzᵀ (one `dgetrf` in all).
  func testLUReusesTheForwardFactorizationOfAPureImplicitSystem() throws {
    let n = 12
    var rng = SplitMix64(seed: 7)
    let gamma = 0.9
    // A row-stochastic P.
    let p: [[Double]] = (0..<n).map { _ in
      let row = (0..<n).map { _ in Double.random(in: 0.1...1, using: &rng) }
      let total = row.reduce(0, +)
      return row.map { $0 / total }
    }
    var graph = ConstraintGraph()
    let r = (0..<n).map { graph.input("r\($0)") }
    let v = (0..<n).map { graph.unknown("v\($0)") }
    for i in 0..<n {
      try graph.define(
        v[i], .affine(constant: 0, coefficients: [1] + p[i].map { gamma * $0 }), [r[i]] + v)
    }
    let weights = [Double](repeating: 0, count: n) + (0..<n).map { Double($0 + 1) }
    let program = try graph.compile(objective: .linear(weights))
    let x = (0..<n).map { Double($0) - 3 }

    let lin = try program.linearize(at: x, solver: .lu)
    guard case .reusedBlockLU = lin.factor else {
      return XCTFail("expected the reused factorization")
    }
    // d(wᵀv)/dr = (I − γP)⁻ᵀ w, by Gaussian elimination written here.
    var a = (0..<n).map { i in (0..<n).map { j in (i == j ? 1 : 0) - gamma * p[j][i] } }  // (I − γP)ᵀ
    var b = (0..<n).map { Double($0 + 1) }
    for k in 0..<n {
      let pivot = (k..<n).max { abs(a[$0][k]) < abs(a[$1][k]) }!
      a.swapAt(k, pivot)
      b.swapAt(k, pivot)
      for i in (k + 1)..<n {
        let factor = a[i][k] / a[k][k]
        for j in k..<n { a[i][j] -= factor * a[k][j] }
        b[i] -= factor * b[k]
      }
    }
    var u = [Double](repeating: 0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
      u[i] = (b[i] - ((i + 1)..<n).reduce(0.0) { $0 + a[i][$1] * u[$1] }) / a[i][i]
    }
    let g = try lin.gradient()
    assertClose(g.gradient, u, relative: 1e-12)
    // The other paths agree, and tangents / implicit Jacobian use the transposed solves.
    for solver in [Solver.blockTriangular, .automatic] {
      let other = try program.linearize(at: x, solver: solver)
      assertClose(try other.gradient().gradient, g.gradient, relative: 1e-12, "\(solver)")
      assertClose(try other.implicitJacobian(), try lin.implicitJacobian(), relative: 1e-12)
    }
  }

  /// A ring z_k = f(z_{k−1}) closed by z_0 = f(z_{L−1}): one feedback variable, so the
  /// block is solved with a scalar (no LAPACK call), and agrees with whole-matrix LU.
  func testOneFeedbackVariableUsesTheScalarPath() throws {
    let length = 7
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let z = (0..<length).map { graph.unknown("z\($0)") }
    for k in 0..<length {
      let previous = z[(k + length - 1) % length]
      let t = try graph.define("t\(k)", .tanh, previous)
      try graph.define(z[k], .affine(constant: 0.1, coefficients: [0.8, 0.5]), t, x)
    }
    let total = try graph.define("total", .sum, z)
    let program = try graph.compile(objective: .variable(total))
    XCTAssertEqual(program.cyclicBlockFeedbackSizes, [1])
    let lin = try program.linearize(at: [0.3], solver: .blockTriangular)
    guard case .blocks(let factors) = lin.factor, case .scalar? = factors.first else {
      return XCTFail("expected a scalar block factorization")
    }
    let reference = try program.gradient(at: [0.3], solver: .lu)
    assertClose(try lin.gradient().gradient, reference.gradient, relative: 1e-12)
    let h = 1e-6
    let fd = (try program.evaluate(at: [0.3 + h]) - program.evaluate(at: [0.3 - h])) / (2 * h)
    assertClose(reference.gradient, [fd], relative: 1e-7)
  }
}
