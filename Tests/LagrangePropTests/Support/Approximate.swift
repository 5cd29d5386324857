// Shared tolerance helpers for the whole test target.
//
// Every comparison states its tolerance and forwards `file:`/`line:` so that a
// failure points at the calling test, not at this file. Norms are the infinity
// norm (largest absolute entry, largest absolute row sum for a matrix).

import LagrangeProp
import XCTest

/// The smallest scale a relative comparison is taken against, so that comparing
/// with an exactly zero reference demands (nearly) exact zeros instead of
/// dividing by zero.
let tinyScale = Double.leastNormalMagnitude

/// LAPACK's relative machine precision `ε = 2⁻⁵³` (`dlamch('E')`), the unit of
/// the residual criterion. (`Double.ulpOfOne` is `2ε`.)
let lapackEpsilon = Double.ulpOfOne / 2

// MARK: - Norms

/// The infinity norm `max_i |v_i|` of a vector (`0` for an empty one).
///
/// NaN propagates: a vector holding NaN has norm NaN, so comparisons fail.
func infinityNorm(_ v: [Double]) -> Double {
  var best = 0.0
  for value in v {
    if value.isNaN { return .nan }
    best = Swift.max(best, abs(value))
  }
  return best
}

/// The infinity norm `max_i Σ_j |A[i, j]|` of a matrix (largest absolute row sum).
func infinityNorm(_ a: Matrix) -> Double {
  var rowSums = [Double](repeating: 0, count: a.rows)
  for j in 0..<a.columns {
    for i in 0..<a.rows { rowSums[i] += abs(a.elements[i + j * a.rows]) }
  }
  return infinityNorm(rowSums)
}

// MARK: - Approximate equality

/// `‖a − b‖∞ / max(‖b‖∞, floor)`, NaN if either holds NaN or the lengths differ.
func relativeDifference(_ a: [Double], _ b: [Double], floor: Double = tinyScale)
  -> Double
{
  guard a.count == b.count else { return .nan }
  var difference = 0.0
  var scale = 0.0
  for i in a.indices {
    let d = abs(a[i] - b[i])
    if d.isNaN { return .nan }
    difference = Swift.max(difference, d)
    scale = Swift.max(scale, abs(b[i]))
  }
  return difference / Swift.max(scale, floor)
}

/// Asserts `|a_i − b_i| ≤ relative · max(‖b‖∞, tiny)` for every `i` — a
/// normwise comparison of `a` with the reference `b`.
///
/// Fails if the counts differ or if either side holds NaN. The message names
/// the worst index and the observed normwise relative error.
func assertClose(
  _ a: [Double], _ b: [Double], relative: Double, _ message: @autoclosure () -> String = "",
  file: StaticString = #filePath, line: UInt = #line
) {
  guard a.count == b.count else {
    XCTFail("count \(a.count) ≠ \(b.count). \(message())", file: file, line: line)
    return
  }
  let scale = Swift.max(infinityNorm(b), tinyScale)
  var worst = 0.0
  var worstIndex = -1
  for i in a.indices {
    let difference = abs(a[i] - b[i])
    if difference.isNaN || a[i].isNaN || b[i].isNaN {
      XCTFail("NaN at index \(i): \(a[i]) vs \(b[i]). \(message())", file: file, line: line)
      return
    }
    if difference > worst || worstIndex < 0 { (worst, worstIndex) = (difference, i) }
  }
  guard worstIndex >= 0 else { return }
  if worst > relative * scale {
    XCTFail(
      "not close: index \(worstIndex): \(a[worstIndex]) vs \(b[worstIndex]); "
        + "relative error \(worst / scale) > \(relative). \(message())",
      file: file, line: line)
  }
}

/// Asserts two matrices have the same shape and are close elementwise,
/// relative to the largest absolute element of the reference `b` (see the array version).
func assertClose(
  _ a: Matrix, _ b: Matrix, relative: Double, _ message: @autoclosure () -> String = "",
  file: StaticString = #filePath, line: UInt = #line
) {
  guard a.rows == b.rows, a.columns == b.columns else {
    XCTFail(
      "shape \(a.rows) × \(a.columns) ≠ \(b.rows) × \(b.columns). \(message())",
      file: file, line: line)
    return
  }
  assertClose(a.elements, b.elements, relative: relative, message(), file: file, line: line)
}

/// Asserts `|a − b| ≤ relative · max(|b|, tiny)` for scalars.
func assertClose(
  _ a: Double, _ b: Double, relative: Double, _ message: @autoclosure () -> String = "",
  file: StaticString = #filePath, line: UInt = #line
) {
  assertClose([a], [b], relative: relative, message(), file: file, line: line)
}

// MARK: - LAPACK's residual criterion

/// LAPACK's normwise residual test for a computed solution `x` of `op(A)·x = b`:
///
///     ‖op(A)·x − b‖∞ / (‖op(A)‖∞ · ‖x‖∞ · n · ε),   ε = 2⁻⁵³,
///
/// with `op(A) = Aᵀ` when `transpose`. A backward-stable solver keeps it of
/// order one; LAPACK's own test suite flags values above its threshold (≈ 10–30).
/// The product is computed by plain loops, independently of BLAS. Returns `0`
/// when both the residual and the scale are zero, `.infinity` when only the
/// scale is, and NaN if anything is NaN.
///
/// - Precondition: `A` is `m × n` with `x.count` and `b.count` matching `op(A)`.
func residualCriterion(_ a: Matrix, _ x: [Double], _ b: [Double], transpose: Bool = false)
  -> Double
{
  let (outer, inner) = transpose ? (a.columns, a.rows) : (a.rows, a.columns)
  precondition(x.count == inner && b.count == outer, "residualCriterion: dimensions do not fit")
  var r = b.map { -$0 }
  var rowSums = [Double](repeating: 0, count: outer)
  a.elements.withUnsafeBufferPointer { e in
    for j in 0..<a.columns {
      for i in 0..<a.rows {
        let value = e[i + j * a.rows]
        if transpose {
          r[j] += value * x[i]
          rowSums[j] += abs(value)
        } else {
          r[i] += value * x[j]
          rowSums[i] += abs(value)
        }
      }
    }
  }
  let residual = infinityNorm(r)
  let scale = infinityNorm(rowSums) * infinityNorm(x) * Double(Swift.max(inner, 1)) * lapackEpsilon
  if residual.isNaN || scale.isNaN { return .nan }
  if residual == 0 { return 0 }
  return scale == 0 ? .infinity : residual / scale
}

/// The residual criterion for several right-hand sides: the largest value of
/// the vector criterion over the columns of `X` and `B`.
func residualCriterion(_ a: Matrix, _ x: Matrix, _ b: Matrix, transpose: Bool = false) -> Double {
  precondition(x.columns == b.columns, "residualCriterion: X and B differ in columns")
  var worst = 0.0
  for j in 0..<x.columns {
    let value = residualCriterion(a, x.column(j), b.column(j), transpose: transpose)
    if value.isNaN { return .nan }
    worst = Swift.max(worst, value)
  }
  return worst
}

/// Asserts LAPACK's residual criterion (see `residualCriterion`) is below `threshold`.
func assertSmallResidual(
  _ a: Matrix, _ x: [Double], _ b: [Double], transpose: Bool = false, threshold: Double = 10,
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
  let value = residualCriterion(a, x, b, transpose: transpose)
  XCTAssertTrue(
    value < threshold,
    "residual criterion \(value) ≥ \(threshold) (n = \(x.count), transpose \(transpose)). \(message())",
    file: file, line: line)
}

/// Asserts LAPACK's residual criterion is below `threshold` for every column of `X`, `B`.
func assertSmallResidual(
  _ a: Matrix, _ x: Matrix, _ b: Matrix, transpose: Bool = false, threshold: Double = 10,
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
  let value = residualCriterion(a, x, b, transpose: transpose)
  XCTAssertTrue(
    value < threshold,
    "residual criterion \(value) ≥ \(threshold) (n = \(x.rows), \(x.columns) right-hand sides, "
      + "transpose \(transpose)). \(message())",
    file: file, line: line)
}

// MARK: - Errors

/// Asserts that `body` throws exactly `expected`.
func assertThrows<E: Error & Equatable>(
  _ expected: E, _ message: @autoclosure () -> String = "",
  file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
) {
  do {
    try body()
    XCTFail("expected \(expected), nothing was thrown. \(message())", file: file, line: line)
  } catch let error as E {
    XCTAssertEqual(error, expected, message(), file: file, line: line)
  } catch {
    XCTFail("expected \(expected), got \(error). \(message())", file: file, line: line)
  }
}

/// The error `body` throws, or `nil` (for checks on part of an error, e.g. only
/// its case): `guard case .dimensionMismatch? = thrownError { … } as? LinearAlgebraError`.
func thrownError(_ body: () throws -> Void) -> Error? {
  do {
    try body()
    return nil
  } catch {
    return error
  }
}
