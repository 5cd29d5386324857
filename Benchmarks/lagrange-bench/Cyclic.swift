import ArgumentParser
import CLAPACKE
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
      (a) markov: v = r + γPv with a dense constant P (see --markov-sizes): times of \
      solveConstraints (the forward solve), gradient(.lu) and gradient(.blockTriangular), \
      and of one LAPACKE_dgesv of the n × n system I − γP; the LU part's GFLOP/s (its \
      2n unknowns' dgetrf flops over gradient(.lu) − forward). Answers against the closed \
      form ∂f/∂r = (I − γP)⁻ᵀw, ∂f/∂γ = (∂f/∂r)ᵀPv, relative \
      \(formatScientific(Cyclic.tolerance)). \
      (b) cycles: programs of n variables made of cycles of length ≤ --max-cycle joined \
      acyclically: gradient(.blockTriangular), gradient(.lu) where n ≤ --dense-max-n, and \
      gradient(.sweep) on the acyclic twin of the same shape; answers: .lu against \
      .blockTriangular, and every gradient against forward mode (implicitJacobian()ᵀ w), \
      relative \(formatScientific(Cyclic.tolerance)). Goals (reported, never failing): \
      (a) gradient(.lu) within \(formatPlain(Cyclic.markovGoal))× of one dgesv; (b) slope \
      within 0.3 of 1 and within \(formatPlain(Cyclic.cycleGoal))× of the sweep per variable.
      """
  )

  static let tolerance = 1e-10
  static let markovGoal = 1.2
  static let cycleGoal = 10.0
  static let partNames = ["markov", "cycles"]

  @OptionGroup var options: HarnessOptions

  @Option(
    help: "Which parts to run: markov, cycles. (default: both)",
    transform: {
      try parsePathList($0, allowed: Cyclic.partNames, option: "--parts", noun: "part")
    })
  var parts: [String] = Cyclic.partNames

  @Option(
    help: ArgumentHelp(
      "Numbers of states of the Markov reward process. (default: 100,200,500,1000,2000,3000)",
      valueName: "n,n,..."),
    transform: parseSizeList)
  var markovSizes: [Int] = [100, 200, 500, 1000, 2000, 3000]

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

  @Option(help: "Seed of the random programs.")
  var seed: UInt64 = 5

  /// The cycle programs' sizes.
  var cycleSizes: [Int] { sizes ?? defaultSizes(minN: minN, maxN: maxN) }

  func validate() throws {
    if parts.contains("markov") {
      try validateSizes(markovSizes, option: "--markov-sizes", minimum: 2)
      for n in markovSizes where 8 * Double(2 * n) * Double(2 * n) > Double(options.denseLimit) {
        throw ValidationError(
          "--markov-sizes: n = \(n) states need a dense \(2 * n) × \(2 * n) matrix for .lu "
            + "(\(formatBytes(8 * Double(4 * n * n)))), over --dense-limit \(formatBytes(Double(options.denseLimit)))."
        )
      }
    }
    if parts.contains("cycles") {
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
  }

  func run() throws {
    let harness = options.harness(command: Self.configuration.commandName!)
    let report = try runCyclic(
      markovSizes: parts.contains("markov") ? markovSizes : [],
      cycleSizes: parts.contains("cycles") ? cycleSizes : [], maxCycle: maxCycle,
      denseMaxN: denseMaxN, seed: seed, fitTop: fitTop, harness: harness)
    try options.emit(report, harness: harness)
  }
}

let markovColumns: [Column] = [
  Column("n", "n", .integer),
  Column("unknowns", "unknowns", .integer, inTable: false),
  Column("edges", "edges", .integer, inTable: false),
  Column("forward_ms", "forward ms", .milliseconds),
  Column("lu_gradient_ms", "LU gradient ms", .milliseconds),
  Column("lu_part_ms", "LU part ms", .milliseconds, inTable: false),
  Column("dgetrf_ms", "dgetrf(2n) ms", .milliseconds),
  Column("lu_gflops", "dgetrf GFLOP/s", .decimals(1)),
  Column("block_gradient_ms", "blockTriangular ms", .milliseconds),
  Column("dgesv_ms", "dgesv ms", .milliseconds),
  Column("lu_over_dgesv", "LU/dgesv", .ratio),
  Column("block_over_dgesv", "block/dgesv", .ratio),
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
/// (both parts) and `sweep` (part b).
///
/// - Throws: an engine error (none expected on these programs).
func runCyclic(
  markovSizes: [Int], cycleSizes: [Int], maxCycle: Int = 32, denseMaxN: Int = 4096,
  seed: UInt64 = 5,
  fitTop: Int = 3, harness: Harness
) throws -> BenchmarkReport {
  var report = BenchmarkReport(command: "cyclic", machine: .current())
  report.parameters = [
    ("markov sizes", markovSizes.map(String.init).joined(separator: ",")),
    ("cycle sizes", cycleSizes.map(String.init).joined(separator: ",")),
    ("max cycle", "\(maxCycle)"), ("dense up to n", "\(denseMaxN)"), ("seed", "\(seed)"),
    ("repeats", "\(harness.repeats) after \(harness.warmups) warm-up"),
  ]
  var series: [Series] = []

  // MARK: (a) Markov reward
  if !markovSizes.isEmpty {
    var table = ResultTable(
      name: "markov",
      title:
        "(a) Markov reward v = r + γPv, dense P: median ms of a whole gradient (forward solve included)",
      columns: markovColumns)
    var luSeries = Series("Markov: gradient(.lu)", expectedSlope: 3)
    var blockSeries = Series("Markov: gradient(.blockTriangular)", expectedSlope: 3)
    var dgesvSeries = Series("Markov: one dgesv (n × n)", expectedSlope: 3)
    var worstRatio = (ratio: 0.0, n: 0)
    for n in markovSizes {
      let rowName = "markov n = \(n)"
      harness.progress("\(rowName): building the program")
      let markov = try MarkovReward(states: n, seed: seed)
      let program = markov.program
      var row: [String: Cell] = [
        "n": .integer(n), "unknowns": .integer(program.intermediateCount),
        "edges": .integer(program.edgeCount),
      ]
      let forward = try harness.measure("\(rowName) · forward solve") {
        blackHole(try program.solveConstraints(at: markov.inputs))
      }
      // The last timed call's gradient is the one checked (these calls are slow).
      var luGradient: [Double] = []
      let lu = try harness.measure("\(rowName) · gradient(.lu)") {
        luGradient = try program.gradient(at: markov.inputs, solver: .lu).gradient
        blackHole(luGradient)
      }
      var blockGradient: [Double] = []
      let block = try harness.measure("\(rowName) · gradient(.blockTriangular)") {
        blockGradient = try program.gradient(at: markov.inputs, solver: .blockTriangular).gradient
        blackHole(blockGradient)
      }
      let n32 = Int32(n)
      let system = markov.systemMatrix
      let dgesv = harness.measure(
        "\(rowName) · LAPACKE_dgesv", setup: { system + [] },
        body: { (input: consuming [Double]) in
          var a = input
          var y = markov.weights
          var pivots = [Int32](repeating: 0, count: n)
          let info = LAPACKE_dgesv(LAPACK_COL_MAJOR, n32, 1, &a, n32, &pivots, &y, n32)
          precondition(info == 0, "dgesv info \(info)")
          blackHole(y)
        })
      // The factorization .lu performs, timed on its own: LUFactorization of the
      // 2n × 2n non-input block of D (taken from the public jacobian()).
      let block2n = try nonInputBlock(
        of: try program.linearize(at: markov.inputs, solver: .lu).jacobian(limit: Int.max),
        program: program)
      let dgetrf = try harness.measure(
        "\(rowName) · dgetrf of D_zz", setup: { uniquelyOwnedCopy(block2n) },
        body: { (input: consuming Matrix) in blackHole(try LUFactorization(input).order) })
      let luPart = max(0, lu.median - forward.median)
      let m = Double(program.intermediateCount)
      row["forward_ms"] = .number(forward.milliseconds)
      row["lu_gradient_ms"] = .number(lu.milliseconds)
      row["lu_part_ms"] = .number(luPart * 1e3)
      row["dgetrf_ms"] = .number(dgetrf.milliseconds)
      row["lu_gflops"] = .number(2 * m * m * m / 3 / dgetrf.median / 1e9)
      row["block_gradient_ms"] = .number(block.milliseconds)
      row["dgesv_ms"] = .number(dgesv.milliseconds)
      row["lu_over_dgesv"] = .number(lu.median / dgesv.median)
      row["block_over_dgesv"] = .number(block.median / dgesv.median)
      row["timed_runs"] = .integer(min(forward.samples, lu.samples, block.samples))
      if n >= 1000, lu.median / dgesv.median > worstRatio.ratio {
        worstRatio = (lu.median / dgesv.median, n)
      }
      luSeries.add(n, lu.median)
      blockSeries.add(n, block.median)
      dgesvSeries.add(n, dgesv.median)

      let expected = markovClosedFormGradient(markov)
      let checks = [
        AnswerCheck(
          row: rowName, path: "lu",
          answer: harness.deliver(luGradient, path: "lu"),
          reference: "closed form (I − γP)⁻ᵀw", expected: expected, tolerance: Cyclic.tolerance),
        AnswerCheck(
          row: rowName, path: "blockTriangular",
          answer: harness.deliver(blockGradient, path: "blockTriangular"),
          reference: "closed form (I − γP)⁻ᵀw", expected: expected, tolerance: Cyclic.tolerance),
      ]
      report.checks += checks
      row["max_relative_difference"] = .number(checks.map(\.relativeError).max() ?? 0)
      row["check"] = .text(checks.allSatisfy(\.passed) ? "ok" : "FAIL")
      table.rows.append(row)
    }
    report.tables.append(table)
    series += [luSeries, blockSeries, dgesvSeries]
    report.goals.append(
      GoalResult(
        goal:
          "(a) gradient(.lu) within \(formatPlain(Cyclic.markovGoal))× of one dgesv of the same n (n ≥ 1000)",
        met: worstRatio.n > 0 && worstRatio.ratio <= Cyclic.markovGoal,
        detail: worstRatio.n > 0
          ? "worst \(String(format: "%.2f", worstRatio.ratio)) at n = \(worstRatio.n)"
          : "no n ≥ 1000 measured"))
    report.notes.append(
      "(a) dgetrf(2n) = LUFactorization of the 2n × 2n non-input block of D (the factorization "
        + "gradient(.lu) performs), timed on its own; GFLOP/s = ⅔(2n)³ / that time. The program has "
        + "2n unknowns (v and u = γv), so .lu factors a 2n × 2n matrix: 8× the flops of the n × n "
        + "dgesv. The rest of gradient(.lu) is the forward solve (Newton on the cyclic block). runs = timed runs after the warm-up "
        + "(fewer than --repeats when they would exceed --max-seconds-per-measurement).")
  }

  // MARK: (b) Short cycles joined acyclically
  if !cycleSizes.isEmpty {
    var table = ResultTable(
      name: "cycles",
      title: "(b) Cycles of length ≤ \(maxCycle) joined acyclically: median ms of a whole gradient",
      columns: cycleColumns)
    var blockSeries = Series("cycles: gradient(.blockTriangular)", expectedSlope: 1)
    var luSeries = Series("cycles: gradient(.lu)", expectedSlope: 3)
    var sweepSeries = Series("acyclic twin: gradient(.sweep)", expectedSlope: 1)
    var worstRatio = (ratio: 0.0, n: 0)
    var skipped: [Int] = []
    for n in cycleSizes {
      let rowName = "cycles n = \(n)"
      harness.progress("\(rowName): building the programs")
      let programs = try CyclePrograms(variables: n, maxCycle: maxCycle, seed: seed)
      let x = programs.inputs
      var row: [String: Cell] = [
        "n": .integer(n), "blocks": .integer(programs.blockCount),
        "edges": .integer(programs.cyclic.edgeCount),
      ]
      let forward = try harness.measure("\(rowName) · forward solve") {
        blackHole(try programs.cyclic.solveConstraints(at: x))
      }
      let block = try harness.measure("\(rowName) · gradient(.blockTriangular)") {
        blackHole(try programs.cyclic.gradient(at: x, solver: .blockTriangular).gradient)
      }
      let sweep = try harness.measure("\(rowName) · acyclic gradient(.sweep)") {
        blackHole(try programs.acyclic.gradient(at: x, solver: .sweep).gradient)
      }
      row["forward_ms"] = .number(forward.milliseconds)
      row["block_gradient_ms"] = .number(block.milliseconds)
      row["sweep_gradient_ms"] = .number(sweep.milliseconds)
      row["block_ns_per_variable"] = .number(block.median / Double(n) * 1e9)
      row["sweep_ns_per_variable"] = .number(sweep.median / Double(n) * 1e9)
      let ratio = block.median / sweep.median
      row["block_over_sweep"] = .number(ratio)
      if ratio > worstRatio.ratio { worstRatio = (ratio, n) }
      blockSeries.add(n, block.median)
      sweepSeries.add(n, sweep.median)

      // Answers: adjoint mode against forward mode (implicitJacobianᵀ w) on the same
      // linearization, and .lu against .blockTriangular where it runs.
      let blockLinearization = try programs.cyclic.linearize(at: x, solver: .blockTriangular)
      let blockGradient = harness.deliver(
        try blockLinearization.gradient().gradient, path: "blockTriangular")
      let sweepLinearization = try programs.acyclic.linearize(at: x, solver: .sweep)
      let sweepGradient = harness.deliver(try sweepLinearization.gradient().gradient, path: "sweep")
      var checks = [
        AnswerCheck(
          row: rowName, path: "blockTriangular", answer: blockGradient,
          reference: "forward mode (implicitJacobianᵀw)",
          expected: try forwardModeGradient(blockLinearization, weights: programs.weights),
          tolerance: Cyclic.tolerance),
        AnswerCheck(
          row: rowName, path: "sweep (acyclic twin)", answer: sweepGradient,
          reference: "forward mode (implicitJacobianᵀw)",
          expected: try forwardModeGradient(sweepLinearization, weights: programs.weights),
          tolerance: Cyclic.tolerance),
      ]
      if n <= denseMaxN && harness.denseFits(order: programs.cyclic.intermediateCount) {
        var luGradient: [Double] = []
        let lu = try harness.measure("\(rowName) · gradient(.lu)") {
          luGradient = try programs.cyclic.gradient(at: x, solver: .lu).gradient
          blackHole(luGradient)
        }
        row["lu_gradient_ms"] = .number(lu.milliseconds)
        luSeries.add(n, lu.median)
        checks.append(
          AnswerCheck(
            row: rowName, path: "lu",
            answer: harness.deliver(luGradient, path: "lu"), reference: "blockTriangular",
            expected: try blockLinearization.gradient().gradient,
            tolerance: Cyclic.tolerance))
      } else {
        skipped.append(n)
      }
      report.checks += checks
      row["max_relative_difference"] = .number(checks.map(\.relativeError).max() ?? 0)
      row["check"] = .text(checks.allSatisfy(\.passed) ? "ok" : "FAIL")
      table.rows.append(row)
    }
    report.tables.append(table)
    series += [blockSeries, luSeries, sweepSeries]
    if !skipped.isEmpty {
      report.notes.append(
        "(b) .lu skipped for n = \(skipped.map(String.init).joined(separator: ", ")) "
          + "(over --dense-max-n \(denseMaxN) or --dense-limit \(formatBytes(Double(harness.denseByteLimit))))."
      )
    }
    report.goals.append(
      GoalResult(
        goal:
          "(b) gradient(.blockTriangular) within \(formatPlain(Cyclic.cycleGoal))× of the acyclic sweep per variable",
        met: worstRatio.ratio <= Cyclic.cycleGoal,
        detail: "worst \(String(format: "%.2f", worstRatio.ratio)) at n = \(worstRatio.n)"))
    report.notes.append(
      "(b) block/sweep compares whole gradients (forward solve included): Newton on every cycle "
        + "against plain evaluation on the acyclic twin with the same ops and edges.")
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

/// The non-input block `D_zz` of a full constraint Jacobian `D` (declaration order):
/// the rows and columns of the program's intermediates.
func nonInputBlock(of d: Matrix, program: Program) throws -> Matrix {
  let inputs = Set(program.inputs.map(\.index))
  let keep = (0..<d.rows).filter { !inputs.contains($0) }
  var elements: [Double] = []
  elements.reserveCapacity(keep.count * keep.count)
  d.elements.withUnsafeBufferPointer { e in
    for j in keep {
      for i in keep { elements.append(e[i + j * d.rows]) }
    }
  }
  return try Matrix(rows: keep.count, columns: keep.count, columnMajor: elements)
}

/// `∂f/∂(γ, r)` of the Markov objective `wᵀv` in closed form: `y = (I − γP)⁻ᵀ w`
/// is `∂f/∂r`, and `∂f/∂γ = yᵀ P v` with `v = (I − γP)⁻¹ r` — one `dgetrf`, two `dgetrs`.
func markovClosedFormGradient(_ markov: MarkovReward) -> [Double] {
  let n = markov.states
  let n32 = Int32(n)
  var a = markov.systemMatrix
  var pivots = [Int32](repeating: 0, count: n)
  var info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, n32, n32, &a, n32, &pivots)
  precondition(info == 0, "dgetrf info \(info)")
  var v = Array(markov.inputs[1...])
  info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, cChar("N"), n32, 1, a, n32, pivots, &v, n32)
  precondition(info == 0, "dgetrs info \(info)")
  var y = markov.weights
  info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, cChar("T"), n32, 1, a, n32, pivots, &y, n32)
  precondition(info == 0, "dgetrs info \(info)")
  var dGamma = 0.0
  for i in 0..<n {
    var pv = 0.0
    for j in 0..<n { pv += markov.transition[i * n + j] * v[j] }
    dGamma += y[i] * pv
  }
  return [dGamma] + y
}

/// `∂f/∂x` by forward mode: `Σ_i w_i Z[i, j]` with `Z = implicitJacobian()` and
/// `w` the weights of a linear objective (declaration order).
func forwardModeGradient(_ linearization: Linearization, weights: [Double]) throws -> [Double] {
  let z = try linearization.implicitJacobian()
  return (0..<z.columns).map { j in
    var total = 0.0
    for i in 0..<z.rows { total += weights[i] * z[i, j] }
    return total
  }
}
