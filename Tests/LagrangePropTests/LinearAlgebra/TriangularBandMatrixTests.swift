import LagrangeProp
import SeededRandom
import XCTest

/// `TriangularBandMatrix`: storage and LAPACK `dtbtrs`, upper and lower, with
/// and without transpose, against the dense triangular path.
final class LinearAlgebraTriangularBandMatrixTests: XCTestCase {
  // MARK: - Storage

  func testUpperStorageByHand() throws {
    // kd = 1, ldab = 2, T[i, j] at 1 + i − j + 2j; slot 0 (above T[0, 0]) is unused.
    let dense = try Matrix(rows: [[1, 2, 0], [0, 3, 4], [0, 0, 5]])
    let band = try TriangularBandMatrix(dense, bandwidth: 1, triangle: .upper)
    XCTAssertEqual(band.leadingDimension, 2)
    XCTAssertEqual(band.storage, [0, 1, 2, 3, 4, 5])
    XCTAssertEqual(Matrix(band), dense)
  }

  func testLowerStorageByHand() throws {
    // kd = 1, ldab = 2, T[i, j] at i − j + 2j; the last slot (below T[2, 2]) is unused.
    let dense = try Matrix(rows: [[1, 0, 0], [2, 3, 0], [0, 4, 5]])
    let band = try TriangularBandMatrix(dense, bandwidth: 1, triangle: .lower)
    XCTAssertEqual(band.storage, [1, 2, 3, 4, 5, 0])
    XCTAssertEqual(Matrix(band), dense)
  }

  func testSubscriptAndDroppedEntries() throws {
    var rng = SplitMix64(seed: 40)
    let full = randomMatrix(rows: 6, columns: 6, using: &rng)
    for triangle in [Triangle.upper, .lower] {
      for kd in [0, 1, 2, 5, 8] {
        let band = try TriangularBandMatrix(full, bandwidth: kd, triangle: triangle)
        XCTAssertEqual(band.order, 6)
        XCTAssertEqual(band.bandwidth, kd)
        XCTAssertEqual(band.triangle, triangle)
        let dense = Matrix(band)
        for i in 0..<6 {
          for j in 0..<6 {
            let offset = triangle == .upper ? j - i : i - j
            let inside = offset >= 0 && offset <= kd
            XCTAssertEqual(band.isInBand(i, j), inside)
            XCTAssertEqual(
              dense[i, j], inside ? full[i, j] : 0, "(\(i), \(j)) \(triangle) kd \(kd)")
            XCTAssertEqual(band[i, j], dense[i, j])
          }
        }
      }
    }
    var band = try TriangularBandMatrix(order: 3, bandwidth: 1, triangle: .lower)
    band[2, 1] = 7
    XCTAssertEqual(band[2, 1], 7)
    XCTAssertEqual(band[1, 2], 0)
    XCTAssertFalse(band.isInBand(3, 2))
  }

  func testRejectsInvalidShape() {
    assertInvalidShape(operation: "TriangularBandMatrix") {
      _ = try TriangularBandMatrix(order: 3, bandwidth: -1, triangle: .upper)
    }
    assertInvalidShape(operation: "TriangularBandMatrix") {
      _ = try TriangularBandMatrix(order: -2, bandwidth: 0, triangle: .lower)
    }
    assertInvalidShape(operation: "TriangularBandMatrix") {
      _ = try TriangularBandMatrix(Matrix.identity(2), bandwidth: -1, triangle: .lower)
    }
    assertDimensionMismatch(expected: 2, actual: 3) {
      _ = try TriangularBandMatrix(Matrix(rows: 2, columns: 3), bandwidth: 1, triangle: .upper)
    }
  }

  // MARK: - Hand-checked solves

  func testUpperBidiagonalByHand() throws {
    // [[2, 1, 0], [0, 3, 1], [0, 0, 4]]·(1, 1, 1) = (3, 4, 4); column sums (2, 4, 5).
    let t = try TriangularBandMatrix(
      try Matrix(rows: [[2, 1, 0], [0, 3, 1], [0, 0, 4]]), bandwidth: 1, triangle: .upper)
    assertClose(try t.solve([3, 4, 4]), [1, 1, 1], relative: 1e-15)
    assertClose(try t.solve([2, 4, 5], transpose: true), [1, 1, 1], relative: 1e-15)
    // Second column: T·(1, 2, 3) = (2 + 2, 6 + 3, 12) = (4, 9, 12).
    let b = try Matrix(rows: [[3, 4], [4, 9], [4, 12]])
    assertClose(try t.solve(b), try Matrix(rows: [[1, 1], [1, 2], [1, 3]]), relative: 1e-15)
  }

  func testLowerBandByHand() throws {
    // kd = 2: [[1, 0, 0, 0], [2, 1, 0, 0], [3, 2, 1, 0], [0, 3, 2, 1]], b = (1, 0, 0, 0):
    // x₀ = 1, x₁ = −2, x₂ = −3 + 4 = 1, x₃ = 0 − 3·(−2) − 2·1 = 4.
    let t = try TriangularBandMatrix(
      try Matrix(rows: [[1, 0, 0, 0], [2, 1, 0, 0], [3, 2, 1, 0], [0, 3, 2, 1]]),
      bandwidth: 2, triangle: .lower)
    assertClose(try t.solve([1, 0, 0, 0]), [1, -2, 1, 4], relative: 1e-15)
    // Tᵀ·(1, 1, 1, 1) = column sums (6, 6, 3, 1).
    assertClose(try t.solve([6, 6, 3, 1], transpose: true), [1, 1, 1, 1], relative: 1e-15)
    var x: [Double] = [1, 0, 0, 0]
    try t.solve(inPlace: &x)
    XCTAssertEqual(x, try t.solve([1, 0, 0, 0]))
  }

  func testEmptySystem() throws {
    let t = try TriangularBandMatrix(order: 0, bandwidth: 2, triangle: .upper)
    XCTAssertEqual(try t.solve([]), [])
    XCTAssertEqual(try t.solve(try Matrix(rows: 0, columns: 2)), try Matrix(rows: 0, columns: 2))
  }

  // MARK: - Random sweeps

  func testRandomSystemsAgreeWithDenseAndHaveSmallResidual() throws {
    var rng = SplitMix64(seed: 41)
    for triangle in [Triangle.upper, .lower] {
      for kd in [0, 1, 3, 10] {
        for n in sweepSizes where n <= 64 || kd == 3 {
          let a = wellConditionedBandDense(
            n, lowerBandwidth: triangle == .lower ? kd : 0,
            upperBandwidth: triangle == .upper ? kd : 0, using: &rng)
          let band = try TriangularBandMatrix(a, bandwidth: kd, triangle: triangle)
          XCTAssertEqual(Matrix(band), a)
          let dense = try TriangularMatrix(a, triangle: triangle)
          for transpose in [false, true] {
            let context = "n \(n), kd \(kd), \(triangle), transpose \(transpose)"
            let b = randomVector(n, using: &rng)
            let x = try band.solve(b, transpose: transpose)
            assertSmallResidual(a, x, b, transpose: transpose, context)
            assertClose(x, try dense.solve(b, transpose: transpose), relative: 1e-10, context)

            let bs = randomMatrix(rows: n, columns: sweepRightHandSides, using: &rng)
            var xs = bs
            try band.solve(inPlace: &xs, transpose: transpose)
            assertSmallResidual(a, xs, bs, transpose: transpose, context)
            assertClose(xs, try dense.solve(bs, transpose: transpose), relative: 1e-10, context)
          }
        }
      }
    }
  }

  // MARK: - Errors

  func testRejectsWrongRightHandSideLength() throws {
    let t = try TriangularBandMatrix(Matrix.identity(3), bandwidth: 1, triangle: .lower)
    assertDimensionMismatch(expected: 3, actual: 2) { _ = try t.solve([1, 2]) }
    assertDimensionMismatch(expected: 3, actual: 5) {
      _ = try t.solve([1, 2, 3, 4, 5], transpose: true)
    }
    assertDimensionMismatch(expected: 3, actual: 4) { _ = try t.solve(Matrix(rows: 4, columns: 1)) }
  }

  func testSingularDiagonal() throws {
    for triangle in [Triangle.upper, .lower] {
      for k in 0..<4 {
        var a = try Matrix.identity(4)
        a[k, k] = 0
        let t = try TriangularBandMatrix(a, bandwidth: 1, triangle: triangle)
        for transpose in [false, true] {
          assertThrows(LinearAlgebraError.singular(routine: "dtbtrs", pivot: k), "\(triangle)") {
            _ = try t.solve([1, 1, 1, 1], transpose: transpose)
          }
          assertThrows(LinearAlgebraError.singular(routine: "dtbtrs", pivot: k), "\(triangle)") {
            _ = try t.solve(Matrix(rows: 4, columns: 3, repeating: 1), transpose: transpose)
          }
        }
      }
    }
  }

  func testNonFiniteThrows() throws {
    var t = try TriangularBandMatrix(Matrix.identity(3), bandwidth: 1, triangle: .upper)
    t[1, 2] = .nan
    for transpose in [false, true] {
      assertThrows(LinearAlgebraError.nonFinite(routine: "dtbtrs")) {
        _ = try t.solve([1, 1, 1], transpose: transpose)
      }
    }
    let good = try TriangularBandMatrix(Matrix.identity(3), bandwidth: 1, triangle: .lower)
    for bad in [Double.nan, .infinity] {
      assertThrows(LinearAlgebraError.nonFinite(routine: "dtbtrs")) {
        _ = try good.solve([1, bad, 1])
      }
      assertThrows(LinearAlgebraError.nonFinite(routine: "dtbtrs")) {
        _ = try good.solve(try Matrix(rows: [[1], [1], [bad]]), transpose: true)
      }
    }
  }
}
