import LagrangeProp
import XCTest

/// Power-of-two equilibration is exact only while the entries stay normal: a row
/// spanning more than the exponent range (`[−1e300, 1e-200, −1]`) scaled to a
/// largest entry near one flushed `1e-200` to zero, and `.lu` / `.sparseLU`
/// answered a gradient of −2 for −3 (found by an outside probe). The dense,
/// sparse and band factorizations now scale columns first in that case, or not
/// at all; the program paths answer correctly or refuse with a typed error.
final class EquilibrationRangeTests: XCTestCase {
  /// `Aᵀλ = e₃` for `A = [[−1, 0, 0], [0, −1, 0], [−1e300, 1e-200, −1]]`:
  /// `λ = [1e300, −1e-200, −1]` (by back substitution), on every factorization.
  func testARowSpanningMoreThanTheExponentRange() throws {
    let a = try Matrix(rows: [[-1, 0, 0], [0, -1, 0], [-1e300, 1e-200, -1]])
    let expected = [1e300, -1e-200, -1]
    // Component by component: a norm-wise check would not see λ₂.
    func check(_ got: [Double], _ label: String) {
      for k in 0..<3 { assertClose(got[k], expected[k], relative: 1e-15, "\(label) λ\(k + 1)") }
    }
    check(try LUFactorization(a).solve([0, 0, 1], transpose: true), "dense")
    let sparse = try SparseLUFactorization(try SparseMatrix(a))
    var b = [0.0, 0, 1]
    try b.withUnsafeMutableBufferPointer {
      try sparse.solve($0, rightHandSides: 1, transpose: true)
    }
    check(b, "sparse")
    let band = try BandLUFactorization(
      try BandMatrix(a, lowerBandwidth: 2, upperBandwidth: 0))
    var c = [0.0, 0, 1]
    try c.withUnsafeMutableBufferPointer {
      try band.solve($0, rightHandSides: 1, transpose: true)
    }
    check(c, "band")
  }

  /// The program of the probe, `square(x·y)·(x·(−1e200))` at `(1e100, 1e-200)`:
  /// `∂/∂x = −3`, `∂/∂y = −2e300`. Every solver answers that or throws.
  func testTheProbeProgramIsNeverAnsweredWrongly() throws {
    let program = try Program.trace(inputs: ["x", "y"]) { t in
      square(t.inputs[0] * t.inputs[1]) * (t.inputs[0] * -1e200)
    }
    for solver in [Solver.sweep, .triangular, .lu, .sparseLU, .blockTriangular, .krylov] {
      do {
        let g = try program.gradient(at: [1e100, 1e-200], solver: solver)
        assertClose(g.gradient[0], -3, relative: 1e-14, "\(solver) ∂/∂x")
        assertClose(g.gradient[1], -2e300, relative: 1e-14, "\(solver) ∂/∂y")
      } catch {
        XCTAssertFalse([Solver.sweep, .triangular, .blockTriangular].contains(solver), "\(solver)")
      }
    }
  }
}
