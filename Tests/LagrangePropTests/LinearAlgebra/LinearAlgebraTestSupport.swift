// Helpers shared by the LinearAlgebra tests.
//
// Every test class of this folder is named `LinearAlgebra…Tests`, so that
// `swift test --filter LinearAlgebra` selects exactly this layer.

import LagrangeProp
import XCTest

/// The orders of the random sweeps: every order from 1 to 64 (all block-size
/// boundaries of the small cases), then a few larger ones, one of them odd.
let sweepSizes: [Int] = Array(1...64) + [100, 257, 500]

/// The number of right-hand sides of the several-right-hand-side sweeps.
let sweepRightHandSides = 3

/// Asserts that `body` throws `LinearAlgebraError.dimensionMismatch` with these
/// `expected` and `actual` values (any operation name).
func assertDimensionMismatch(
  expected: Int, actual: Int, file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws -> Void
) {
  let error = thrownError(body)
  guard case .dimensionMismatch(_, let e, let a)? = error as? LinearAlgebraError else {
    XCTFail("expected .dimensionMismatch, got \(String(describing: error))", file: file, line: line)
    return
  }
  XCTAssertEqual(e, expected, "expected", file: file, line: line)
  XCTAssertEqual(a, actual, "actual", file: file, line: line)
}

/// Asserts that `body` throws `LinearAlgebraError.invalidShape` for `operation`.
func assertInvalidShape(
  operation: String, file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws -> Void
) {
  let error = thrownError(body)
  guard case .invalidShape(let op, _)? = error as? LinearAlgebraError else {
    XCTFail("expected .invalidShape, got \(String(describing: error))", file: file, line: line)
    return
  }
  XCTAssertEqual(op, operation, file: file, line: line)
}

/// The product `op(A)·x` by plain loops, the reference for BLAS products.
func naiveProduct(_ a: Matrix, _ x: [Double], transpose: Bool = false) -> [Double] {
  var y = [Double](repeating: 0, count: transpose ? a.columns : a.rows)
  for j in 0..<a.columns {
    for i in 0..<a.rows {
      if transpose { y[j] += a[i, j] * x[i] } else { y[i] += a[i, j] * x[j] }
    }
  }
  return y
}

/// The product `A·B` by plain loops.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
  var c = Matrix(validRows: a.rows, columns: b.columns)
  for j in 0..<b.columns {
    for k in 0..<a.columns {
      for i in 0..<a.rows { c[i, j] += a[i, k] * b[k, j] }
    }
  }
  return c
}

/// `a` with every element outside `triangle` set to zero.
func triangularPart(_ a: Matrix, _ triangle: Triangle) -> Matrix {
  var t = a
  for j in 0..<a.columns {
    for i in 0..<a.rows where triangle == .upper ? i > j : i < j { t[i, j] = 0 }
  }
  return t
}
