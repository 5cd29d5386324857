import LagrangeProp
import SeededRandom
import XCTest

/// `LUFactorization`: `dgetrf` / `dgetrs` / `dgecon`.
final class LinearAlgebraLUFactorizationTests: XCTestCase {
  // MARK: - Hand-checked systems

  func testTwoByTwoByHand() throws {
    // 4x + 3y = 10, 6x + 3y = 12  ⇒  2x = 2, so x = 1, y = 2.
    let a = try Matrix(rows: [[4, 3], [6, 3]])
    let lu = try LUFactorization(a, equilibrate: false)
    XCTAssertEqual(lu.order, 2)
    XCTAssertEqual(lu.oneNorm, 10)  // column sums 4 + 6 = 10 and 3 + 3 = 6
    assertClose(try lu.solve([10, 12]), [1, 2], relative: 1e-15)
    // Aᵀ = [[4, 6], [3, 3]]: 4a + 6b = 16, 3a + 3b = 9  ⇒  a + b = 3, a = 1, b = 2.
    assertClose(try lu.solve([16, 9], transpose: true), [1, 2], relative: 1e-15)
  }

  func testFactorsByHand() throws {
    // Partial pivoting swaps the rows: P·A = [[6, 3], [4, 3]] = L·U with
    // L = [[1, 0], [2/3, 1]] and U = [[6, 3], [0, 3 − 2/3·3 = 1]].
    let lu = try LUFactorization(try Matrix(rows: [[4, 3], [6, 3]]), equilibrate: false)
    assertClose(lu.factors, try Matrix(rows: [[6, 3], [2.0 / 3.0, 1]]), relative: 1e-15)
  }

  func testThreeByThreeByHand() throws {
    // Strang's example: 2u + v + w = 5, 4u − 6v = −2, −2u + 7v + 2w = 9 has
    // (u, v, w) = (1, 1, 2): 2 + 1 + 2 = 5, 4 − 6 = −2, −2 + 7 + 4 = 9.
    let a = try Matrix(rows: [[2, 1, 1], [4, -6, 0], [-2, 7, 2]])
    let lu = try LUFactorization(a)
    assertClose(try lu.solve([5, -2, 9]), [1, 1, 2], relative: 1e-14)
    // Aᵀ·(1, 1, 1) = column sums (4, 2, 3).
    assertClose(try lu.solve([4, 2, 3], transpose: true), [1, 1, 1], relative: 1e-14)

    // Two right-hand sides: the second is A·(1, 1, 1) = row sums (4, −2, 7).
    let b = try Matrix(rows: [[5, 4], [-2, -2], [9, 7]])
    assertClose(try lu.solve(b), try Matrix(rows: [[1, 1], [1, 1], [2, 1]]), relative: 1e-14)
    // Aᵀ·(1, 0, 0) = (2, 1, 1) and Aᵀ·(1, 1, 1) = (4, 2, 3).
    let c = try Matrix(rows: [[2, 4], [1, 2], [1, 3]])
    assertClose(
      try lu.solve(c, transpose: true), try Matrix(rows: [[1, 1], [0, 1], [0, 1]]),
      relative: 1e-14)
  }

  func testInPlaceMatchesReturningSolve() throws {
    let lu = try LUFactorization(try Matrix(rows: [[2, 1, 1], [4, -6, 0], [-2, 7, 2]]))
    var x: [Double] = [5, -2, 9]
    try lu.solve(inPlace: &x)
    XCTAssertEqual(x, try lu.solve([5, -2, 9]))
    var y: [Double] = [4, 2, 3]
    try lu.solve(inPlace: &y, transpose: true)
    XCTAssertEqual(y, try lu.solve([4, 2, 3], transpose: true))
    var b = try Matrix(rows: [[5, 4], [-2, -2], [9, 7]])
    let expected = try lu.solve(b, transpose: true)
    try lu.solve(inPlace: &b, transpose: true)
    XCTAssertEqual(b, expected)
  }

  func testEmptySystem() throws {
    let lu = try LUFactorization(Matrix(rows: 0, columns: 0))
    XCTAssertEqual(lu.order, 0)
    XCTAssertEqual(try lu.solve([]), [])
    XCTAssertEqual(try lu.solve(try Matrix(rows: 0, columns: 2)), try Matrix(rows: 0, columns: 2))
    XCTAssertEqual(try lu.reciprocalConditionNumber(), 1)
  }

  func testNoRightHandSides() throws {
    let lu = try LUFactorization(try Matrix(rows: [[2, 0], [0, 2]]))
    XCTAssertEqual(try lu.solve(try Matrix(rows: 2, columns: 0)), try Matrix(rows: 2, columns: 0))
  }

  // MARK: - Condition estimate

  func testReciprocalConditionNumberOfDiagonalByHand() throws {
    // diag(1, 2, 4): ‖A‖₁ = 4, ‖A⁻¹‖₁ = ‖diag(1, 1/2, 1/4)‖₁ = 1, so rcond = 1/4.
    let a = try Matrix(rows: [[1, 0, 0], [0, 2, 0], [0, 0, 4]])
    assertClose(
      try LUFactorization(a, equilibrate: false).reciprocalConditionNumber(), 0.25, relative: 1e-14)
    // diag(2, −8, 1/2): ‖A‖₁ = 8, ‖A⁻¹‖₁ = ‖diag(1/2, −1/8, 2)‖₁ = 2, so rcond = 1/16.
    let b = try Matrix(rows: [[2, 0, 0], [0, -8, 0], [0, 0, 0.5]])
    assertClose(
      try LUFactorization(b, equilibrate: false).reciprocalConditionNumber(), 0.0625,
      relative: 1e-14)
    // The identity is perfectly conditioned.
    assertClose(
      try LUFactorization(Matrix.identity(5)).reciprocalConditionNumber(), 1, relative: 1e-14)
  }

  func testReciprocalConditionNumberWithinFactorTenOfTruth() throws {
    var rng = SplitMix64(seed: 10)
    for n in [1, 2, 3, 5, 8, 17, 40, 64] {
      // Plain random matrices (condition numbers of order n) and diagonally dominant ones.
      for a in [
        randomMatrix(rows: n, columns: n, using: &rng), wellConditionedMatrix(n, using: &rng),
      ] {
        let lu = try LUFactorization(a)
        let inverse = try lu.solve(Matrix.identity(n))
        let truth = 1 / (a.oneNorm * inverse.oneNorm)
        let estimate = try lu.reciprocalConditionNumber()
        XCTAssertGreaterThan(estimate, truth / 10, "n = \(n)")
        XCTAssertLessThan(estimate, truth * 10, "n = \(n)")
        XCTAssertLessThanOrEqual(estimate, 1, "n = \(n)")
      }
    }
  }

  func testReciprocalConditionNumberIsSmallForNearlySingular() throws {
    // [[1, 1], [1, 1 + δ]]: A⁻¹ = [[1 + δ, −1], [−1, 1]] / δ, so
    // rcond = 1 / ((2 + δ) · (2 + δ)/δ) ≈ δ/4.
    let delta = 1e-10
    let lu = try LUFactorization(try Matrix(rows: [[1, 1], [1, 1 + delta]]))
    let truth = delta / ((2 + delta) * (2 + delta))
    let estimate = try lu.reciprocalConditionNumber()
    XCTAssertGreaterThan(estimate, truth / 10)
    XCTAssertLessThan(estimate, truth * 10)
  }

  // MARK: - Random sweeps

  func testRandomSystemsResidual() throws {
    var rng = SplitMix64(seed: 11)
    for n in sweepSizes {
      let a = wellConditionedMatrix(n, using: &rng)
      let lu = try LUFactorization(a)
      for transpose in [false, true] {
        let b = randomVector(n, using: &rng)
        let x = try lu.solve(b, transpose: transpose)
        assertSmallResidual(a, x, b, transpose: transpose, "n = \(n)")

        let bs = randomMatrix(rows: n, columns: sweepRightHandSides, using: &rng)
        let xs = try lu.solve(bs, transpose: transpose)
        assertSmallResidual(a, xs, bs, transpose: transpose, "n = \(n)")
      }
    }
  }

  func testSeveralRightHandSidesMatchOneAtATime() throws {
    var rng = SplitMix64(seed: 12)
    for n in [1, 2, 7, 31, 64] {
      let a = wellConditionedMatrix(n, using: &rng)
      let lu = try LUFactorization(a)
      let b = randomMatrix(rows: n, columns: 4, using: &rng)
      for transpose in [false, true] {
        let x = try lu.solve(b, transpose: transpose)
        for j in 0..<4 {
          assertClose(
            x.column(j), try lu.solve(b.column(j), transpose: transpose), relative: 1e-13,
            "n = \(n), column \(j)")
        }
      }
    }
  }

  func testTransposedSolveMatchesSolveOfTransposedCopy() throws {
    var rng = SplitMix64(seed: 13)
    for n in [1, 3, 16, 50] {
      let a = wellConditionedMatrix(n, using: &rng)
      let b = randomVector(n, using: &rng)
      assertClose(
        try LUFactorization(a).solve(b, transpose: true),
        try LUFactorization(a.transposed()).solve(b), relative: 1e-13, "n = \(n)")
    }
  }

  // MARK: - Errors

  func testRejectsNonSquareMatrix() {
    assertDimensionMismatch(expected: 2, actual: 3) {
      _ = try LUFactorization(Matrix(rows: 2, columns: 3))
    }
  }

  func testRejectsWrongRightHandSideLength() throws {
    let lu = try LUFactorization(Matrix.identity(3))
    assertDimensionMismatch(expected: 3, actual: 2) { _ = try lu.solve([1, 2]) }
    assertDimensionMismatch(expected: 3, actual: 4) {
      _ = try lu.solve([1, 2, 3, 4], transpose: true)
    }
    assertDimensionMismatch(expected: 3, actual: 2) {
      _ = try lu.solve(Matrix(rows: 2, columns: 2))
    }
    var b = [1.0]
    assertDimensionMismatch(expected: 3, actual: 1) { try lu.solve(inPlace: &b) }
  }

  func testSingularZeroColumn() throws {
    // The third column is zero, so after two elimination steps U[2, 2] is exactly zero.
    let a = try Matrix(rows: [[1, 2, 0], [3, 4, 0], [5, 6, 0]])
    assertThrows(LinearAlgebraError.singular(routine: "dgetrf", pivot: 2)) {
      _ = try LUFactorization(a, equilibrate: false)
    }
    // A zero first column: pivot 0.
    let b = try Matrix(rows: [[0, 1], [0, 2]])
    assertThrows(LinearAlgebraError.singular(routine: "dgetrf", pivot: 0)) {
      _ = try LUFactorization(b, equilibrate: false)
    }
    XCTAssertThrowsError(try LUFactorization(Matrix(rows: 3, columns: 3)))
  }

  // MARK: - Equilibration

  func testEquilibrationFindsAZeroColumn() throws {
    let a = try Matrix(rows: [[1, 2, 0], [3, 4, 0], [5, 6, 0]])
    assertThrows(LinearAlgebraError.singular(routine: "dgeequb", pivot: 2)) {
      _ = try LUFactorization(a)
    }
  }

  /// `R·A·C` with powers of two is exact, and the condition estimate of the
  /// equilibrated matrix hardly sees a row or column scaling of `A`: for
  /// `D₁·A·D₂` (scalings from 2⁻⁶⁰ to 2⁶⁰) it stays within a factor `n³` of
  /// that for `A` (equilibration is a heuristic: the balance it finds depends on
  /// the scaling it starts from), while the unequilibrated estimate falls by 10⁶
  /// or more.
  func testConditionEstimateIsScaleInvariant() throws {
    var rng = SplitMix64(seed: 0x6571_7569)
    for n in [2, 5, 17, 64] {
      let a = wellConditionedMatrix(n, using: &rng)
      var scaled = a
      let rowExponents = (0..<n).map { _ in Int(rng.next() % 121) - 60 }
      let columnExponents = (0..<n).map { _ in Int(rng.next() % 121) - 60 }
      for j in 0..<n {
        for i in 0..<n {
          scaled[i, j] =
            a[i, j]
            * Double(sign: .plus, exponent: rowExponents[i] + columnExponents[j], significand: 1)
        }
      }
      let reference = try LUFactorization(a).reciprocalConditionNumber()
      let equilibrated = try LUFactorization(scaled).reciprocalConditionNumber()
      let raw = try LUFactorization(scaled, equilibrate: false).reciprocalConditionNumber()
      XCTAssertGreaterThan(equilibrated, reference / Double(n * n * n), "n = \(n)")
      XCTAssertLessThan(equilibrated, reference * Double(n * n * n), "n = \(n)")
      if n > 2 { XCTAssertLessThan(raw, reference * 1e-6, "n = \(n)") }
      // And the solves still answer the scaled system: residual criterion.
      let x = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
      let b = try scaled.multiplied(by: x)
      let lu = try LUFactorization(scaled)
      for transpose in [false, true] {
        let rhs = transpose ? try scaled.multiplied(by: x, transpose: true) : b
        let solution = try lu.solve(rhs, transpose: transpose)
        let residual = try scaled.multiplied(by: solution, transpose: transpose)
        for i in 0..<n {
          // Componentwise: |(A x̂ − b)_i| ≤ c·n·ε·(|A| |x̂|)_i.
          var scale = 0.0
          for k in 0..<n {
            scale += abs(transpose ? scaled[k, i] : scaled[i, k]) * abs(solution[k])
          }
          XCTAssertLessThanOrEqual(
            abs(residual[i] - rhs[i]), 64 * Double(n) * Double.ulpOfOne * scale,
            "n = \(n) transpose \(transpose) row \(i)")
        }
      }
    }
  }

  /// A regular triangular matrix with one huge entry is not "nearly singular"
  /// once equilibrated (`[[−1, 8·10¹⁵], [0, −1]]` becomes `[[−1, ~1], [0, −1]]`).
  func testOneLargeEntryIsWellConditionedOnceEquilibrated() throws {
    let a = try Matrix(rows: [[-1, 8e15], [0, -1]])
    XCTAssertGreaterThan(try LUFactorization(a).reciprocalConditionNumber(), 0.1)
    XCTAssertLessThan(try LUFactorization(a, equilibrate: false).reciprocalConditionNumber(), 1e-30)
    assertClose(try LUFactorization(a).solve([8e15 - 1, -1]), [1, 1], relative: 1e-15)
  }

  func testSingularDependentRows() throws {
    // Pivot row (2, 4); multiplier 1/2; U[1, 1] = 2 − 1/2 · 4 = 0 exactly.
    assertThrows(LinearAlgebraError.singular(routine: "dgetrf", pivot: 1)) {
      _ = try LUFactorization(try Matrix(rows: [[1, 2], [2, 4]]))
    }
  }

  func testNonFiniteMatrixThrowsAtFactorization() throws {
    for bad in [Double.nan, .infinity, -.infinity] {
      for position in [(0, 0), (1, 2), (2, 1)] {
        var a = try Matrix.identity(3)
        a[position.0, position.1] = bad
        assertThrows(LinearAlgebraError.nonFinite(routine: "dgetrf"), "\(bad) at \(position)") {
          _ = try LUFactorization(a)
        }
      }
    }
  }

  func testNonFiniteRightHandSideThrows() throws {
    let lu = try LUFactorization(try Matrix(rows: [[2, 1], [1, 3]]))
    for bad in [Double.nan, .infinity] {
      for transpose in [false, true] {
        assertThrows(LinearAlgebraError.nonFinite(routine: "dgetrs")) {
          _ = try lu.solve([1, bad], transpose: transpose)
        }
        assertThrows(LinearAlgebraError.nonFinite(routine: "dgetrs")) {
          _ = try lu.solve(try Matrix(rows: [[1, 0], [bad, 0]]), transpose: transpose)
        }
      }
    }
  }

  func testOverflowingSolutionThrows() throws {
    // x₀ = 1e10 / 1e-300 = 1e310 overflows to infinity: nothing non-finite is returned.
    let lu = try LUFactorization(try Matrix(rows: [[1e-300, 0], [0, 1]]))
    assertThrows(LinearAlgebraError.nonFinite(routine: "dgetrs")) { _ = try lu.solve([1e10, 1]) }
  }
}
