import Foundation

/// What every benchmark runs under: how to time a call, how large a dense
/// matrix may be, where progress goes, and (for tests) an answer to corrupt.
///
/// Subcommands build one from their `HarnessOptions`; tests build one
/// directly (one repeat, no progress) and call the subcommands' run functions.
///
/// ```swift
/// let harness = Harness(repeats: 5)
/// let timing = try harness.measure("lu") { blackHole(try lin.adjoints()) }
/// ```
struct Harness: Sendable {
  /// Timed samples per measurement (`--repeats`), after the warm-up.
  var repeats: Int = 5
  /// Untimed calls before the samples (the first also calibrates batching).
  var warmups: Int = 1
  /// A sample shorter than this repeats the call inside the sample (batching),
  /// so that the clock's resolution and call overhead do not dominate.
  var minimumSampleSeconds: Double = 0.005
  /// The most calls one sample may batch.
  var maximumCallsPerSample: Int = 100_000
  /// A measurement whose warm-up shows that `repeats` samples would take longer
  /// than this takes fewer samples (at least one); `Timing.samples` says how many.
  var maximumSecondsPerMeasurement: Double = 30
  /// The largest dense matrix (`8·m²` bytes) that a dense path may allocate.
  var matrixByteLimit: Int = 2 << 30
  /// Whether progress messages go to standard error.
  var showsProgress: Bool = false
  /// The command name, prefixed to progress messages.
  var command: String = "lagrange-bench"
  /// Test hook: perturbs one path's answer before it is checked.
  var corruption: Corruption? = nil

  // MARK: - Timing

  /// Times `body`: `warmups` untimed calls, then `repeats` samples; each sample
  /// batches enough calls to last `minimumSampleSeconds`. Returns seconds per call.
  ///
  /// - Parameter label: shown in the progress line.
  func measure(_ label: String, _ body: () throws -> Void) rethrows -> Timing {
    try measureBatches(label, maximumCalls: maximumCallsPerSample) { calls in
      try timeBatch(calls, body)
    }
  }

  /// Times calls that need fresh, untimed input each time (e.g. a matrix that a
  /// factorization overwrites): `setup` runs outside the clock, `body` inside.
  /// Fast calls are batched like `measure(_:_:)` (at most 1 000 inputs per
  /// sample), with all of a sample's inputs prepared before its clock starts.
  func measure<Input>(
    _ label: String, setup: () throws -> Input, body: (consuming Input) throws -> Void
  ) rethrows -> Timing {
    try measureBatches(label, maximumCalls: min(maximumCallsPerSample, 1_000)) { calls in
      try timeBatch(calls, setup: setup, body: body)
    }
  }

  /// Times several contenders in turn — one sample of each per round, the order
  /// rotating from round to round — so that a ratio between them is not skewed
  /// by the machine's load drifting between two separate measurements. Each is
  /// warmed up and batched like `measure(_:_:)`; the time budget applies to a round.
  func measureInterleaved(_ contenders: [Contender]) throws -> [Timing] {
    var calls: [Int] = []
    var roundSeconds = 0.0
    for contender in contenders {
      progress("\(contender.label) (warm-up)")
      var seconds = 0.0
      for _ in 0..<max(1, warmups) { seconds = try contender.run(1) }
      let count = callsPerSample(
        secondsPerCall: seconds,
        maximumCalls: min(maximumCallsPerSample, contender.maximumCallsPerSample))
      calls.append(count)
      roundSeconds += seconds * Double(count)
    }
    let rounds = samplesWithinBudget(secondsPerSample: roundSeconds)
    var samples = [[Double]](repeating: [], count: contenders.count)
    for round in 0..<rounds {
      progress(
        contenders.map(\.label).joined(separator: " / ") + " (round \(round + 1) of \(rounds))")
      for offset in contenders.indices {
        let i = (offset + round) % contenders.count
        samples[i].append(try contenders[i].run(calls[i]) / Double(calls[i]))
      }
    }
    return contenders.indices.map { Timing(samples: samples[$0], callsPerSample: calls[$0]) }
  }

  // MARK: - Calibration

  /// The one timing loop behind `measure`: `warmups` untimed batches of one call
  /// (the first calibrates the batch size and the number of samples), then the
  /// samples. `run(calls)` performs `calls` calls and returns the seconds they took.
  private func measureBatches(
    _ label: String, maximumCalls: Int, _ run: (_ calls: Int) throws -> Double
  ) rethrows -> Timing {
    progress(label)
    var calls = 1
    var sampleCount = repeats
    for warmup in 0..<max(1, warmups) {
      let seconds = try run(1)
      if warmup == 0 {
        calls = callsPerSample(secondsPerCall: seconds, maximumCalls: maximumCalls)
        sampleCount = samplesWithinBudget(secondsPerSample: seconds * Double(calls))
      }
    }
    var samples: [Double] = []
    samples.reserveCapacity(sampleCount)
    for _ in 0..<sampleCount { samples.append(try run(calls) / Double(calls)) }
    return Timing(samples: samples, callsPerSample: calls)
  }

  /// How many calls one sample batches: enough to last `minimumSampleSeconds`
  /// for a call that took `secondsPerCall` in the warm-up, between 1 and `maximumCalls`.
  func callsPerSample(secondsPerCall seconds: Double, maximumCalls: Int) -> Int {
    guard seconds < minimumSampleSeconds else { return 1 }
    let calls = (minimumSampleSeconds / max(seconds, 1e-8)).rounded(.up)
    return Int(min(max(calls, 1), Double(max(maximumCalls, 1))))
  }

  /// `repeats`, or fewer (at least one) if they would exceed the time budget.
  func samplesWithinBudget(secondsPerSample: Double) -> Int {
    guard secondsPerSample * Double(repeats) > maximumSecondsPerMeasurement else { return repeats }
    return max(1, min(repeats, Int(maximumSecondsPerMeasurement / max(secondsPerSample, 1e-9))))
  }

  // MARK: - Progress

  /// Writes a progress message (which size, which path) to standard error, never
  /// to standard output. On a terminal the line is rewritten in place.
  func progress(_ message: String) {
    guard showsProgress else { return }
    Progress.write("\(command): \(message)")
  }

  /// Ends the progress line (on a terminal), before the report is printed.
  func finishProgress() {
    guard showsProgress else { return }
    Progress.finish()
  }

  // MARK: - Answers

  /// The answer of `path` as the check will see it: unchanged, unless the
  /// corruption hook names this path (tests use it to show that checks fail).
  func deliver(_ answer: [Double], path: String) -> [Double] {
    guard let corruption, corruption.path == path else { return answer }
    return corruption.apply(to: answer)
  }

  /// Whether a dense `m × m` matrix fits under `matrixByteLimit`.
  func denseFits(order m: Int) -> Bool {
    let (square, o1) = m.multipliedReportingOverflow(by: m)
    let (bytes, o2) = square.multipliedReportingOverflow(by: 8)
    return !o1 && !o2 && bytes <= matrixByteLimit
  }
}

/// One of the calls `Harness.measureInterleaved` times in turn.
struct Contender {
  /// Shown in the progress line.
  var label: String
  /// Runs `calls` calls and returns the seconds they took (setup excluded).
  var run: (_ calls: Int) throws -> Double
  /// The most calls one sample may batch (lower when each call needs a fresh input).
  var maximumCallsPerSample: Int

  /// A call without per-call setup.
  init(_ label: String, _ body: @escaping () throws -> Void) {
    self.label = label
    maximumCallsPerSample = Int.max
    run = { calls in try timeBatch(calls, body) }
  }

  /// A call that consumes a fresh input, prepared by `setup` outside the clock.
  init<Input>(
    _ label: String, setup: @escaping () throws -> Input,
    body: @escaping (consuming Input) throws -> Void
  ) {
    self.label = label
    maximumCallsPerSample = 1_000
    run = { calls in try timeBatch(calls, setup: setup, body: body) }
  }
}

/// Runs `body` `calls` times on the benchmark clock and returns the seconds taken.
func timeBatch(_ calls: Int, _ body: () throws -> Void) rethrows -> Double {
  let stopwatch = Stopwatch()
  for _ in 0..<calls { try body() }
  return stopwatch.elapsedSeconds
}

/// Prepares `calls` inputs with `setup` (not timed), then times `body` on each and
/// returns the seconds taken. `popLast` hands each input over uniquely referenced:
/// no copy-on-write inside the clock.
func timeBatch<Input>(
  _ calls: Int, setup: () throws -> Input, body: (consuming Input) throws -> Void
) rethrows -> Double {
  var inputs: [Input] = []
  inputs.reserveCapacity(calls)
  for _ in 0..<calls { inputs.append(try setup()) }
  let stopwatch = Stopwatch()
  while let input = inputs.popLast() { try body(input) }
  return stopwatch.elapsedSeconds
}

/// A deliberate error injected into one path's answer (test hook).
struct Corruption: Sendable, Equatable {
  /// The path whose answer is perturbed (e.g. `"lu"`).
  var path: String
  /// The perturbation, relative to the answer's largest entry.
  var relativeSize: Double = 1e-6

  /// `answer` with `relativeSize · max(‖answer‖∞, 1)` added to its largest entry.
  func apply(to answer: [Double]) -> [Double] {
    guard !answer.isEmpty else { return [1] }
    var corrupted = answer
    var worst = 0
    for i in answer.indices where abs(answer[i]) > abs(answer[worst]) { worst = i }
    corrupted[worst] += relativeSize * max(abs(answer[worst]), 1)
    return corrupted
  }
}

/// Progress on standard error: one rewritten line on a terminal, plain lines otherwise.
enum Progress {
  private static let isTerminal = isatty(STDERR_FILENO) != 0
  nonisolated(unsafe) private static var lineIsOpen = false

  static func write(_ message: String) {
    if isTerminal {
      FileHandle.standardError.write(Data("\r\u{1B}[K\(message)".utf8))
      lineIsOpen = true
    } else {
      FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
  }

  static func finish() {
    if isTerminal && lineIsOpen {
      FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
      lineIsOpen = false
    }
  }
}
