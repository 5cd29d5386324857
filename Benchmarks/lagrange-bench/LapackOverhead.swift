import ArgumentParser
import CLAPACKE
import Foundation
import LagrangeProp
import SeededRandom

/// `lagrange-bench lapack-overhead`: what LagrangeProp's wrappers add to LAPACK.
/// The same dense systems solved through `LUFactorization` / `TriangularMatrix`
/// and through direct LAPACKE / CBLAS calls on a copy.
struct LapackOverhead: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lapack-overhead",
    abstract: "LUFactorization / TriangularMatrix against direct LAPACKE_dgesv / dtrtrs calls.",
    discussion: """
      For each n, one random diagonally dominant n × n system (its upper triangle for \
      the triangular solves). LU: LUFactorization(A) + solve (dgetrf + dgetrs, plus the \
      wrapper's one-norm and finiteness checks) against LAPACKE_dgesv. Triangular, one \
      right-hand side: TriangularMatrix.solve (BLAS dtrsv) against cblas_dtrsv and \
      LAPACKE_dtrtrs. Triangular, --rhs right-hand sides: TriangularMatrix.solve(Matrix) \
      (dtrtrs) against LAPACKE_dtrtrs. Matrices are copied outside the clock for the \
      routines that overwrite them; LAPACKE's NaN pre-check is switched off \
      (LAPACKE_set_nancheck(0)) so that both sides run the same LAPACK code. A \
      wrapper and its direct call are timed in alternation, one sample of each per \
      round, so that both see the same machine load. Every \
      wrapper's solution is checked against the direct call's (relative \
      \(formatScientific(LapackOverhead.tolerance))). Goal: wrapper/direct ≤ \
      \(formatPlain(LapackOverhead.ratioGoal)) for n ≥ \(LapackOverhead.goalMinimumN).
      """
  )

  static let tolerance = 1e-10
  static let ratioGoal = 1.05
  static let goalMinimumN = 512

  @OptionGroup var options: HarnessOptions

  @Option(
    help: ArgumentHelp(
      "Comma-separated matrix orders. (default: 128,256,…,4096)", valueName: "n,n,..."),
    transform: parseSizeList)
  var sizes: [Int] = [128, 256, 512, 1024, 2048, 4096]

  @Option(help: "Right-hand sides of the blocked triangular solve.")
  var rhs: Int = 16

  @Option(help: "Seed of the random systems.")
  var seed: UInt64 = 7

  func validate() throws {
    try validateSizes(sizes, option: "--sizes")
    guard rhs >= 1 && rhs <= 4096 else {
      throw ValidationError("--rhs must be in 1…4096, got \(rhs).")
    }
    for n in sizes where 8 * Double(n) * Double(n) > Double(options.denseLimit) {
      throw ValidationError(
        "n = \(n) needs a dense matrix of \(formatBytes(8 * Double(n) * Double(n))), over "
          + "--dense-limit \(formatBytes(Double(options.denseLimit))).")
    }
  }

  func run() throws {
    let harness = options.harness(command: Self.configuration.commandName!)
    let report = try runLapackOverhead(
      sizes: sizes, rightHandSides: rhs, seed: seed, harness: harness)
    try options.emit(report, harness: harness)
  }
}

let lapackOverheadColumns: [Column] = [
  Column("n", "n", .integer),
  Column("lu_wrapper_ms", "LU wrapper ms", .milliseconds),
  Column("dgesv_ms", "dgesv ms", .milliseconds),
  Column("lu_ratio", "LU ratio", .ratio),
  Column("triangular_wrapper_ms", "tri wrapper ms", .milliseconds),
  Column("dtrsv_ms", "dtrsv ms", .milliseconds),
  Column("dtrtrs_ms", "dtrtrs ms", .milliseconds),
  Column("dtrtrs_nancheck_ms", "dtrtrs+NaN check ms", .milliseconds),
  Column("triangular_ratio", "tri/dtrsv", .ratio),
  Column("triangular_over_dtrtrs", "tri/dtrtrs", .ratio),
  Column("block_wrapper_ms", "block wrapper ms", .milliseconds),
  Column("block_dtrtrs_ms", "block dtrtrs ms", .milliseconds),
  Column("block_ratio", "block ratio", .ratio),
  Column("max_relative_difference", "max rel diff", .scientific),
  Column("check", "check", .text),
]

/// Runs `lapack-overhead` and returns its report. Corruption paths: `lu`,
/// `triangular`, `triangular-block`.
///
/// - Throws: a `LinearAlgebraError` (none expected: the systems are well conditioned).
func runLapackOverhead(
  sizes: [Int], rightHandSides nrhs: Int, seed: UInt64 = 7, harness: Harness
) throws -> BenchmarkReport {
  let savedNaNCheck = LAPACKE_get_nancheck()
  LAPACKE_set_nancheck(0)
  defer { LAPACKE_set_nancheck(savedNaNCheck) }

  var report = BenchmarkReport(command: "lapack-overhead", machine: .current())
  report.parameters = [
    ("sizes", sizes.map(String.init).joined(separator: ",")), ("block right-hand sides", "\(nrhs)"),
    ("seed", "\(seed)"), ("repeats", "\(harness.repeats) after \(harness.warmups) warm-up"),
  ]
  var table = ResultTable(
    name: "lapack-overhead", title: "Wrapper vs direct LAPACK call: median ms per solve",
    columns: lapackOverheadColumns)
  var luWrapperSeries = Series("LUFactorization + solve", expectedSlope: 3)
  var dgesvSeries = Series("LAPACKE_dgesv", expectedSlope: 3)
  var triangularSeries = Series("TriangularMatrix.solve (dtrsv)", expectedSlope: 2)
  var dtrsvSeries = Series("cblas_dtrsv", expectedSlope: 2)
  var dtrtrsSeries = Series("LAPACKE_dtrtrs, 1 rhs", expectedSlope: 2)
  var worst: [String: (ratio: Double, n: Int)] = [:]
  var rng = SplitMix64(seed: seed)

  for n in sizes {
    let rowName = "n = \(n)"
    let a = wellConditionedMatrix(n, using: &rng)
    let b = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    let blockB = try Matrix(
      rows: n, columns: nrhs,
      columnMajor: (0..<(n * nrhs)).map { _ in Double.random(in: -1...1, using: &rng) })
    let upper = try TriangularMatrix(a, triangle: .upper)
    let n32 = Int32(n)

    // Each wrapper and its direct call are timed in alternation (same load for both).
    // LU: wrapper vs dgesv.
    let lu = try harness.measureInterleaved([
      Contender(
        "\(rowName) · LUFactorization", setup: { uniquelyOwnedCopy(a) },
        body: { (input: consuming Matrix) in
          var x = b
          try LUFactorization(input).solve(inPlace: &x)
          blackHole(x)
        }),
      Contender(
        "\(rowName) · LAPACKE_dgesv", setup: { uniquelyOwnedCopy(a).elements },
        body: { (input: consuming [Double]) in
          var elements = input
          var x = b
          var pivots = [Int32](repeating: 0, count: n)
          let info = LAPACKE_dgesv(LAPACK_COL_MAJOR, n32, 1, &elements, n32, &pivots, &x, n32)
          precondition(info == 0, "dgesv info \(info)")
          blackHole(x)
        }),
    ])
    let (luWrapper, dgesv) = (lu[0], lu[1])
    // Triangular, one right-hand side: wrapper (dtrsv) vs cblas_dtrsv vs LAPACKE_dtrtrs.
    let triangular = try harness.measureInterleaved([
      Contender("\(rowName) · TriangularMatrix.solve") {
        var x = b
        try upper.solve(inPlace: &x)
        blackHole(x)
      },
      Contender("\(rowName) · cblas_dtrsv") {
        var x = b
        a.elements.withUnsafeBufferPointer { e in
          cblas_dtrsv(
            CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, n32, e.baseAddress!, n32, &x, 1)
        }
        blackHole(x)
      },
      Contender("\(rowName) · LAPACKE_dtrtrs") {
        var x = b
        let info = a.elements.withUnsafeBufferPointer { e in
          LAPACKE_dtrtrs(
            LAPACK_COL_MAJOR, cChar("U"), cChar("N"), cChar("N"), n32, 1, e.baseAddress!, n32, &x,
            n32)
        }
        precondition(info == 0, "dtrtrs info \(info)")
        blackHole(x)
      },
      Contender("\(rowName) · LAPACKE_dtrtrs with its NaN check") {
        var x = b
        LAPACKE_set_nancheck(1)
        let info = a.elements.withUnsafeBufferPointer { e in
          LAPACKE_dtrtrs(
            LAPACK_COL_MAJOR, cChar("U"), cChar("N"), cChar("N"), n32, 1, e.baseAddress!, n32, &x,
            n32)
        }
        LAPACKE_set_nancheck(0)
        precondition(info == 0, "dtrtrs info \(info)")
        blackHole(x)
      },
    ])
    let (triangularWrapper, dtrsv, dtrtrs, dtrtrsChecked) = (
      triangular[0], triangular[1], triangular[2], triangular[3]
    )
    // Triangular, nrhs right-hand sides: wrapper (dtrtrs) vs LAPACKE_dtrtrs.
    let block = try harness.measureInterleaved([
      Contender("\(rowName) · TriangularMatrix.solve(Matrix)") {
        var x = blockB
        try upper.solve(inPlace: &x)
        blackHole(x.elements)
      },
      Contender("\(rowName) · LAPACKE_dtrtrs, \(nrhs) rhs") {
        var x = blockB.elements
        let info = a.elements.withUnsafeBufferPointer { e in
          LAPACKE_dtrtrs(
            LAPACK_COL_MAJOR, cChar("U"), cChar("N"), cChar("N"), n32, Int32(nrhs), e.baseAddress!,
            n32, &x, n32)
        }
        precondition(info == 0, "dtrtrs info \(info)")
        blackHole(x)
      },
    ])
    let (blockWrapper, blockDirect) = (block[0], block[1])

    // Answers: each wrapper against the direct call's solution.
    var luAnswer = b
    try LUFactorization(uniquelyOwnedCopy(a)).solve(inPlace: &luAnswer)
    var dgesvAnswer = b
    var elements = uniquelyOwnedCopy(a).elements
    var pivots = [Int32](repeating: 0, count: n)
    _ = LAPACKE_dgesv(LAPACK_COL_MAJOR, n32, 1, &elements, n32, &pivots, &dgesvAnswer, n32)
    let triangularAnswer = try upper.solve(b)
    var dtrsvAnswer = b
    a.elements.withUnsafeBufferPointer { e in
      cblas_dtrsv(
        CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, n32, e.baseAddress!, n32,
        &dtrsvAnswer, 1)
    }
    var dtrtrsAnswer = b
    _ = a.elements.withUnsafeBufferPointer { e in
      LAPACKE_dtrtrs(
        LAPACK_COL_MAJOR, cChar("U"), cChar("N"), cChar("N"), n32, 1, e.baseAddress!, n32,
        &dtrtrsAnswer, n32)
    }
    let blockAnswer = try upper.solve(blockB).elements
    var blockDirectAnswer = blockB.elements
    _ = a.elements.withUnsafeBufferPointer { e in
      LAPACKE_dtrtrs(
        LAPACK_COL_MAJOR, cChar("U"), cChar("N"), cChar("N"), n32, Int32(nrhs), e.baseAddress!, n32,
        &blockDirectAnswer, n32)
    }
    let checks = [
      AnswerCheck(
        row: rowName, path: "lu", answer: harness.deliver(luAnswer, path: "lu"),
        reference: "LAPACKE_dgesv", expected: dgesvAnswer, tolerance: LapackOverhead.tolerance),
      AnswerCheck(
        row: rowName, path: "triangular",
        answer: harness.deliver(triangularAnswer, path: "triangular"),
        reference: "cblas_dtrsv", expected: dtrsvAnswer, tolerance: LapackOverhead.tolerance),
      AnswerCheck(
        row: rowName, path: "triangular",
        answer: harness.deliver(triangularAnswer, path: "triangular"),
        reference: "LAPACKE_dtrtrs", expected: dtrtrsAnswer, tolerance: LapackOverhead.tolerance),
      AnswerCheck(
        row: rowName, path: "triangular-block",
        answer: harness.deliver(blockAnswer, path: "triangular-block"),
        reference: "LAPACKE_dtrtrs", expected: blockDirectAnswer,
        tolerance: LapackOverhead.tolerance),
    ]
    report.checks += checks

    let ratios = [
      ("LU", luWrapper.median / dgesv.median),
      ("triangular", triangularWrapper.median / dtrsv.median),
      ("triangular block", blockWrapper.median / blockDirect.median),
    ]
    if n >= LapackOverhead.goalMinimumN {
      for (name, ratio) in ratios where ratio > (worst[name]?.ratio ?? -1) {
        worst[name] = (ratio, n)
      }
    }
    table.rows.append([
      "n": .integer(n),
      "lu_wrapper_ms": .number(luWrapper.milliseconds), "dgesv_ms": .number(dgesv.milliseconds),
      "lu_ratio": .number(ratios[0].1),
      "triangular_wrapper_ms": .number(triangularWrapper.milliseconds),
      "dtrsv_ms": .number(dtrsv.milliseconds), "dtrtrs_ms": .number(dtrtrs.milliseconds),
      "dtrtrs_nancheck_ms": .number(dtrtrsChecked.milliseconds),
      "triangular_ratio": .number(ratios[1].1),
      "triangular_over_dtrtrs": .number(triangularWrapper.median / dtrtrs.median),
      "block_wrapper_ms": .number(blockWrapper.milliseconds),
      "block_dtrtrs_ms": .number(blockDirect.milliseconds), "block_ratio": .number(ratios[2].1),
      "max_relative_difference": .number(checks.map(\.relativeError).max() ?? 0),
      "check": .text(checks.allSatisfy(\.passed) ? "ok" : "FAIL"),
    ])
    luWrapperSeries.add(n, luWrapper.median)
    dgesvSeries.add(n, dgesv.median)
    triangularSeries.add(n, triangularWrapper.median)
    dtrsvSeries.add(n, dtrsv.median)
    dtrtrsSeries.add(n, dtrtrs.median)
  }

  report.tables = [table]
  report.series = [luWrapperSeries, dgesvSeries, triangularSeries, dtrsvSeries, dtrtrsSeries]
  report.plotTitle = "LAPACK overhead: LagrangeProp's wrappers vs direct calls"
  report.plotXLabel = "n (matrix order)"
  report.fitSlopes(top: 3)
  for name in ["LU", "triangular", "triangular block"] {
    guard let w = worst[name] else { continue }
    report.goals.append(
      GoalResult(
        goal:
          "\(name) wrapper / direct ≤ \(formatPlain(LapackOverhead.ratioGoal)) for n ≥ \(LapackOverhead.goalMinimumN)",
        met: w.ratio <= LapackOverhead.ratioGoal,
        detail: "worst \(String(format: "%.3f", w.ratio)) at n = \(w.n)"))
  }
  report.notes = [
    "LU ratio = (LUFactorization(A) + solve) / LAPACKE_dgesv; the wrapper also computes ‖A‖₁ "
      + "(kept for condition estimates) and checks the solution is finite: O(n²) on top of O(n³).",
    "tri/dtrsv compares the wrapper with the BLAS routine it calls; tri/dtrtrs shows what dtrsv "
      + "saves over LAPACK's dtrtrs for one right-hand side (below 1 means faster).",
    "dtrtrs+NaN check = LAPACKE_dtrtrs with LAPACKE's default NaN scan of the triangle (what a plain "
      + "LAPACKE call costs; the engine calls the _work routines, which skip it).",
  ]
  return report
}

/// A C `char` for LAPACKE's character arguments.
func cChar(_ c: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: c)) }
