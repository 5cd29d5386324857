import LagrangeProp
import XCTest

/// An infinite diagonal entry would make substitution return `x_k = b_k / ∞ = 0`,
/// a finite wrong answer: the triangular solvers must refuse it.
final class LinearAlgebraInfiniteDiagonalTests: XCTestCase {
  func testTriangularVectorSolveRejectsInfiniteDiagonal() throws {
    let t = try TriangularMatrix(Matrix(rows: [[2, 1], [0, .infinity]]), triangle: .upper)
    assertThrows(LinearAlgebraError.nonFinite(routine: "dtrsv")) { _ = try t.solve([1, 1]) }
  }

  func testTriangularMatrixSolveRejectsInfiniteDiagonal() throws {
    let t = try TriangularMatrix(Matrix(rows: [[2, 0], [1, .infinity]]), triangle: .lower)
    assertThrows(LinearAlgebraError.nonFinite(routine: "dtrtrs")) {
      _ = try t.solve(Matrix(rows: [[1, 2], [3, 4]]), transpose: true)
    }
  }

  func testTriangularBandSolveRejectsInfiniteDiagonal() throws {
    for triangle in [Triangle.upper, .lower] {
      var t = try TriangularBandMatrix(order: 3, bandwidth: 1, triangle: triangle)
      t[0, 0] = 1
      t[1, 1] = -.infinity
      t[2, 2] = 3
      assertThrows(LinearAlgebraError.nonFinite(routine: "dtbtrs")) { _ = try t.solve([1, 2, 3]) }
    }
  }
}
