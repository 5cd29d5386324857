import Foundation

/// One comparison of a path's answer with a reference answer.
///
/// The measure is normwise: `‖a − b‖∞ / max(‖b‖∞, tiny)`, `b` the reference.
/// NaN anywhere, or vectors of different lengths, never pass.
struct AnswerCheck: Sendable, Equatable {
  /// The measured row, e.g. `n = 1024`.
  var row: String
  /// The path whose answer is checked, e.g. `lu`.
  var path: String
  /// What it is checked against, e.g. `sweep` or `central difference`.
  var reference: String
  /// The normwise relative difference.
  var relativeError: Double
  /// The largest difference allowed.
  var tolerance: Double

  /// Whether the difference is within the tolerance (never for NaN).
  var passed: Bool { relativeError <= tolerance }

  /// `path` at `row` against `reference`, with the difference of `answer` and `expected`.
  init(
    row: String, path: String, answer: [Double], reference: String, expected: [Double],
    tolerance: Double
  ) {
    self.init(
      row: row, path: path, reference: reference,
      relativeError: relativeDifference(answer, expected), tolerance: tolerance)
  }

  /// A check whose difference was measured elsewhere (e.g. a residual ratio).
  init(row: String, path: String, reference: String, relativeError: Double, tolerance: Double) {
    self.row = row
    self.path = path
    self.reference = reference
    self.relativeError = relativeError
    self.tolerance = tolerance
  }

  /// A line for the failure report.
  var description: String {
    "\(row): \(path) vs \(reference): relative difference \(formatScientific(relativeError)) "
      + (passed ? "≤" : "exceeds") + " \(formatScientific(tolerance))"
  }
}

/// `‖a − b‖∞ / max(‖b‖∞, tiny)`: NaN if either holds NaN, infinity if the
/// counts differ.
func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
  guard a.count == b.count else { return .infinity }
  var difference = 0.0
  var scale = 0.0
  for i in a.indices {
    let d = abs(a[i] - b[i])
    if d.isNaN || a[i].isNaN || b[i].isNaN { return .nan }
    difference = max(difference, d)
    scale = max(scale, abs(b[i]))
  }
  return difference / max(scale, Double.leastNormalMagnitude)
}

/// `value` as `1.2e-15` (NaN and infinities spelled out).
func formatScientific(_ value: Double) -> String {
  if value.isNaN { return "NaN" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  if value == 0 { return "0" }
  return String(format: "%.1e", value)
}
