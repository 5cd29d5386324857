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

  @Option(help: "Seed of the random programs.")
  var seed: UInt64 = 5

  /// The cycle programs' sizes.
  var cycleSizes: [Int] { sizes ?? defaultSizes(minN: minN, maxN: maxN) }

  func validate() throws {
    if parts.contains("markov") {
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
      markovSizes: parts.contains("markov") ? markovSizes : [], markovForm: markovForm,
      cycleSizes: parts.contains("cycles") ? cycleSizes : [], maxCycle: maxCycle,
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

  // MARK: (a) Markov reward
  if !markovSizes.isEmpty {
    let formTitle =
      markovForm == .pure
      ? "pure form (inputs r, γ = 0.9 in the coefficients, n unknowns)"
      : "γ-input form (inputs γ and r, u = γv products, 2n unknowns)"
    var table = ResultTable(
      name: "markov",
      title:
        "(a) Markov reward v = r + γPv, dense P, \(formTitle): median ms of a whole gradient (forward solve included)",
      columns: markovColumns)
    var luSeries = Series("Markov: gradient(.lu)", expectedSlope: 3)
    var blockSeries = Series("Markov: gradient(.blockTriangular)", expectedSlope: 3)
    var dgesvSeries = Series("Markov: one dgesv (n × n)", expectedSlope: 3)
    var worstRatio = (ratio: 0.0, n: 0)
    for n in markovSizes {
      let rowName = "markov n = \(n)"
      harness.progress("\(rowName): building the program")
      let markov = try MarkovReward(states: n, seed: seed, form: markovForm)
      let program = markov.program
      let inputs = markov.inputs
      var row: [String: Cell] = [
        "n": .integer(n), "unknowns": .integer(program.intermediateCount),
        "edges": .integer(program.edgeCount),
      ]
      let n32 = Int32(n)
      let system = markov.systemMatrix
      // The last timed call's answers are the ones checked (these calls are slow).
      var values: [Double] = []
      var luGradient: [Double] = []
      var blockGradient: [Double] = []
      // The four contenders in alternation, so that the ratios to dgesv are not
      // skewed by the machine's load drifting between measurements.
      let timings = try harness.measureInterleaved([
        Contender("\(rowName) · forward solve") {
          values = try program.solveConstraints(at: inputs)
          blackHole(values)
        },
        Contender("\(rowName) · gradient(.lu)") {
          luGradient = try program.gradient(at: inputs, solver: .lu).gradient
          blackHole(luGradient)
        },
        Contender("\(rowName) · gradient(.blockTriangular)") {
          blockGradient = try program.gradient(at: inputs, solver: .blockTriangular).gradient
          blackHole(blockGradient)
        },
        Contender(
          "\(rowName) · LAPACKE_dgesv", setup: { system + [] },
          body: { (input: consuming [Double]) in
            var a = input
            var y = markov.weights
            var pivots = [Int32](repeating: 0, count: n)
            let info = LAPACKE_dgesv(LAPACK_COL_MAJOR, n32, 1, &a, n32, &pivots, &y, n32)
            precondition(info == 0, "dgesv info \(info)")
            blackHole(y)
          }),
      ])
      let (forward, lu, block, dgesv) = (timings[0], timings[1], timings[2], timings[3])
      // The factorization .lu performs, timed on its own: the pure form's n × n
      // LU of S = D_zzᵀ is that of (I − γP)ᵀ, the same flops as I − γP's; the
      // γ-input form's is that of the 2n × 2n non-input block of D (from jacobian()).
      let factored: Matrix
      switch markovForm {
      case .pure:
        factored = try Matrix(rows: n, columns: n, columnMajor: system)
      case .gammaInput:
        factored = try nonInputBlock(
          of: try program.linearize(at: inputs, solver: .lu).jacobian(limit: Int.max),
          program: program)
      }
      let dgetrf = try harness.measure(
        "\(rowName) · dgetrf (\(factored.rows) × \(factored.rows))",
        setup: { uniquelyOwnedCopy(factored) },
        body: { (input: consuming Matrix) in blackHole(try LUFactorization(input).order) })
      let m = Double(factored.rows)
      row["forward_ms"] = .number(forward.milliseconds)
      row["lu_gradient_ms"] = .number(lu.milliseconds)
      row["lu_part_ms"] = .number(max(0, lu.median - forward.median) * 1e3)
      row["lu_order"] = .integer(factored.rows)
      row["dgetrf_ms"] = .number(dgetrf.milliseconds)
      row["lu_gflops"] = .number(2 * m * m * m / 3 / dgetrf.median / 1e9)
      row["block_gradient_ms"] = .number(block.milliseconds)
      row["dgesv_ms"] = .number(dgesv.milliseconds)
      row["lu_over_dgesv"] = .number(lu.median / dgesv.median)
      row["block_over_dgesv"] = .number(block.median / dgesv.median)
      row["timed_runs"] = .integer(min(forward.samples, lu.samples, block.samples, dgesv.samples))
      if n >= 1000, lu.median / dgesv.median > worstRatio.ratio {
        worstRatio = (lu.median / dgesv.median, n)
      }
      luSeries.add(n, lu.median)
      blockSeries.add(n, block.median)
      dgesvSeries.add(n, dgesv.median)

      let closedForm = markovClosedForm(markov)
      let reference =
        markovForm == .pure ? "closed form (I − γP)⁻ᵀw" : "closed form (∂f/∂γ, (I − γP)⁻ᵀw)"
      let checks = [
        AnswerCheck(
          row: rowName, path: "forward",
          answer: harness.deliver(markov.stateValues(values), path: "forward"),
          reference: "closed form (I − γP)⁻¹r", expected: closedForm.values,
          tolerance: Cyclic.tolerance),
        AnswerCheck(
          row: rowName, path: "lu", answer: harness.deliver(luGradient, path: "lu"),
          reference: reference, expected: closedForm.gradient, tolerance: Cyclic.tolerance),
        AnswerCheck(
          row: rowName, path: "blockTriangular",
          answer: harness.deliver(blockGradient, path: "blockTriangular"),
          reference: reference, expected: closedForm.gradient, tolerance: Cyclic.tolerance),
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
          "(a) gradient(.lu) within \(formatPlain(Cyclic.markovGoal))× of one dgesv of the same n (n ≥ 1000, \(markovForm.rawValue) form)",
        met: worstRatio.n > 0 && worstRatio.ratio <= Cyclic.markovGoal,
        detail: (worstRatio.n > 0
          ? "worst \(String(format: "%.2f", worstRatio.ratio)) at n = \(worstRatio.n)"
          : "no n ≥ 1000 measured")
          + (markovForm == .gammaInput
            ? "; not attainable in this form: .lu factors 2n × 2n (8× dgesv's flops)" : "")))
    switch markovForm {
    case .pure:
      report.notes.append(
        "(a) pure form: n unknowns v, one .linear constraint per state (coefficients 1 and γP_ij), "
          + "inputs r only: the non-input part is one affine cyclic block whose variables all feed "
          + "back, so S = D_zzᵀ and gradient(.lu) (and .blockTriangular) reuse the forward solve's "
          + "LU of S — one n × n dgetrf in all; the gradient then costs the forward solve (n² "
          + "partials, assembly of S, dgetrf, the residual check) plus one dgetrs. dgetrf ms = "
          + "LUFactorization of the n × n I − γP on its own; GFLOP/s = ⅔n³ / that time. ∂f/∂γ is "
          + "not a gradient entry in this form (γ is a constant): use --markov-form gamma-input. "
          + "A difference of 0 from the closed form is possible: S = −(I − γP) exactly, and the "
          + "closed form runs the same dgetrf / dgetrs (a corrupted answer still fails).")
    case .gammaInput:
      report.notes.append(
        "(a) γ-input form: 2n unknowns (v and u = γv), so .lu factors the 2n × 2n non-input "
          + "block of D — 8× the flops of the n × n dgesv: the 1.2× goal cannot be met in this "
          + "form (the pure form, the default, is the headline). dgetrf ms = LUFactorization of "
          + "that 2n × 2n block on its own; GFLOP/s = ⅔(2n)³ / that time. The rest of "
          + "gradient(.lu) is the forward solve (Newton on the cyclic block).")
    }
    report.notes.append(
      "(a) forward, gradient(.lu), gradient(.blockTriangular) and dgesv are timed in alternation "
        + "(one sample of each per round); runs = timed rounds after the warm-up (fewer than "
        + "--repeats when they would exceed --max-seconds-per-measurement).")
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

/// The Markov process in closed form: `v = (I − γP)⁻¹ r` and the gradient of
/// `f = wᵀv` — `∂f/∂r = y = (I − γP)⁻ᵀ w`, preceded, in the γ-input form, by
/// `∂f/∂γ = yᵀ P v` — one `dgetrf`, two `dgetrs`.
func markovClosedForm(_ markov: MarkovReward) -> (values: [Double], gradient: [Double]) {
  let n = markov.states
  let n32 = Int32(n)
  var a = markov.systemMatrix
  var pivots = [Int32](repeating: 0, count: n)
  var info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, n32, n32, &a, n32, &pivots)
  precondition(info == 0, "dgetrf info \(info)")
  var v = markov.rewards
  info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, cChar("N"), n32, 1, a, n32, pivots, &v, n32)
  precondition(info == 0, "dgetrs info \(info)")
  var y = markov.weights
  info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, cChar("T"), n32, 1, a, n32, pivots, &y, n32)
  precondition(info == 0, "dgetrs info \(info)")
  guard markov.form == .gammaInput else { return (v, y) }
  var dGamma = 0.0
  for i in 0..<n {
    var pv = 0.0
    for j in 0..<n { pv += markov.transition[i * n + j] * v[j] }
    dGamma += y[i] * pv
  }
  return (v, [dGamma] + y)
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
