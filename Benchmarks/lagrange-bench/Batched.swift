import ArgumentParser
import CLAPACKE
import Foundation
import LagrangeProp

/// `lagrange-bench batched`: `Program.gradients(at:)` (the points spread over
/// every core, one workspace per worker) against the same gradients one after
/// another on one workspace, on an acyclic program (the blog chain) and on a
/// cyclic one (the Markov reward process, dense P, solved by Newton and one LU).
struct Batched: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "batched",
    abstract: "Batched gradients over every core vs serial calls.",
    discussion: """
      For each program: median time of `gradients(at: points)` and of the same points \
      through `gradient(at:workspace:)` in a loop, interleaved; the speed-up is their \
      ratio. Answers: every batched result equals the serial one bit for bit. Goal \
      (reported, never failing the command): speed-up ≥ \(formatPlain(Batched.speedUpGoal)) \
      on 2 cores.
      """
  )

  static let speedUpGoal = 1.8

  @OptionGroup var options: HarnessOptions

  @Option(help: "The number of points per batch.")
  var points: Int = 64

  @Option(help: "The blog chain's number of variables (6K + 3, rounded down to a whole step).")
  var chainVariables: Int = 100_000

  @Option(help: "The Markov reward process's number of states n (pure form).")
  var markovStates: Int = 500

  func validate() throws {
    guard points >= 1 else { throw ValidationError("--points must be positive, got \(points).") }
    guard chainVariables >= 9 else {
      throw ValidationError("--chain-variables must be at least 9, got \(chainVariables).")
    }
    guard markovStates >= 2 else {
      throw ValidationError("--markov-states must be at least 2, got \(markovStates).")
    }
  }

  func run() throws {
    let harness = options.harness(command: Self.configuration.commandName!)
    let report = try runBatched(
      points: points, chainSteps: (chainVariables - 3) / 6, markovStates: markovStates,
      harness: harness)
    try options.emit(report, harness: harness)
  }
}

let batchedColumns: [Column] = [
  Column("program", "program", .text),
  Column("variables", "variables", .integer),
  Column("points", "points", .integer),
  Column("serial_ms", "serial ms", .milliseconds),
  Column("batched_ms", "batched ms", .milliseconds),
  Column("speed_up", "speed-up", .ratio),
  Column("workers", "workers", .integer),
  Column("serial_cpu_ms", "serial CPU ms", .milliseconds),
  Column("batched_cpu_ms", "batched CPU ms", .milliseconds),
  Column("batched_system_ms", "batched sys ms", .milliseconds),
  Column("cpu_speed_up", "CPU-time speed-up", .ratio),
  Column("max_relative_difference", "max rel diff", .scientific),
  Column("check", "check", .text),
]

/// Runs `batched` and returns its report.
///
/// - Throws: an engine error (none expected).
func runBatched(points count: Int, chainSteps: Int, markovStates: Int, harness: Harness) throws
  -> BenchmarkReport
{
  var report = BenchmarkReport(command: "batched", machine: .current())
  let workers = min(count, ProcessInfo.processInfo.activeProcessorCount)
  report.parameters = [
    ("points", "\(count)"), ("workers", "\(workers)"),
    ("repeats", "\(harness.repeats) after \(harness.warmups) warm-up"),
  ]
  var table = ResultTable(
    name: "batched",
    title: "Gradients at \(count) points: serial (one workspace) vs gradients(at:) on every core",
    columns: batchedColumns)

  let chain = try BlogChain(steps: chainSteps)
  let chainPoints = (0..<count).map { k in
    [BlogChain.point[0] + 0.01 * Double(k), BlogChain.point[1] + 0.005 * Double(k)]
  }
  let markov = try MarkovReward(states: markovStates, seed: 11, form: .pure)
  let markovPoints = (0..<count).map { k in markov.inputs.map { $0 * (1 + 0.01 * Double(k)) } }
  let cases: [(name: String, program: Program, points: [[Double]])] = [
    ("blog chain (acyclic, .sweep)", chain.program, chainPoints),
    ("Markov n = \(markovStates) (cyclic, .automatic)", markov.program, markovPoints),
  ]
  var worst = (speedUp: Double.infinity, program: "")
  for (name, program, points) in cases {
    var serial: [GradientResult] = []
    var batched: [GradientResult] = []
    let timings = try harness.measureInterleaved([
      Contender("\(name) · serial") {
        serial = try program.gradients(at: points, maximumWorkers: 1)
        blackHole(serial.count)
      },
      Contender("\(name) · gradients(at:)") {
        batched = try program.gradients(at: points)
        blackHole(batched.count)
      },
    ])
    let speedUp = timings[0].median / timings[1].median
    if speedUp < worst.speedUp { worst = (speedUp, name) }
    // The process's CPU time (every thread): what the batch costs the machine,
    // whatever else runs on it. Serial with OpenBLAS single-threaded, as the workers.
    let threadsBefore = openblas_get_num_threads()
    openblas_set_num_threads(1)
    let serialCPU = try medianProcessCPU(runs: harness.repeats) {
      blackHole(try program.gradients(at: points, maximumWorkers: 1).count)
    }
    openblas_set_num_threads(threadsBefore)
    let batchedCPU = try medianProcessCPU(runs: harness.repeats) {
      blackHole(try program.gradients(at: points).count)
    }
    // The batch runs OpenBLAS single-threaded, and a multithreaded dgetrf sums in
    // another order: bit for bit against serial calls with one OpenBLAS thread,
    // to round-off against the timed serial calls.
    let threads = openblas_get_num_threads()
    openblas_set_num_threads(1)
    let singleThreaded = try program.gradients(at: points, maximumWorkers: 1)
    openblas_set_num_threads(threads)
    let answer = harness.deliver(batched.flatMap { $0.adjoints + $0.gradient }, path: "batched")
    let check = AnswerCheck(
      row: name, path: "gradients(at:)", answer: answer,
      reference: "serial calls, OpenBLAS single-threaded",
      expected: singleThreaded.flatMap { $0.adjoints + $0.gradient }, tolerance: 0)
    report.checks.append(check)
    report.checks.append(
      AnswerCheck(
        row: name, path: "gradients(at:)", answer: answer,
        reference: "serial calls, OpenBLAS threads \(threads)",
        expected: serial.flatMap { $0.adjoints + $0.gradient }, tolerance: 1e-12))
    table.rows.append([
      "program": .text(name), "variables": .integer(program.variableCount),
      "points": .integer(count), "serial_ms": .number(timings[0].milliseconds),
      "batched_ms": .number(timings[1].milliseconds), "speed_up": .number(speedUp),
      "workers": .integer(workers), "max_relative_difference": .number(check.relativeError),
      "serial_cpu_ms": .number(serialCPU.total * 1e3),
      "batched_cpu_ms": .number(batchedCPU.total * 1e3),
      "batched_system_ms": .number(batchedCPU.system * 1e3),
      "cpu_speed_up": .number(Double(workers) * serialCPU.total / batchedCPU.total),
      "check": .text(check.passed ? "ok" : "FAIL"),
    ])
  }
  report.tables = [table]
  report.goals = [
    GoalResult(
      goal: "speed-up ≥ \(formatPlain(Batched.speedUpGoal)) with \(workers) workers",
      met: worst.speedUp >= Batched.speedUpGoal,
      detail: String(format: "worst %.2f (%@)", worst.speedUp, worst.program))
  ]
  report.notes = [
    "serial = the same batch on one worker (the calling thread, OpenBLAS keeping its thread "
      + "count); gradients(at:) = one worker per core, each with its own workspace, OpenBLAS "
      + "single-threaded meanwhile.",
    "CPU ms = the process's CPU time (user + system, every thread; getrusage), median over the "
      + "repeats: serial with OpenBLAS single-threaded, batched on \(workers) workers; sys = its "
      + "system part (page faults, locks). CPU-time speed-up = workers × serial CPU / batched CPU: "
      + "the speed-up on otherwise idle cores if the work divides evenly — below the worker count "
      + "by exactly the CPU the batch spends beyond the serial calls (contention, faults); on a "
      + "machine shared with other jobs the wall-clock speed-up is lower.",
    "answers: bit for bit (tolerance 0) against serial calls with OpenBLAS single-threaded; "
      + "within 1e-12 against the timed serial calls (a multithreaded dgetrf rounds differently).",
  ]
  return report
}

/// The process's CPU seconds (user + system, every thread) taken by `body`,
/// median over `runs` runs, and the system part of the same run.
func medianProcessCPU(runs: Int, _ body: () throws -> Void) rethrows -> (
  total: Double, system: Double
) {
  func now() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return (seconds(usage.ru_utime), seconds(usage.ru_stime))
  }
  var samples: [(total: Double, system: Double)] = []
  for _ in 0..<max(1, runs) {
    let before = now()
    try body()
    let after = now()
    let system = after.system - before.system
    samples.append((after.user - before.user + system, system))
  }
  samples.sort { $0.total < $1.total }
  return samples[samples.count / 2]
}
