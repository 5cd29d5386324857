import LagrangeProp
import SeededRandom
import XCTest

/// `BandMatrix` and `BandLUFactorization`: storage, products, `dgbtrf` /
/// `dgbtrs` / `dgbcon`, and agreement with the dense path.
final class LinearAlgebraBandLUFactorizationTests: XCTestCase {
  /// Bandwidths `(kl, ku)` of the sweeps, zeros included.
  let bandwidths = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 3), (3, 2), (0, 5), (5, 0), (7, 7)]

  // MARK: - Storage

  func testStorageLayoutByHand() throws {
    // kl = ku = 1: ldab = 2·1 + 1 + 1 = 4, A[i, j] at 2 + i − j + 4j; row 0 of
    // each column is workspace for dgbtrf's fill-in and row 3 of the last
    // column lies below the matrix.
    let dense = try Matrix(rows: [[1, 2, 0], [3, 4, 5], [0, 6, 7]])
    let band = try BandMatrix(dense, lowerBandwidth: 1, upperBandwidth: 1)
    XCTAssertEqual(band.order, 3)
    XCTAssertEqual(band.leadingDimension, 4)
    XCTAssertEqual(band.storage, [0, 0, 1, 3, 0, 2, 4, 6, 0, 5, 7, 0])
    XCTAssertEqual(Matrix(band), dense)
  }

  func testSubscriptAndBand() throws {
    var band = try BandMatrix(order: 4, lowerBandwidth: 1, upperBandwidth: 2)
    XCTAssertTrue(band.isInBand(1, 0))
    XCTAssertFalse(band.isInBand(2, 0))
    XCTAssertTrue(band.isInBand(0, 2))
    XCTAssertFalse(band.isInBand(0, 3))
    XCTAssertFalse(band.isInBand(4, 4))
    XCTAssertFalse(band.isInBand(-1, 0))
    band[1, 0] = 5
    band[0, 2] = -1
    XCTAssertEqual(band[1, 0], 5)
    XCTAssertEqual(band[0, 2], -1)
    XCTAssertEqual(band[3, 0], 0)  // outside the band
    XCTAssertEqual(
      Matrix(band), try Matrix(rows: [[0, 0, -1, 0], [5, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]))
  }

  func testDenseRoundTripAndDroppedEntries() throws {
    var rng = SplitMix64(seed: 20)
    for n in [1, 2, 5, 12] {
      let full = randomMatrix(rows: n, columns: n, using: &rng)
      for (kl, ku) in bandwidths {
        let band = try BandMatrix(full, lowerBandwidth: kl, upperBandwidth: ku)
        let dense = Matrix(band)
        for i in 0..<n {
          for j in 0..<n {
            let inside = i - j <= kl && j - i <= ku
            XCTAssertEqual(band.isInBand(i, j), inside)
            XCTAssertEqual(dense[i, j], inside ? full[i, j] : 0, "(\(i), \(j)), kl \(kl), ku \(ku)")
            XCTAssertEqual(band[i, j], dense[i, j])
          }
        }
        // A matrix already inside the band converts back unchanged.
        XCTAssertEqual(try BandMatrix(dense, lowerBandwidth: kl, upperBandwidth: ku), band)
      }
    }
  }

  func testBandwidthsWiderThanTheMatrix() throws {
    // kl, ku ≥ n is legal: the band is the whole matrix.
    let dense = try Matrix(rows: [[2, 1], [1, 3]])
    let band = try BandMatrix(dense, lowerBandwidth: 4, upperBandwidth: 3)
    XCTAssertEqual(Matrix(band), dense)
    // 2x + y = 3, x + 3y = 4  ⇒  x = y = 1.
    assertClose(try BandLUFactorization(band).solve([3, 4]), [1, 1], relative: 1e-15)
  }

  func testRejectsNegativeShape() throws {
    assertInvalidShape(operation: "BandMatrix") {
      _ = try BandMatrix(order: 3, lowerBandwidth: -1, upperBandwidth: 0)
    }
    assertInvalidShape(operation: "BandMatrix") {
      _ = try BandMatrix(order: 3, lowerBandwidth: 0, upperBandwidth: -2)
    }
    assertInvalidShape(operation: "BandMatrix") {
      _ = try BandMatrix(order: -1, lowerBandwidth: 0, upperBandwidth: 0)
    }
    assertInvalidShape(operation: "BandMatrix") {
      _ = try BandMatrix(Matrix.identity(3), lowerBandwidth: 1, upperBandwidth: -1)
    }
    assertDimensionMismatch(expected: 2, actual: 3) {
      _ = try BandMatrix(Matrix(rows: 2, columns: 3), lowerBandwidth: 1, upperBandwidth: 1)
    }
  }

  // MARK: - Products

  func testProductByHand() throws {
    let band = try BandMatrix(
      try Matrix(rows: [[1, 2, 0], [3, 4, 5], [0, 6, 7]]), lowerBandwidth: 1, upperBandwidth: 1)
    // Row sums (3, 12, 13); column sums (4, 12, 12).
    XCTAssertEqual(try band.multiplied(by: [1, 1, 1]), [3, 12, 13])
    XCTAssertEqual(try band.multiplied(by: [1, 1, 1], transpose: true), [4, 12, 12])
    assertDimensionMismatch(expected: 3, actual: 2) { _ = try band.multiplied(by: [1, 1]) }
    XCTAssertEqual(
      try BandMatrix(order: 0, lowerBandwidth: 1, upperBandwidth: 1).multiplied(by: []), [])
  }

  func testProductAgainstDense() throws {
    var rng = SplitMix64(seed: 21)
    for n in [1, 2, 9, 40] {
      for (kl, ku) in bandwidths {
        let dense = wellConditionedBandDense(n, lowerBandwidth: kl, upperBandwidth: ku, using: &rng)
        let band = try BandMatrix(dense, lowerBandwidth: kl, upperBandwidth: ku)
        let x = randomVector(n, using: &rng)
        for transpose in [false, true] {
          assertClose(
            try band.multiplied(by: x, transpose: transpose),
            naiveProduct(dense, x, transpose: transpose), relative: 1e-13,
            "n \(n), kl \(kl), ku \(ku), transpose \(transpose)")
        }
      }
    }
  }

  // MARK: - Hand-checked solves

  func testTridiagonalByHand() throws {
    // [[2, −1, 0], [−1, 2, −1], [0, −1, 2]]·(1, 1, 1) = (1, 0, 1); symmetric.
    let dense = try Matrix(rows: [[2, -1, 0], [-1, 2, -1], [0, -1, 2]])
    let lu = try BandLUFactorization(
      try BandMatrix(dense, lowerBandwidth: 1, upperBandwidth: 1), equilibrate: false)
    XCTAssertEqual(lu.order, 3)
    XCTAssertEqual(lu.oneNorm, 4)  // middle column |−1| + 2 + |−1|
    assertClose(try lu.solve([1, 0, 1]), [1, 1, 1], relative: 1e-15)
    assertClose(try lu.solve([1, 0, 1], transpose: true), [1, 1, 1], relative: 1e-15)
  }

  func testLowerBidiagonalByHand() throws {
    // kl = 1, ku = 0: [[2, 0, 0], [1, 3, 0], [0, 1, 4]].
    let dense = try Matrix(rows: [[2, 0, 0], [1, 3, 0], [0, 1, 4]])
    let lu = try BandLUFactorization(try BandMatrix(dense, lowerBandwidth: 1, upperBandwidth: 0))
    // x₀ = 2/2 = 1, x₁ = (4 − 1)/3 = 1, x₂ = (5 − 1)/4 = 1.
    assertClose(try lu.solve([2, 4, 5]), [1, 1, 1], relative: 1e-15)
    // Aᵀ = [[2, 1, 0], [0, 3, 1], [0, 0, 4]]: x₂ = 4/4, x₁ = (4 − 1)/3, x₀ = (3 − 1)/2.
    assertClose(try lu.solve([3, 4, 4], transpose: true), [1, 1, 1], relative: 1e-15)
    // Both at once: columns (2, 4, 5) and A·(1, 2, 3) = (2, 1 + 6, 2 + 12) = (2, 7, 14).
    let b = try Matrix(rows: [[2, 2], [4, 7], [5, 14]])
    assertClose(try lu.solve(b), try Matrix(rows: [[1, 1], [1, 2], [1, 3]]), relative: 1e-15)
  }

  func testUpperBandByHand() throws {
    // kl = 0, ku = 2: [[1, 2, 3], [0, 4, 5], [0, 0, 6]]·(1, 1, 1) = (6, 9, 6).
    let dense = try Matrix(rows: [[1, 2, 3], [0, 4, 5], [0, 0, 6]])
    let lu = try BandLUFactorization(try BandMatrix(dense, lowerBandwidth: 0, upperBandwidth: 2))
    assertClose(try lu.solve([6, 9, 6]), [1, 1, 1], relative: 1e-15)
    // Column sums (1, 6, 14).
    assertClose(try lu.solve([1, 6, 14], transpose: true), [1, 1, 1], relative: 1e-15)
  }

  func testEmptySystem() throws {
    let lu = try BandLUFactorization(try BandMatrix(order: 0, lowerBandwidth: 2, upperBandwidth: 1))
    XCTAssertEqual(try lu.solve([]), [])
    XCTAssertEqual(try lu.solve(try Matrix(rows: 0, columns: 3)), try Matrix(rows: 0, columns: 3))
    XCTAssertEqual(try lu.reciprocalConditionNumber(), 1)
  }

  // MARK: - Condition estimate

  func testReciprocalConditionNumberOfDiagonalByHand() throws {
    // diag(1, 2, 4) stored with kl = ku = 1: ‖A‖₁ = 4, ‖A⁻¹‖₁ = 1, rcond = 1/4.
    let a = try Matrix(rows: [[1, 0, 0], [0, 2, 0], [0, 0, 4]])
    let lu = try BandLUFactorization(
      try BandMatrix(a, lowerBandwidth: 1, upperBandwidth: 1), equilibrate: false)
    XCTAssertEqual(lu.oneNorm, 4)
    assertClose(try lu.reciprocalConditionNumber(), 0.25, relative: 1e-14)
  }

  func testReciprocalConditionNumberWithinFactorTenOfTruth() throws {
    var rng = SplitMix64(seed: 22)
    for n in [1, 2, 5, 17, 40] {
      for (kl, ku) in bandwidths {
        let a = wellConditionedBandDense(n, lowerBandwidth: kl, upperBandwidth: ku, using: &rng)
        let lu = try BandLUFactorization(
          try BandMatrix(a, lowerBandwidth: kl, upperBandwidth: ku), equilibrate: false)
        XCTAssertEqual(lu.oneNorm, a.oneNorm, accuracy: 1e-14 * a.oneNorm)
        let inverse = try LUFactorization(a, equilibrate: false).solve(Matrix.identity(n))
        let truth = 1 / (a.oneNorm * inverse.oneNorm)
        let estimate = try lu.reciprocalConditionNumber()
        XCTAssertGreaterThan(estimate, truth / 10, "n \(n), kl \(kl), ku \(ku)")
        XCTAssertLessThan(estimate, truth * 10, "n \(n), kl \(kl), ku \(ku)")
      }
    }
  }

  /// The estimate (Hager–Higham with `dgbtrs` solves) sees a tiny pivot at the
  /// end of a long band, and a large well-conditioned band costs linear time
  /// (dgbcon's guarded solves were quadratic): n = 10⁵ must not time out a test.
  func testReciprocalConditionNumberOfLongBands() throws {
    let n = 100_000
    // Tridiagonal (−1, 4, −1): rcond about 1/3 whatever n.
    var band = try BandMatrix(order: n, lowerBandwidth: 1, upperBandwidth: 1)
    for j in 0..<n {
      band[j, j] = 4
      if j > 0 { band[j - 1, j] = -1 }
      if j < n - 1 { band[j + 1, j] = -1 }
    }
    let estimate = try BandLUFactorization(band).reciprocalConditionNumber()
    XCTAssertGreaterThan(estimate, 0.1)
    XCTAssertLessThanOrEqual(estimate, 1)
    // diag(1, …, 1, 10⁻¹³) with a unit superdiagonal: nearly singular.
    var nearly = try Matrix.identity(40)
    for j in 1..<40 { nearly[j - 1, j] = 1 }
    nearly[39, 39] = 1e-13
    let lu = try BandLUFactorization(
      try BandMatrix(nearly, lowerBandwidth: 0, upperBandwidth: 1), equilibrate: false)
    XCTAssertLessThan(try lu.reciprocalConditionNumber(), 1e-12)
  }

  // MARK: - Random sweeps, band against dense

  func testRandomSystemsAgreeWithDenseAndHaveSmallResidual() throws {
    var rng = SplitMix64(seed: 23)
    for (kl, ku) in bandwidths {
      for n in sweepSizes where n <= 64 || (kl, ku) == (2, 3) || (kl, ku) == (0, 0) {
        let a = wellConditionedBandDense(n, lowerBandwidth: kl, upperBandwidth: ku, using: &rng)
        let band = try BandMatrix(a, lowerBandwidth: kl, upperBandwidth: ku)
        XCTAssertEqual(Matrix(band), a)
        let lu = try BandLUFactorization(band)
        let dense = try LUFactorization(a)
        let context = "n \(n), kl \(kl), ku \(ku)"
        for transpose in [false, true] {
          let b = randomVector(n, using: &rng)
          let x = try lu.solve(b, transpose: transpose)
          assertSmallResidual(a, x, b, transpose: transpose, context)
          assertClose(x, try dense.solve(b, transpose: transpose), relative: 1e-10, context)

          let bs = randomMatrix(rows: n, columns: sweepRightHandSides, using: &rng)
          let xs = try lu.solve(bs, transpose: transpose)
          assertSmallResidual(a, xs, bs, transpose: transpose, context)
          assertClose(xs, try dense.solve(bs, transpose: transpose), relative: 1e-10, context)

          var inPlace = b
          try lu.solve(inPlace: &inPlace, transpose: transpose)
          XCTAssertEqual(inPlace, x)
        }
      }
    }
  }

  // MARK: - Errors

  func testRejectsWrongRightHandSideLength() throws {
    let lu = try BandLUFactorization(
      try BandMatrix(Matrix.identity(3), lowerBandwidth: 1, upperBandwidth: 1))
    assertDimensionMismatch(expected: 3, actual: 2) { _ = try lu.solve([1, 2]) }
    assertDimensionMismatch(expected: 3, actual: 4) {
      _ = try lu.solve([1, 2, 3, 4], transpose: true)
    }
    assertDimensionMismatch(expected: 3, actual: 1) {
      _ = try lu.solve(Matrix(rows: 1, columns: 3))
    }
    var b = [Double]()
    assertDimensionMismatch(expected: 3, actual: 0) { try lu.solve(inPlace: &b) }
  }

  func testSingularZeroColumn() throws {
    // kl = ku = 1, column 2 zero:
    //   [[1, 1, 0, 0], [1, 2, 0, 0], [0, 1, 0, 1], [0, 0, 0, 1]].
    // Step 0: pivot row 0, row 1 becomes (0, 1, 0, 0). Step 1: pivot row 1,
    // row 2 becomes (0, 0, 0, 1). Step 2: column 2 is zero in rows 2 and 3 ⇒ U[2, 2] = 0.
    let a = try Matrix(rows: [[1, 1, 0, 0], [1, 2, 0, 0], [0, 1, 0, 1], [0, 0, 0, 1]])
    assertThrows(LinearAlgebraError.singular(routine: "dgbtrf", pivot: 2)) {
      _ = try BandLUFactorization(
        try BandMatrix(a, lowerBandwidth: 1, upperBandwidth: 1), equilibrate: false)
    }
    // Equilibrating first finds the zero column itself.
    assertThrows(LinearAlgebraError.singular(routine: "dgbequb", pivot: 2)) {
      _ = try BandLUFactorization(try BandMatrix(a, lowerBandwidth: 1, upperBandwidth: 1))
    }
  }

  func testSingularWithoutSubdiagonals() throws {
    // kl = 0 leaves no row to pivot with: U[1, 1] = A[1, 1] = 0.
    let a = try Matrix(rows: [[1, 1, 0], [0, 0, 1], [0, 0, 1]])
    assertThrows(LinearAlgebraError.singular(routine: "dgbtrf", pivot: 1)) {
      _ = try BandLUFactorization(
        try BandMatrix(a, lowerBandwidth: 0, upperBandwidth: 1), equilibrate: false)
    }
    assertThrows(LinearAlgebraError.singular(routine: "dgbtrf", pivot: 0)) {
      _ = try BandLUFactorization(
        try BandMatrix(order: 2, lowerBandwidth: 1, upperBandwidth: 1), equilibrate: false)
    }
    assertThrows(LinearAlgebraError.singular(routine: "dgbequb", pivot: 0)) {
      _ = try BandLUFactorization(try BandMatrix(order: 2, lowerBandwidth: 1, upperBandwidth: 1))
    }
  }

  func testNonFiniteMatrixThrowsAtFactorization() throws {
    for bad in [Double.nan, .infinity, -.infinity] {
      for position in [(0, 0), (1, 2), (2, 1), (3, 3)] {
        var band = try BandMatrix(Matrix.identity(4), lowerBandwidth: 1, upperBandwidth: 1)
        band[position.0, position.1] = bad
        assertThrows(LinearAlgebraError.nonFinite(routine: "dgbtrf"), "\(bad) at \(position)") {
          _ = try BandLUFactorization(band)
        }
      }
    }
  }

  func testNonFiniteRightHandSideThrows() throws {
    let lu = try BandLUFactorization(
      try BandMatrix(
        try Matrix(rows: [[2, 1, 0], [1, 2, 1], [0, 1, 2]]), lowerBandwidth: 1, upperBandwidth: 1))
    for bad in [Double.nan, .infinity] {
      for transpose in [false, true] {
        assertThrows(LinearAlgebraError.nonFinite(routine: "dgbtrs")) {
          _ = try lu.solve([1, bad, 0], transpose: transpose)
        }
        assertThrows(LinearAlgebraError.nonFinite(routine: "dgbtrs")) {
          _ = try lu.solve(try Matrix(rows: [[1], [0], [bad]]), transpose: transpose)
        }
      }
    }
  }
}
