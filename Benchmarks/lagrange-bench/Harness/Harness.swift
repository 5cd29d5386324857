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
    progress(label)
    var calls = 1
    var sampleCount = repeats
    for warmup in 0..<max(1, warmups) {
      let stopwatch = Stopwatch()
      try body()
      let seconds = stopwatch.elapsedSeconds
      if warmup == 0 && seconds < minimumSampleSeconds {
        calls = Int((minimumSampleSeconds / max(seconds, 1e-8)).rounded(.up))
        calls = min(max(calls, 1), maximumCallsPerSample)
      }
      if warmup == 0 {
        sampleCount = samplesWithinBudget(secondsPerSample: seconds * Double(calls))
      }
    }
    var samples: [Double] = []
    samples.reserveCapacity(sampleCount)
    for _ in 0..<sampleCount {
      let stopwatch = Stopwatch()
      for _ in 0..<calls { try body() }
      samples.append(stopwatch.elapsedSeconds / Double(calls))
    }
    return Timing(samples: samples, callsPerSample: calls)
  }

  /// Times calls that need fresh, untimed input each time (e.g. a matrix that a
  /// factorization overwrites): `setup` runs outside the clock, `body` inside.
  /// Fast calls are batched like `measure(_:_:)`, with all of a sample's
  /// inputs prepared before its clock starts.
  func measure<Input>(
    _ label: String, setup: () throws -> Input, body: (consuming Input) throws -> Void
  ) rethrows -> Timing {
    progress(label)
    var calls = 1
    var sampleCount = repeats
    for warmup in 0..<max(1, warmups) {
      let input = try setup()
      let stopwatch = Stopwatch()
      try body(input)
      let seconds = stopwatch.elapsedSeconds
      if warmup == 0 && seconds < minimumSampleSeconds {
        calls = Int((minimumSampleSeconds / max(seconds, 1e-8)).rounded(.up))
        calls = min(max(calls, 1), maximumCallsPerSample, 1_000)
      }
      if warmup == 0 {
        sampleCount = samplesWithinBudget(secondsPerSample: seconds * Double(calls))
      }
    }
    var samples: [Double] = []
    samples.reserveCapacity(sampleCount)
    for _ in 0..<sampleCount {
      var inputs: [Input] = []
      inputs.reserveCapacity(calls)
      for _ in 0..<calls { inputs.append(try setup()) }
      let stopwatch = Stopwatch()
      // `popLast` hands each input over uniquely referenced: no copy-on-write inside the clock.
      while let input = inputs.popLast() { try body(input) }
      samples.append(stopwatch.elapsedSeconds / Double(calls))
    }
    return Timing(samples: samples, callsPerSample: calls)
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
      var count = 1
      if seconds < minimumSampleSeconds {
        count = Int((minimumSampleSeconds / max(seconds, 1e-8)).rounded(.up))
        count = min(max(count, 1), maximumCallsPerSample, contender.maximumCallsPerSample)
      }
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
    run = { calls in
      let stopwatch = Stopwatch()
      for _ in 0..<calls { try body() }
      return stopwatch.elapsedSeconds
    }
  }

  /// A call that consumes a fresh input, prepared by `setup` outside the clock.
  init<Input>(
    _ label: String, setup: @escaping () throws -> Input,
    body: @escaping (consuming Input) throws -> Void
  ) {
    self.label = label
    maximumCallsPerSample = 1_000
    run = { calls in
      var inputs: [Input] = []
      inputs.reserveCapacity(calls)
      for _ in 0..<calls { inputs.append(try setup()) }
      let stopwatch = Stopwatch()
      while let input = inputs.popLast() { try body(input) }
      return stopwatch.elapsedSeconds
    }
  }
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
