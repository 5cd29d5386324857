/// Timing on the monotonic clock: medians of repeated runs after a warm-up.

/// The clock of every benchmark: monotonic, unaffected by wall-clock changes.
let benchmarkClock = ContinuousClock()

extension Duration {
  /// The duration in milliseconds.
  var milliseconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) * 1e3 + Double(attoseconds) * 1e-15
  }
}

/// A running measurement on `benchmarkClock`, started when created.
///
/// ```swift
/// let input = uniquelyOwnedCopy(a)        // setup, not timed
/// let stopwatch = Stopwatch()
/// let lu = try LUFactorization(consume input)
/// let ms = stopwatch.elapsedMilliseconds
/// ```
struct Stopwatch {
  /// The instant the stopwatch was created.
  let start = benchmarkClock.now

  /// The milliseconds since `start`.
  var elapsedMilliseconds: Double { (benchmarkClock.now - start).milliseconds }
}

/// The median of `values` (the mean of the two middle ones for an even count).
///
/// - Precondition: `values` is not empty.
func median(_ values: [Double]) -> Double {
  precondition(!values.isEmpty, "median of no values")
  let sorted = values.sorted()
  let middle = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// The median time of `repeats` runs, after one untimed warm-up run.
///
/// `run` performs one repetition and returns the milliseconds it measured itself
/// (with a `Stopwatch`), so that per-run setup — such as a fresh copy of a matrix
/// that a factorization will overwrite — stays outside the measurement.
///
/// - Precondition: `repeats ≥ 1`.
func medianMilliseconds(repeats: Int, _ run: () throws -> Double) rethrows -> Double {
  precondition(repeats >= 1, "at least one repetition")
  _ = try run()
  var times: [Double] = []
  times.reserveCapacity(repeats)
  for _ in 0..<repeats { times.append(try run()) }
  return median(times)
}
