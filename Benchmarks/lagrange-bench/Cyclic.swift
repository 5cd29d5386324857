import ArgumentParser
import Foundation
import LagrangeProp

/// `lagrange-bench cyclic`: gradients of programs with cycles — (a) a Markov
/// reward process with a dense transition matrix against one `dgesv`, (b) many
/// short cycles joined acyclically, block-triangular against LU and against the
/// sweep on an acyclic program of the same shape.
struct Cyclic: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cyclic",
    abstract:
      "Cyclic programs: Markov reward (.lu vs one dgesv) and short cycles (.blockTriangular vs .lu vs the sweep).",
    discussion: """
      (a) markov: v = r + γPv with a dense constant P and γ = 0.9 (see --markov-sizes). \
      --markov-form pure (default): inputs r only, γ folded into the coefficients, one \
      .linear constraint per state — n unknowns forming one affine cyclic block of \
      feedback variables, so .lu reuses the forward solve's LU of S = D_zzᵀ (one n × n \
      dgetrf in all). --markov-form gamma-input: γ is an input too, u_j = γ·v_j product \
      nodes — 2n unknowns, so .lu factors a 2n × 2n D_zz (8× the flops of dgesv; the \
      goal cannot be met by construction). Times of solveConstraints (the forward \
      solve), gradient(.lu), gradient(.blockTriangular) and one LAPACKE_dgesv of the \
      n × n system I − γP, measured in alternation; LU/dgesv and block/dgesv; the \
      dgetrf GFLOP/s, ⅔m³ over the time of one LUFactorization of the m × m matrix .lu \
      factors (m = n: I − γP; m = 2n: D_zz), timed on its own. Answers against the \
      closed form ∂f/∂r = (I − γP)⁻ᵀw (and ∂f/∂γ = (∂f/∂r)ᵀPv in the gamma-input \
      form), and the forward values against v = (I − γP)⁻¹r, relative \
      \(formatScientific(Cyclic.tolerance)). \
      (b) cycles: programs of n variables made of cycles of length ≤ --max-cycle joined \
      acyclically: gradient(.blockTriangular), gradient(.lu) where n ≤ --dense-max-n, and \
      gradient(.sweep) on the acyclic twin of the same shape; answers: .lu against \
      .blockTriangular, and every gradient against forward mode (implicitJacobian()ᵀ w), \
      relative \(formatScientific(Cyclic.tolerance)). Goals (reported, never failing): \
      (a) gradient(.lu) within \(formatPlain(Cyclic.markovGoal))× of one dgesv (n ≥ 1000); \
      (b) slope within 0.3 of 1 and within \(formatPlain(Cyclic.cycleGoal))× of the sweep \
      per variable.
      """
  )

  static let tolerance = 1e-10
  static let markovGoal = 1.2
  static let cycleGoal = 10.0
  /// A part `--parts` can run.
  enum Part: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// (a) The Markov reward process, `v = r + γPv`.
    case markov
    /// (b) Programs of many small cycles.
    case cycles
  }

  @OptionGroup var options: HarnessOptions

  @Option(
    help: "Which parts to run: markov, cycles. (default: both)",
    transform: { try parseChoiceList($0, option: "--parts", noun: "part") })
  var parts: [Part] = Part.allCases

  @Option(
    help: ArgumentHelp(
      "Numbers of states of the Markov reward process. (default: 100,200,500,1000,2000,3000)",
      valueName: "n,n,..."),
    transform: parseSizeList)
  var markovSizes: [Int] = [100, 200, 500, 1000, 2000, 3000]

  @Option(
    help: ArgumentHelp(
      "How part (a) writes v = r + γPv: pure (inputs r, γ = 0.9 in the coefficients: n unknowns, one LU) or gamma-input (γ an input, u = γv products: 2n unknowns).",
      valueName: "form"))
  var markovForm: MarkovForm = .pure

  @Option(help: "The smallest n of the cycle programs.")
  var minN: Int = 1000

  @Option(help: "The largest n of the cycle programs (the decades from --min-n).")
  var maxN: Int = 1_000_000

  @Option(
    help: ArgumentHelp(
      "Explicit sizes of the cycle programs, instead of --min-n…--max-n.", valueName: "n,n,..."),
    transform: parseSizeList)
  var sizes: [Int]?

  @Option(help: "The longest cycle of the cycle programs.")
  var maxCycle: Int = 32

  @Option(help: "Dense .lu runs on the cycle programs only up to this n.")
  var denseMaxN: Int = 4096

  @Option(help: "How many of the largest sizes the slope fit uses.")
  var fitTop: Int = 3

  @Option(
    help: ArgumentHelp(
      "Only time one Markov path at the largest --markov-sizes, call after call, for a profiler such as `perf record` (no table, no checks).",
      valueName: "path"))
  var profile: MarkovProfilePath?

  @Option(help: "The calls of --profile.")
  var profileCalls: Int = 10

  @Option(help: "Seed of the random programs.")
  var seed: UInt64 = 5

  /// The cycle programs' sizes.
  var cycleSizes: [Int] { sizes ?? defaultSizes(minN: minN, maxN: maxN) }

  func validate() throws {
    if parts.contains(.markov) {
      try validateSizes(markovSizes, option: "--markov-sizes", minimum: 2)
      for n in markovSizes {
        let m = Double(markovForm.luOrder(states: n))
        guard 8 * m * m <= Double(options.denseLimit) else {
          throw ValidationError(
            "--markov-sizes: n = \(n) states need a dense \(Int(m)) × \(Int(m)) matrix for .lu "
              + "in the \(markovForm.rawValue) form (\(formatBytes(8 * m * m))), over --dense-limit "
              + "\(formatBytes(Double(options.denseLimit))).")
        }
      }
    }
    if parts.contains(.cycles) {
      guard minN >= 1, maxN >= 1 else {
        throw ValidationError("--min-n and --max-n must be positive.")
      }
      guard maxN >= minN else {
        throw ValidationError("--max-n (\(maxN)) must be at least --min-n (\(minN)).")
      }
      try validateSizes(
        cycleSizes, option: sizes == nil ? "--min-n" : "--sizes", minimum: 6,
        what: " (4 inputs and a cycle)")
      guard maxCycle >= 2 else {
        throw ValidationError("--max-cycle must be at least 2, got \(maxCycle).")
      }
    }
    guard denseMaxN >= 0 else {
      throw ValidationError("--dense-max-n must not be negative, got \(denseMaxN).")
    }
    guard fitTop >= 2 else { throw ValidationError("--fit-top must be at least 2, got \(fitTop).") }
    guard profileCalls >= 1 else {
      throw ValidationError("--profile-calls must be positive, got \(profileCalls).")
    }
  }

  func run() throws {
    let harness = options.harness(command: Self.configuration.commandName!)
    if let profile {
      try runMarkovProfile(
        profile, states: markovSizes.max() ?? 2, form: markovForm, seed: seed, calls: profileCalls)
      return
    }
    let report = try runCyclic(
      markovSizes: parts.contains(.markov) ? markovSizes : [], markovForm: markovForm,
      cycleSizes: parts.contains(.cycles) ? cycleSizes : [], maxCycle: maxCycle,
      denseMaxN: denseMaxN, seed: seed, fitTop: fitTop, harness: harness)
    try options.emit(report, harness: harness)
  }
}

extension MarkovForm: ExpressibleByArgument {}

let markovColumns: [Column] = [
  Column("n", "n", .integer),
  Column("unknowns", "unknowns", .integer, inTable: false),
  Column("edges", "edges", .integer, inTable: false),
  Column("forward_ms", "forward ms", .milliseconds),
  Column("lu_gradient_ms", "LU gradient ms", .milliseconds),
  Column("block_gradient_ms", "blockTriangular ms", .milliseconds),
  Column("dgesv_ms", "dgesv ms", .milliseconds),
  Column("lu_over_dgesv", "LU/dgesv", .ratio),
  Column("block_over_dgesv", "block/dgesv", .ratio),
  Column("automatic_workspace_ms", "auto ws ms", .milliseconds),
  Column("automatic_workspace_over_dgesv", "auto ws/dgesv", .ratio),
  Column("lu_part_ms", "LU part ms", .milliseconds, inTable: false),
  Column("lu_order", "LU order", .integer),
  Column("dgetrf_ms", "dgetrf ms", .milliseconds),
  Column("lu_gflops", "dgetrf GFLOP/s", .decimals(1)),
  Column("timed_runs", "runs", .integer),
  Column("max_relative_difference", "max rel diff", .scientific),
  Column("check", "check", .text),
]

let cycleColumns: [Column] = [
  Column("n", "n", .integer),
  Column("blocks", "blocks", .integer),
  Column("edges", "edges", .integer, inTable: false),
  Column("forward_ms", "forward ms", .milliseconds),
  Column("block_gradient_ms", "blockTriangular ms", .milliseconds),
  Column("lu_gradient_ms", "LU ms", .milliseconds),
  Column("sweep_gradient_ms", "acyclic sweep ms", .milliseconds),
  Column("block_ns_per_variable", "block ns/var", .decimals(1)),
  Column("sweep_ns_per_variable", "sweep ns/var", .decimals(1)),
  Column("block_over_sweep", "block/sweep", .ratio),
  Column("max_relative_difference", "max rel diff", .scientific),
  Column("check", "check", .text),
]

/// Runs `cyclic` and returns its report. Corruption paths: `lu`, `blockTriangular`
/// (both parts), `forward` (part a: the values `v`) and `sweep` (part b).
///
/// - Throws: an engine error (none expected on these programs).
func runCyclic(
  markovSizes: [Int], markovForm: MarkovForm = .pure, cycleSizes: [Int], maxCycle: Int = 32,
  denseMaxN: Int = 4096,
  seed: UInt64 = 5,
  fitTop: Int = 3, harness: Harness
) throws -> BenchmarkReport {
  var report = BenchmarkReport(command: "cyclic", machine: .current())
  report.parameters = [
    ("markov sizes", markovSizes.map(String.init).joined(separator: ",")),
    ("markov form", markovForm.rawValue),
    ("cycle sizes", cycleSizes.map(String.init).joined(separator: ",")),
    ("max cycle", "\(maxCycle)"), ("dense up to n", "\(denseMaxN)"), ("seed", "\(seed)"),
    ("repeats", "\(harness.repeats) after \(harness.warmups) warm-up"),
  ]
  var series: [Series] = []

  if !markovSizes.isEmpty {
    series += try runMarkovPart(
      sizes: markovSizes, form: markovForm, seed: seed, harness: harness, report: &report)
  }
  if !cycleSizes.isEmpty {
    series += try runCyclesPart(
      sizes: cycleSizes, maxCycle: maxCycle, denseMaxN: denseMaxN, seed: seed, harness: harness,
      report: &report)
  }

  report.series = series.filter { !$0.points.isEmpty }
  report.plotTitle = "Cyclic programs: Markov reward (dense) and short cycles (block-triangular)"
  report.plotXLabel = "n (states for Markov, variables for cycles)"
  report.fitSlopes(top: fitTop)
  if let fit = report.slopes.first(where: { $0.series == "cycles: gradient(.blockTriangular)" }) {
    report.goals.append(
      GoalResult(
        goal: "(b) gradient(.blockTriangular) slope within 0.3 of 1",
        met: abs(fit.slope - 1) <= 0.3,
        detail: String(format: "slope %.2f", fit.slope)))
  }
  return report
}
