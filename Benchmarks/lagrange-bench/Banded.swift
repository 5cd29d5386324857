import ArgumentParser
import Foundation
import LagrangeProp

/// `lagrange-bench banded`: band paths against the sweep and the dense paths, on
/// acyclic recurrences and cyclic banded systems of bandwidth `k`.
struct Banded: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "banded",
    abstract:
      "Band solvers (dtbtrs, dgbtrf/dgbtrs) vs the sweep, block-triangular and dense paths.",
    discussion: """
      Sizes: the decades from --min-n to --max-n, plus 4096 (or --sizes); bandwidths \
      --bandwidths. (a) Acyclic recurrences of order k: .bandedTriangular (dtbtrs) \
      against .sweep (the reference) and the dense .triangular and .lu. (b) Cyclic \
      banded systems (a (2k + 1)-point stencil as residual constraints, one strongly \
      connected block): .bandedLU (dgbtrf + dgbtrs) against .blockTriangular and \
      .lu. A path's time is what it adds to the forward pass: linearize(path) − \
      forward + adjoints(), forward being linearize(.sweep) (a) or \
      solveConstraints (b). Dense paths run where n ≤ --dense-max-n and the matrix \
      fits --dense-limit, and are skipped with a note otherwise. Answers: every path \
      against the reference (.sweep for (a); .lu where it runs, else \
      .blockTriangular, for (b)), relative \(formatScientific(Banded.tolerance)). \
      Goals: band paths' slope within 0.3 of 1; at n = 4096 more than 100× faster \
      than the dense paths.
      """
  )

  static let tolerance = 1e-10
  static let speedupGoal = 100.0
  static let goalSize = 4096

  @OptionGroup var options: HarnessOptions

  @Option(help: "The smallest n of the default sizes.")
  var minN: Int = 1000

  @Option(help: "The largest n of the default sizes (decades from --min-n, plus 4096).")
  var maxN: Int = 1_000_000

  @Option(
    help: ArgumentHelp(
      "Explicit comma-separated sizes, instead of --min-n…--max-n.", valueName: "n,n,..."),
    transform: parseSizeList)
  var sizes: [Int]?

  @Option(
    help: ArgumentHelp("Comma-separated bandwidths k. (default: 1,4,16)", valueName: "k,k,..."),
    transform: parseSizeList)
  var bandwidths: [Int] = [1, 4, 16]

  @Option(help: "Dense paths run only up to this n (they cost O(n²) memory, O(n³) time).")
  var denseMaxN: Int = 4096

  @Option(help: "How many of the largest sizes the slope fit uses.")
  var fitTop: Int = 3

  @Option(help: "Seed of the random programs.")
  var seed: UInt64 = 3

  /// The sizes measured.
  var sizeList: [Int] { sizes ?? defaultSizes(minN: minN, maxN: maxN, including: Banded.goalSize) }

  func validate() throws {
    guard minN >= 1 else { throw ValidationError("--min-n must be positive, got \(minN).") }
    guard maxN >= 1 else { throw ValidationError("--max-n must be positive, got \(maxN).") }
    guard maxN >= minN else {
      throw ValidationError("--max-n (\(maxN)) must be at least --min-n (\(minN)).")
    }
    try validateSizes(
      sizeList, option: sizes == nil ? "--min-n" : "--sizes", minimum: 8,
      what: " (4 inputs and a few unknowns)")
    try validateSizes(bandwidths, option: "--bandwidths")
    for k in bandwidths {
      if let n = sizeList.first(where: { 2 * k + 1 > $0 - BandedProgram.inputCount }) {
        throw ValidationError(
          "bandwidth \(k) is too wide for n = \(n): the band must be narrower than the matrix.")
      }
    }
    guard denseMaxN >= 0 else {
      throw ValidationError("--dense-max-n must not be negative, got \(denseMaxN).")
    }
    guard fitTop >= 2 else { throw ValidationError("--fit-top must be at least 2, got \(fitTop).") }
  }

  func run() throws {
    let harness = options.harness(command: Self.configuration.commandName!)
    let report = try runBanded(
      sizes: sizeList, bandwidths: bandwidths, denseMaxN: denseMaxN, seed: seed, fitTop: fitTop,
      harness: harness)
    try options.emit(report, harness: harness)
  }
}

/// The decades from `minN` to `maxN` (and `maxN`), plus `extra` if it lies in the range.
func defaultSizes(minN: Int, maxN: Int, including extra: Int? = nil) -> [Int] {
  var sizes = cheapGradientStepCounts(minK: minN, maxK: maxN)
  if let extra, extra > minN, extra < maxN, !sizes.contains(extra) { sizes.append(extra) }
  return sizes.sorted()
}

let bandedAcyclicColumns: [Column] = [
  Column("k", "k", .integer),
  Column("n", "n", .integer),
  Column("edges", "edges", .integer, inTable: false),
  Column("forward_ms", "forward ms", .milliseconds),
  Column("sweep_ms", "sweep ms", .milliseconds),
  Column("banded_triangular_ms", "bandedTriangular ms", .milliseconds),
  Column("dtbtrs_ms", "dtbtrs ms", .milliseconds),
  Column("triangular_ms", "triangular ms", .milliseconds),
  Column("lu_ms", "LU ms", .milliseconds),
  Column("band_over_sweep", "band/sweep", .ratio),
  Column("triangular_over_band", "tri/band", .ratio),
  Column("lu_over_band", "LU/band", .ratio),
  Column("max_relative_difference", "max rel diff", .scientific),
  Column("check", "check", .text),
]

let bandedCyclicColumns: [Column] = [
  Column("k", "k", .integer),
  Column("n", "n", .integer),
  Column("edges", "edges", .integer, inTable: false),
  Column("forward_ms", "forward ms", .milliseconds),
  Column("banded_lu_ms", "bandedLU ms", .milliseconds),
  Column("dgbtrs_ms", "dgbtrs ms", .milliseconds),
  Column("block_triangular_ms", "blockTriangular ms", .milliseconds),
  Column("lu_ms", "LU ms", .milliseconds),
  Column("block_over_band", "block/band", .ratio),
  Column("lu_over_band", "LU/band", .ratio),
  Column("max_relative_difference", "max rel diff", .scientific),
  Column("check", "check", .text),
]

/// Runs `banded` and returns its report. Corruption paths: `sweep`,
/// `bandedTriangular`, `triangular`, `lu`, `bandedLU`, `blockTriangular`, `lu-cyclic`.
///
/// - Throws: an engine error (none expected on these programs).
func runBanded(
  sizes: [Int], bandwidths: [Int], denseMaxN: Int = 4096, seed: UInt64 = 3, fitTop: Int = 3,
  harness: Harness
) throws -> BenchmarkReport {
  var report = BenchmarkReport(command: "banded", machine: .current())
  report.parameters = [
    ("sizes", sizes.map(String.init).joined(separator: ",")),
    ("bandwidths", bandwidths.map(String.init).joined(separator: ",")),
    ("dense paths up to n", "\(denseMaxN)"), ("seed", "\(seed)"),
    ("repeats", "\(harness.repeats) after \(harness.warmups) warm-up"),
  ]
  var acyclic = ResultTable(
    name: "acyclic",
    title: "(a) Acyclic recurrences of order k: ms added to the forward pass (median)",
    columns: bandedAcyclicColumns)
  var cyclic = ResultTable(
    name: "cyclic",
    title: "(b) Cyclic banded systems, half-bandwidth k: ms added to the forward solve (median)",
    columns: bandedCyclicColumns)
  var series: [Series] = []
  var skippedDense: Set<Int> = []
  var speedups: [(String, Double)] = []
  let plotK = bandwidths.contains(4) ? 4 : bandwidths[bandwidths.count / 2]

  for k in bandwidths {
    var sweepSeries = Series("sweep, k = \(k) (acyclic)", expectedSlope: 1)
    var bandedTriangularSeries = Series("bandedTriangular, k = \(k)", expectedSlope: 1)
    var triangularSeries = Series("dense triangular, k = \(k)", expectedSlope: 2)
    var bandedLUSeries = Series("bandedLU, k = \(k) (cyclic)", expectedSlope: 1)
    var blockSeries = Series("blockTriangular, k = \(k) (cyclic)", expectedSlope: 1)
    var luSeries = Series("dense LU, k = \(k) (cyclic)", expectedSlope: 3)

    for n in sizes {
      let rowName = "k = \(k), n = \(n)"
      let runsDense = n <= denseMaxN && harness.denseFits(order: n - BandedProgram.inputCount)
      if !runsDense { skippedDense.insert(n) }

      // (a) Acyclic recurrence.
      harness.progress("\(rowName): building the recurrence")
      let recurrence = try BandedProgram.recurrence(variables: n, order: k, seed: seed)
      var row: [String: Cell] = [
        "k": .integer(k), "n": .integer(n), "edges": .integer(recurrence.program.edgeCount),
      ]
      let sweep = try harness.measurePath(
        "sweep", row: rowName, program: recurrence.program, inputs: recurrence.inputs,
        solver: .sweep)
      let forward = sweep.linearize.median
      row["forward_ms"] = .number(forward * 1e3)
      row["sweep_ms"] = .number(sweep.adjoints.milliseconds)
      sweepSeries.add(n, sweep.adjoints.median)
      let reference = try recurrence.program.linearize(at: recurrence.inputs, solver: .sweep)
        .adjoints()
      var checks = [
        AnswerCheck(
          row: rowName, path: "sweep", answer: sweep.answer, reference: "sweep (uncorrupted)",
          expected: reference, tolerance: Banded.tolerance)
      ]
      let band = try harness.measurePath(
        "bandedTriangular", row: rowName, program: recurrence.program, inputs: recurrence.inputs,
        solver: .bandedTriangular)
      let bandTime = max(0, band.linearize.median - forward) + band.adjoints.median
      row["banded_triangular_ms"] = .number(bandTime * 1e3)
      row["dtbtrs_ms"] = .number(band.adjoints.milliseconds)
      row["band_over_sweep"] = .number(bandTime / sweep.adjoints.median)
      bandedTriangularSeries.add(n, bandTime)
      checks.append(
        AnswerCheck(
          row: rowName, path: "bandedTriangular", answer: band.answer, reference: "sweep",
          expected: reference, tolerance: Banded.tolerance))
      if runsDense {
        for (path, solver, key) in [
          ("triangular", Solver.triangular, "triangular"), ("lu", .lu, "lu"),
        ] {
          let dense = try harness.measurePath(
            path, row: rowName, program: recurrence.program, inputs: recurrence.inputs,
            solver: solver)
          let time = max(0, dense.linearize.median - forward) + dense.adjoints.median
          row["\(key)_ms"] = .number(time * 1e3)
          row["\(key)_over_band"] = .number(time / bandTime)
          if path == "triangular" { triangularSeries.add(n, time) }
          if n == Banded.goalSize {
            speedups.append(("acyclic k = \(k), \(path)", time / bandTime))
          }
          checks.append(
            AnswerCheck(
              row: rowName, path: path, answer: dense.answer, reference: "sweep",
              expected: reference,
              tolerance: Banded.tolerance))
        }
      }
      report.checks += checks
      row["max_relative_difference"] = .number(checks.map(\.relativeError).max() ?? 0)
      row["check"] = .text(checks.allSatisfy(\.passed) ? "ok" : "FAIL")
      acyclic.rows.append(row)

      // (b) Cyclic banded system.
      harness.progress("\(rowName): building the cyclic system")
      let system = try BandedProgram.cyclicSystem(variables: n, halfBandwidth: k, seed: seed)
      let program = system.program
      var cyclicRow: [String: Cell] = [
        "k": .integer(k), "n": .integer(n), "edges": .integer(program.edgeCount),
      ]
      let forwardTiming = try harness.measure("\(rowName) · forward solve") {
        blackHole(try program.solveConstraints(at: system.inputs))
      }
      let cyclicForward = forwardTiming.median
      cyclicRow["forward_ms"] = .number(cyclicForward * 1e3)
      let bandLU = try harness.measurePath(
        "bandedLU", row: rowName, program: program, inputs: system.inputs, solver: .bandedLU)
      let bandLUTime = max(0, bandLU.linearize.median - cyclicForward) + bandLU.adjoints.median
      cyclicRow["banded_lu_ms"] = .number(bandLUTime * 1e3)
      cyclicRow["dgbtrs_ms"] = .number(bandLU.adjoints.milliseconds)
      bandedLUSeries.add(n, bandLUTime)
      let block = try harness.measurePath(
        "blockTriangular", row: rowName, program: program, inputs: system.inputs,
        solver: .blockTriangular)
      let blockTime = max(0, block.linearize.median - cyclicForward) + block.adjoints.median
      cyclicRow["block_triangular_ms"] = .number(blockTime * 1e3)
      cyclicRow["block_over_band"] = .number(blockTime / bandLUTime)
      blockSeries.add(n, blockTime)
      var cyclicReference = try program.linearize(at: system.inputs, solver: .blockTriangular)
        .adjoints()
      var referenceName = "blockTriangular"
      var cyclicChecks: [AnswerCheck] = []
      if runsDense {
        let lu = try harness.measurePath(
          "lu-cyclic", row: rowName, program: program, inputs: system.inputs, solver: .lu)
        let luTime = max(0, lu.linearize.median - cyclicForward) + lu.adjoints.median
        cyclicRow["lu_ms"] = .number(luTime * 1e3)
        cyclicRow["lu_over_band"] = .number(luTime / bandLUTime)
        luSeries.add(n, luTime)
        if n == Banded.goalSize { speedups.append(("cyclic k = \(k), lu", luTime / bandLUTime)) }
        cyclicReference = try program.linearize(at: system.inputs, solver: .lu).adjoints()
        referenceName = "lu"
        cyclicChecks.append(
          AnswerCheck(
            row: rowName, path: "lu", answer: lu.answer, reference: "lu (uncorrupted)",
            expected: cyclicReference, tolerance: Banded.tolerance))
        cyclicChecks.append(
          AnswerCheck(
            row: rowName, path: "blockTriangular", answer: block.answer, reference: referenceName,
            expected: cyclicReference, tolerance: Banded.tolerance))
      } else {
        cyclicChecks.append(
          AnswerCheck(
            row: rowName, path: "blockTriangular", answer: block.answer,
            reference: "blockTriangular (uncorrupted)", expected: cyclicReference,
            tolerance: Banded.tolerance))
      }
      cyclicChecks.append(
        AnswerCheck(
          row: rowName, path: "bandedLU", answer: bandLU.answer, reference: referenceName,
          expected: cyclicReference, tolerance: Banded.tolerance))
      report.checks += cyclicChecks
      cyclicRow["max_relative_difference"] = .number(cyclicChecks.map(\.relativeError).max() ?? 0)
      cyclicRow["check"] = .text(cyclicChecks.allSatisfy(\.passed) ? "ok" : "FAIL")
      cyclic.rows.append(cyclicRow)
    }
    series += [bandedTriangularSeries, bandedLUSeries]
    if k == plotK { series += [sweepSeries, blockSeries, triangularSeries, luSeries] }
  }

  report.tables = [acyclic, cyclic]
  report.series = series.filter { !$0.points.isEmpty }
  report.plotTitle = "Banded Jacobians: band solvers vs sweep, block-triangular and dense"
  report.plotXLabel = "n (variables)"
  report.fitSlopes(top: fitTop)
  let bandFits = report.slopes.filter { $0.series.hasPrefix("banded") }
  if !bandFits.isEmpty {
    let worst = bandFits.max { abs($0.slope - 1) < abs($1.slope - 1) }!
    report.goals.append(
      GoalResult(
        goal: "band paths scale with slope within 0.3 of 1",
        met: bandFits.allSatisfy { abs($0.slope - 1) <= 0.3 },
        detail: "slopes "
          + bandFits.map { String(format: "%.2f", $0.slope) }.joined(separator: ", ")
          + "; farthest: \(worst.series)"))
  }
  if !speedups.isEmpty {
    let least = speedups.min { $0.1 < $1.1 }!
    report.goals.append(
      GoalResult(
        goal:
          "at n = \(Banded.goalSize) band paths beat the dense paths by more than \(Int(Banded.speedupGoal))×",
        met: speedups.allSatisfy { $0.1 > Banded.speedupGoal },
        detail: "smallest speed-up \(String(format: "%.0f", least.1))× (\(least.0))"))
  } else {
    report.goals.append(
      GoalResult(
        goal:
          "at n = \(Banded.goalSize) band paths beat the dense paths by more than \(Int(Banded.speedupGoal))×",
        met: false,
        detail: "not measured: n = \(Banded.goalSize) with dense paths is not in this run"))
  }
  if !skippedDense.isEmpty {
    report.notes.append(
      "dense paths skipped for n = \(skippedDense.sorted().map(String.init).joined(separator: ", ")) "
        + "(over --dense-max-n \(denseMaxN) or --dense-limit \(formatBytes(Double(harness.matrixByteLimit))))."
    )
  }
  report.notes += [
    "path time = linearize(path) − forward + adjoints(), medians; forward = linearize(.sweep) for (a), "
      + "solveConstraints for (b) (Newton; the block's affine, so its factorization is reused by "
      + ".blockTriangular).",
    "dtbtrs / dgbtrs = adjoints() alone on the band factorization.",
  ]
  return report
}
