import LagrangeProp
import SeededRandom
import XCTest

/// The shared helpers themselves: a helper that cannot fail checks nothing.
final class TestSupportTests: XCTestCase {
  func testSplitMix64ReferenceValues() {
    // The reference implementation (Vigna, splitmix64.c) seeded with 0 starts
    // 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4.
    var rng = SplitMix64(seed: 0)
    XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
    XCTAssertEqual(rng.next(), 0x6E78_9E6A_A1B9_65F4)
    var a = SplitMix64(seed: 7)
    var b = SplitMix64(seed: 7)
    XCTAssertEqual(randomVector(5, using: &a), randomVector(5, using: &b))
  }

  func testInfinityNorms() throws {
    XCTAssertEqual(infinityNorm([1, -3, 2]), 3)
    XCTAssertEqual(infinityNorm([]), 0)
    XCTAssertTrue(infinityNorm([1, .nan, 2]).isNaN)
    // Row sums |1| + |−2| = 3 and |3| + |4| = 7.
    XCTAssertEqual(infinityNorm(try Matrix(rows: [[1, -2], [3, 4]])), 7)
  }

  func testResidualCriterionByHand() throws {
    let a = try Matrix(rows: [[2, 0], [1, 1]])
    // Exact solution of A·(1, 1) = (2, 2).
    XCTAssertEqual(residualCriterion(a, [1, 1], [2, 2]), 0)
    // Aᵀ·(1, 1) = (3, 1).
    XCTAssertEqual(residualCriterion(a, [1, 1], [3, 1], transpose: true), 0)
    // x = (1, 1 + 1e-10): residual 1e-10, ‖A‖∞ = 2, ‖x‖∞ ≈ 1, n = 2, ε = 2⁻⁵³.
    let expected = 1e-10 / (2 * (1 + 1e-10) * 2 * 0x1p-53)
    assertClose(residualCriterion(a, [1, 1 + 1e-10], [2, 2]), expected, relative: 1e-5)
    XCTAssertGreaterThan(residualCriterion(a, [1, 1 + 1e-10], [2, 2]), 1e5)
    XCTAssertTrue(residualCriterion(a, [1, .nan], [2, 2]).isNaN)
    // Several right-hand sides: the worst column counts.
    let x = try Matrix(rows: [[1, 1], [1, 1 + 1e-10]])
    let b = try Matrix(rows: [[2, 2], [2, 2]])
    assertClose(residualCriterion(a, x, b), expected, relative: 1e-5)
  }

  func testRandomMatricesAreDiagonallyDominant() {
    var rng = SplitMix64(seed: 99)
    for n in [1, 2, 10] {
      let a = wellConditionedMatrix(n, using: &rng)
      let t = wellConditionedTriangular(n, .lower, using: &rng)
      let band = wellConditionedBandDense(n, lowerBandwidth: 1, upperBandwidth: 2, using: &rng)
      for i in 0..<n {
        for m in [a, t, band] {
          let offDiagonal = (0..<n).filter { $0 != i }.map { abs(m[i, $0]) }.reduce(0, +)
          XCTAssertGreaterThan(abs(m[i, i]), offDiagonal, "n = \(n), row \(i)")
        }
        for j in 0..<n where j > i { XCTAssertEqual(t[i, j], 0) }
        for j in 0..<n where i - j > 1 || j - i > 2 { XCTAssertEqual(band[i, j], 0) }
      }
    }
  }

  func testThrownError() {
    XCTAssertNil(thrownError {})
    let error = thrownError { throw LinearAlgebraError.nonFinite(routine: "x") }
    XCTAssertEqual(error as? LinearAlgebraError, .nonFinite(routine: "x"))
  }
}
