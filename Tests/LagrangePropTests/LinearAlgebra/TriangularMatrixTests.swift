import LagrangeProp
import SeededRandom
import XCTest

/// `TriangularMatrix`: BLAS `dtrsv` (one right-hand side) and LAPACK `dtrtrs`
/// (several), upper and lower, with and without transpose.
final class LinearAlgebraTriangularMatrixTests: XCTestCase {
  // MARK: - Hand-checked systems

  func testUpperByHand() throws {
    // U = [[2, 1, 1], [0, 3, 1], [0, 0, 4]], U·(1, 1, 1) = (4, 4, 4):
    // x₂ = 4/4 = 1, x₁ = (4 − 1)/3 = 1, x₀ = (4 − 1 − 1)/2 = 1.
    let u = try TriangularMatrix(
      try Matrix(rows: [[2, 1, 1], [0, 3, 1], [0, 0, 4]]), triangle: .upper)
    XCTAssertEqual(u.order, 3)
    XCTAssertEqual(u.triangle, .upper)
    assertClose(try u.solve([4, 4, 4]), [1, 1, 1], relative: 1e-15)
    // Uᵀ = [[2, 0, 0], [1, 3, 0], [1, 1, 4]]: x₀ = 2/2, x₁ = (4 − 1)/3, x₂ = (6 − 1 − 1)/4.
    assertClose(try u.solve([2, 4, 6], transpose: true), [1, 1, 1], relative: 1e-15)

    // dtrtrs with X = [[1, 0], [1, 1], [1, 2]]: U·(0, 1, 2) = (1 + 2, 3 + 2, 8) = (3, 5, 8).
    let b = try Matrix(rows: [[4, 3], [4, 5], [4, 8]])
    assertClose(try u.solve(b), try Matrix(rows: [[1, 0], [1, 1], [1, 2]]), relative: 1e-15)
    // Uᵀ·(0, 1, 2) = (0, 3, 1 + 8) = (0, 3, 9).
    let c = try Matrix(rows: [[2, 0], [4, 3], [6, 9]])
    assertClose(
      try u.solve(c, transpose: true), try Matrix(rows: [[1, 0], [1, 1], [1, 2]]), relative: 1e-15)
  }

  func testLowerByHand() throws {
    // L = [[1, 0, 0], [2, 1, 0], [3, 4, 5]], b = (2, 7, 37):
    // x₀ = 2, x₁ = 7 − 2·2 = 3, x₂ = (37 − 3·2 − 4·3)/5 = 19/5.
    let l = try TriangularMatrix(
      try Matrix(rows: [[1, 0, 0], [2, 1, 0], [3, 4, 5]]), triangle: .lower)
    assertClose(try l.solve([2, 7, 37]), [2, 3, 19.0 / 5.0], relative: 1e-15)
    // Lᵀ = [[1, 2, 3], [0, 1, 4], [0, 0, 5]], Lᵀ·(1, 1, 1) = (6, 5, 5).
    assertClose(try l.solve([6, 5, 5], transpose: true), [1, 1, 1], relative: 1e-15)

    // dtrtrs: columns (2, 7, 37) and L·(1, 1, 1) = (1, 3, 12).
    let b = try Matrix(rows: [[2, 1], [7, 3], [37, 12]])
    assertClose(
      try l.solve(b), try Matrix(rows: [[2, 1], [3, 1], [19.0 / 5.0, 1]]), relative: 1e-15)
    let c = try Matrix(rows: [[6], [5], [5]])
    assertClose(
      try l.solve(c, transpose: true), try Matrix(rows: [[1], [1], [1]]), relative: 1e-15)
  }

  func testEntriesOutsideTheTriangleAreIgnored() throws {
    // Garbage, even NaN, in the other triangle must not be read.
    let full = try Matrix(rows: [[2, 1, 1], [.nan, 3, 1], [99, .infinity, 4]])
    let u = try TriangularMatrix(full, triangle: .upper)
    assertClose(try u.solve([4, 4, 4]), [1, 1, 1], relative: 1e-15)
    assertClose(try u.solve([2, 4, 6], transpose: true), [1, 1, 1], relative: 1e-15)
    assertClose(
      try u.solve(try Matrix(rows: [[4], [4], [4]])).column(0), [1, 1, 1], relative: 1e-15)
    assertClose(
      try u.solve(try Matrix(rows: [[2], [4], [6]]), transpose: true).column(0), [1, 1, 1],
      relative: 1e-15)
  }

  func testInPlaceMatchesReturningSolve() throws {
    let l = try TriangularMatrix(try Matrix(rows: [[1, 0], [2, 4]]), triangle: .lower)
    var x: [Double] = [1, 6]
    try l.solve(inPlace: &x)
    XCTAssertEqual(x, [1, 1])  // x₁ = (6 − 2)/4
    var b = try Matrix(rows: [[1], [6]])
    try l.solve(inPlace: &b)
    XCTAssertEqual(b, try Matrix(rows: [[1], [1]]))
  }

  func testEmptySystem() throws {
    let t = try TriangularMatrix(Matrix(rows: 0, columns: 0), triangle: .upper)
    XCTAssertEqual(try t.solve([]), [])
    XCTAssertEqual(try t.solve(try Matrix(rows: 0, columns: 2)), try Matrix(rows: 0, columns: 2))
    let u = try TriangularMatrix(Matrix.identity(2), triangle: .upper)
    XCTAssertEqual(try u.solve(try Matrix(rows: 2, columns: 0)), try Matrix(rows: 2, columns: 0))
  }

  // MARK: - Random sweeps

  func testRandomSystemsResidual() throws {
    var rng = SplitMix64(seed: 30)
    for triangle in [Triangle.upper, .lower] {
      for n in sweepSizes {
        let a = wellConditionedTriangular(n, triangle, using: &rng)
        let t = try TriangularMatrix(a, triangle: triangle)
        for transpose in [false, true] {
          let context = "n \(n), \(triangle), transpose \(transpose)"
          let b = randomVector(n, using: &rng)
          let x = try t.solve(b, transpose: transpose)  // dtrsv
          assertSmallResidual(a, x, b, transpose: transpose, context)

          let bs = randomMatrix(rows: n, columns: sweepRightHandSides, using: &rng)
          let xs = try t.solve(bs, transpose: transpose)  // dtrtrs
          assertSmallResidual(a, xs, bs, transpose: transpose, context)
          // The level-2 and level-3 paths agree column by column.
          assertClose(
            xs.column(0), try t.solve(bs.column(0), transpose: transpose), relative: 1e-12, context)
        }
      }
    }
  }

  func testTransposedSolveMatchesOtherTriangleOfTransposedCopy() throws {
    var rng = SplitMix64(seed: 31)
    for n in [1, 4, 33] {
      let a = wellConditionedTriangular(n, .upper, using: &rng)
      let b = randomVector(n, using: &rng)
      assertClose(
        try TriangularMatrix(a, triangle: .upper).solve(b, transpose: true),
        try TriangularMatrix(a.transposed(), triangle: .lower).solve(b), relative: 1e-13)
    }
  }

  // MARK: - Errors

  func testRejectsNonSquareMatrix() {
    assertDimensionMismatch(expected: 3, actual: 2) {
      _ = try TriangularMatrix(Matrix(rows: 3, columns: 2), triangle: .lower)
    }
  }

  func testRejectsWrongRightHandSideLength() throws {
    let t = try TriangularMatrix(Matrix.identity(3), triangle: .upper)
    assertDimensionMismatch(expected: 3, actual: 2) { _ = try t.solve([1, 2]) }
    assertDimensionMismatch(expected: 3, actual: 4) {
      _ = try t.solve([1, 2, 3, 4], transpose: true)
    }
    assertDimensionMismatch(expected: 3, actual: 2) { _ = try t.solve(Matrix(rows: 2, columns: 3)) }
    var b = [1.0]
    assertDimensionMismatch(expected: 3, actual: 1) { try t.solve(inPlace: &b) }
  }

  func testSingularDiagonal() throws {
    for triangle in [Triangle.upper, .lower] {
      for k in 0..<4 {
        var a = try Matrix.identity(4)
        a[k, k] = 0
        let t = try TriangularMatrix(a, triangle: triangle)
        for transpose in [false, true] {
          assertThrows(LinearAlgebraError.singular(routine: "dtrsv", pivot: k)) {
            _ = try t.solve([1, 1, 1, 1], transpose: transpose)
          }
          assertThrows(LinearAlgebraError.singular(routine: "dtrtrs", pivot: k)) {
            _ = try t.solve(Matrix(rows: 4, columns: 2, repeating: 1), transpose: transpose)
          }
        }
      }
    }
    // Two zeros on the diagonal: the first one is reported.
    let t = try TriangularMatrix(
      try Matrix(rows: [[1, 0, 0], [0, 0, 0], [0, 0, 0]]), triangle: .lower)
    assertThrows(LinearAlgebraError.singular(routine: "dtrsv", pivot: 1)) {
      _ = try t.solve([1, 1, 1])
    }
    assertThrows(LinearAlgebraError.singular(routine: "dtrtrs", pivot: 1)) {
      _ = try t.solve(Matrix.identity(3))
    }
  }

  func testNonFiniteMatrixThrows() throws {
    // NaN inside the upper triangle, on the diagonal or above it, reaches the solution.
    // (The matrix is not scanned beforehand: the check is on the solution.)
    for position in [(0, 0), (0, 2), (1, 1)] {
      var a = try Matrix.identity(3)
      a[position.0, position.1] = .nan
      let t = try TriangularMatrix(a, triangle: .upper)
      for transpose in [false, true] {
        assertThrows(LinearAlgebraError.nonFinite(routine: "dtrsv"), "NaN at \(position)") {
          _ = try t.solve([1, 1, 1], transpose: transpose)
        }
        assertThrows(LinearAlgebraError.nonFinite(routine: "dtrtrs"), "NaN at \(position)") {
          _ = try t.solve(Matrix(rows: 3, columns: 2, repeating: 1), transpose: transpose)
        }
      }
    }
    // An infinite U[0, 2] makes x₀ = 1 − ∞ (or, transposed, x₂ = 1 − ∞).
    var a = try Matrix.identity(3)
    a[0, 2] = .infinity
    let t = try TriangularMatrix(a, triangle: .upper)
    for transpose in [false, true] {
      assertThrows(LinearAlgebraError.nonFinite(routine: "dtrsv")) {
        _ = try t.solve([1, 1, 1], transpose: transpose)
      }
      assertThrows(LinearAlgebraError.nonFinite(routine: "dtrtrs")) {
        _ = try t.solve(Matrix(rows: 3, columns: 1, repeating: 1), transpose: transpose)
      }
    }
  }

  func testNonFiniteRightHandSideThrows() throws {
    for triangle in [Triangle.upper, .lower] {
      let t = try TriangularMatrix(try Matrix(rows: [[2, 1], [1, 2]]), triangle: triangle)
      for bad in [Double.nan, .infinity] {
        for transpose in [false, true] {
          assertThrows(LinearAlgebraError.nonFinite(routine: "dtrsv")) {
            _ = try t.solve([bad, 1], transpose: transpose)
          }
          assertThrows(LinearAlgebraError.nonFinite(routine: "dtrtrs")) {
            _ = try t.solve(try Matrix(rows: [[1, 1], [1, bad]]), transpose: transpose)
          }
        }
      }
    }
  }

  func testOverflowingSolutionThrows() throws {
    // x₁ = 1e300 / 1e-300 overflows.
    let t = try TriangularMatrix(try Matrix(rows: [[1, 0], [0, 1e-300]]), triangle: .upper)
    assertThrows(LinearAlgebraError.nonFinite(routine: "dtrsv")) { _ = try t.solve([1, 1e300]) }
    assertThrows(LinearAlgebraError.nonFinite(routine: "dtrtrs")) {
      _ = try t.solve(try Matrix(rows: [[1], [1e300]]))
    }
  }
}
