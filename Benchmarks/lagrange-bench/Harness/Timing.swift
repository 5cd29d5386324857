import Foundation

// Timing on the monotonic clock: warm-up, repeats, median / min / max.

/// The clock of every benchmark: monotonic, unaffected by wall-clock changes.
let benchmarkClock = ContinuousClock()

extension Duration {
  /// The duration in seconds.
  var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) * 1e-18
  }

  /// The duration in milliseconds.
  var milliseconds: Double { seconds * 1e3 }
}

/// A running measurement on `benchmarkClock`, started when created.
///
/// ```swift
/// let input = uniquelyOwnedCopy(a)        // setup, not timed
/// let stopwatch = Stopwatch()
/// let lu = try LUFactorization(consume input)
/// let seconds = stopwatch.elapsedSeconds
/// ```
struct Stopwatch {
  /// The instant the stopwatch was created.
  let start = benchmarkClock.now
  /// The calling thread's CPU time then, when `--clock thread-cpu` is in force.
  let startCPU = BenchmarkClockChoice.usesThreadCPUTime ? threadCPUSeconds() : 0

  /// The seconds since `start` (wall clock), or the calling thread's CPU seconds
  /// since then under `--clock thread-cpu`.
  var elapsedSeconds: Double {
    BenchmarkClockChoice.usesThreadCPUTime
      ? threadCPUSeconds() - startCPU : (benchmarkClock.now - start).seconds
  }

  /// The milliseconds since `start` (as `elapsedSeconds`).
  var elapsedMilliseconds: Double { elapsedSeconds * 1e3 }
}

/// `--clock`: what the stopwatches read. Set once, before any timing, by
/// `HarnessOptions.harness(command:)`.
enum BenchmarkClockChoice {
  /// Whether stopwatches read the calling thread's CPU time
  /// (`CLOCK_THREAD_CPUTIME_ID`): on a machine shared with other jobs it leaves
  /// out the time the thread waits for a core (it still counts the slowdown
  /// of shared caches and memory). Only for single-threaded calls: the time of
  /// other threads (OpenBLAS's, a batch's workers) is not counted.
  nonisolated(unsafe) static var usesThreadCPUTime = false
}

/// The calling thread's CPU time in seconds (user and system).
func threadCPUSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// The median of `values` (the mean of the two middle ones for an even count).
///
/// - Precondition: `values` is not empty.
func medianOf(_ values: [Double]) -> Double {
  precondition(!values.isEmpty, "median of no values")
  let sorted = values.sorted()
  let middle = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// The result of timing one operation: statistics over the timed samples, in
/// seconds per call.
struct Timing: Sendable, Equatable {
  /// The median over the samples.
  var median: Double
  /// The fastest sample.
  var minimum: Double
  /// The slowest sample.
  var maximum: Double
  /// Calls per sample: calls faster than the minimum sample time are repeated
  /// inside one sample and the sample divided by the count.
  var callsPerSample: Int
  /// The per-call seconds of each sample, in the order taken (for contenders
  /// timed in alternation, sample `r` is round `r`).
  var sampleSeconds: [Double]
  /// The number of timed samples (`--repeats`).
  var samples: Int { sampleSeconds.count }

  /// Statistics of per-call times (seconds), one per sample.
  init(samples values: [Double], callsPerSample: Int) {
    precondition(!values.isEmpty, "a timing needs at least one sample")
    median = medianOf(values)
    minimum = values.min()!
    maximum = values.max()!
    self.callsPerSample = callsPerSample
    sampleSeconds = values
  }

  /// The median in milliseconds.
  var milliseconds: Double { median * 1e3 }
}

/// The median over rounds of `numerator(round) / denominator(round)`, for
/// timings taken in alternation (`Harness.measureInterleaved`): each ratio
/// compares samples taken moments apart, so a slow phase of the machine that
/// lasts less than half the rounds does not move it, where it would move a
/// ratio of two medians if it slowed one path more than the other.
///
/// - Precondition: every timing has the same number of samples, at least one.
func medianRoundRatio(_ numerator: [Timing], over denominator: Timing) -> Double {
  let rounds = denominator.sampleSeconds.count
  precondition(rounds > 0, "a ratio needs at least one round")
  precondition(numerator.allSatisfy { $0.sampleSeconds.count == rounds }, "rounds differ")
  return medianOf(
    (0..<rounds).map { r in
      numerator.reduce(0) { $0 + $1.sampleSeconds[r] } / denominator.sampleSeconds[r]
    })
}
