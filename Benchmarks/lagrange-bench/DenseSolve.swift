import ArgumentParser
import Foundation
import LagrangeProp
import SeededRandom

/// `lagrange-bench dense-solve`: a dense LU solve against a triangular solve.
///
/// For each order `n`, one random diagonally dominant system `A·x = b`:
/// `LUFactorization(A)` + `solve` (LAPACK `dgetrf` + `dgetrs`, O(n³)) against
/// `TriangularMatrix(upper triangle of A).solve` (BLAS `dtrsv`, O(n²)) — the cost
/// of an implicit (cyclic) adjoint against backpropagation on a DAG of the same size.
struct DenseSolve: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dense-solve",
    abstract: "Time dense LU (dgetrf + dgetrs) against a triangular solve (dtrsv).",
    discussion: """
      Median of --repeats runs after one warm-up, on the monotonic clock. Each \
      solution is checked with LAPACK's residual ‖Ax − b‖∞ / (‖A‖∞ ‖x‖∞ n ε); \
      the command fails if one exceeds \(Int(DenseSolve.residualThreshold)).
      """
  )

  /// The largest residual ratio a solve may have.
  static let residualThreshold = 10.0

  @OptionGroup var options: HarnessOptions

  @Option(
    help: ArgumentHelp(
      "Comma-separated matrix orders. (default: 64,128,256,512,1024)", valueName: "n,n,..."),
    transform: DenseSolve.parseSizes)
  var sizes: [Int] = [64, 128, 256, 512, 1024]

  @Option(help: "How many of the largest sizes the slope fit uses.")
  var fitTop: Int = 3

  /// Timed runs per size (`--repeats`, from the shared options).
  var repeats: Int { options.repeats }

  /// Parses `64,128,256` into orders.
  static func parseSizes(_ argument: String) throws -> [Int] { try parseSizeList(argument) }

  func validate() throws {
    try validateSizes(sizes, option: "--sizes")
    guard fitTop >= 2 else { throw ValidationError("--fit-top must be at least 2, got \(fitTop).") }
    for n in sizes where 8 * Double(n) * Double(n) > Double(options.denseLimit) {
      throw ValidationError(
        "n = \(n) needs a dense matrix of \(formatBytes(8 * Double(n) * Double(n))), over "
          + "--dense-limit \(formatBytes(Double(options.denseLimit))).")
    }
  }

  func run() throws {
    let harness = options.harness(command: Self.configuration.commandName!)
    let rows = try runDenseSolve(sizes: sizes, harness: harness)
    try options.emit(denseSolveReport(rows, harness: harness, fitTop: fitTop), harness: harness)
  }
}

/// One line of the dense-solve report.
struct DenseSolveRow: Sendable, Equatable {
  /// The order `n`.
  var order: Int
  /// Median milliseconds of `LUFactorization` + one `solve`.
  var luMilliseconds: Double
  /// Median milliseconds of one triangular `solve` (`dtrsv`).
  var triangularMilliseconds: Double
  /// `‖Ax − b‖∞ / (‖A‖∞ ‖x‖∞ n ε)` of the LU solution.
  var luResidual: Double
  /// The same for the triangular solution, with `A` the upper triangle.
  var triangularResidual: Double
  /// The full LU timing (min / max), when measured.
  var luTiming: Timing? = nil
  /// The full triangular timing (min / max), when measured.
  var triangularTiming: Timing? = nil

  /// How many times longer the LU solve takes.
  var ratio: Double { luMilliseconds / triangularMilliseconds }

  /// Whether both residual ratios are finite and at most `threshold`.
  func passes(threshold: Double) -> Bool {
    luResidual <= threshold && triangularResidual <= threshold
  }
}

/// Times the LU and the triangular solve of one random diagonally dominant
/// system per order (median of `repeats` runs after a warm-up) and checks both
/// solutions' residual ratios.
///
/// - Throws: a `LinearAlgebraError` from the solves (none expected for these systems).
func runDenseSolve(sizes: [Int], repeats: Int, seed: UInt64 = 2024) throws -> [DenseSolveRow] {
  try runDenseSolve(sizes: sizes, harness: Harness(repeats: repeats), seed: seed)
}

/// `runDenseSolve` on a given harness (batching, progress, corruption hook: the
/// hook's paths are `lu` and `triangular`).
func runDenseSolve(sizes: [Int], harness: Harness, seed: UInt64 = 2024) throws -> [DenseSolveRow] {
  var rng = SplitMix64(seed: seed)
  return try sizes.map { n in
    let a = wellConditionedMatrix(n, using: &rng)
    let b = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }

    // dgetrf overwrites its input: each call gets a copy made before the clock starts.
    let luTiming = try harness.measure(
      "n = \(n) · lu", setup: { uniquelyOwnedCopy(a) },
      body: { (input: consuming Matrix) in blackHole(try LUFactorization(input).solve(b)) })
    let luSolution = harness.deliver(try LUFactorization(uniquelyOwnedCopy(a)).solve(b), path: "lu")

    // The upper triangle of the same matrix; the strict lower part is ignored.
    let upper = try TriangularMatrix(a, triangle: .upper)
    let triangularTiming = try harness.measure("n = \(n) · triangular") {
      blackHole(try upper.solve(b))
    }
    let triangularSolution = harness.deliver(try upper.solve(b), path: "triangular")

    return DenseSolveRow(
      order: n, luMilliseconds: luTiming.milliseconds,
      triangularMilliseconds: triangularTiming.milliseconds,
      luResidual: residualRatio(a, x: luSolution, b: b),
      triangularResidual: residualRatio(a, triangle: .upper, x: triangularSolution, b: b),
      luTiming: luTiming, triangularTiming: triangularTiming)
  }
}

/// The columns of the dense-solve table.
let denseSolveColumns: [Column] = [
  Column("n", "n", .integer),
  Column("lu_ms", "LU ms", .milliseconds),
  Column("lu_min_ms", "LU min ms", .milliseconds, inTable: false),
  Column("lu_max_ms", "LU max ms", .milliseconds, inTable: false),
  Column("triangular_ms", "triangular ms", .milliseconds),
  Column("triangular_min_ms", "triangular min ms", .milliseconds, inTable: false),
  Column("triangular_max_ms", "triangular max ms", .milliseconds, inTable: false),
  Column("lu_over_triangular", "LU/triangular", .decimals(1)),
  Column("lu_residual", "LU residual", .decimals(3)),
  Column("triangular_residual", "triangular residual", .decimals(3)),
]

/// The rows as a result table.
func denseSolveResultTable(_ rows: [DenseSolveRow]) -> ResultTable {
  var table = ResultTable(
    name: "dense-solve", title: "Random diagonally dominant systems: median ms per solve",
    columns: denseSolveColumns)
  for row in rows {
    var cells: [String: Cell] = [
      "n": .integer(row.order), "lu_ms": .number(row.luMilliseconds),
      "triangular_ms": .number(row.triangularMilliseconds),
      "lu_over_triangular": .number(row.ratio),
      "lu_residual": .number(row.luResidual),
      "triangular_residual": .number(row.triangularResidual),
    ]
    if let t = row.luTiming {
      cells["lu_min_ms"] = .number(t.minimum * 1e3)
      cells["lu_max_ms"] = .number(t.maximum * 1e3)
    }
    if let t = row.triangularTiming {
      cells["triangular_min_ms"] = .number(t.minimum * 1e3)
      cells["triangular_max_ms"] = .number(t.maximum * 1e3)
    }
    table.rows.append(cells)
  }
  return table
}

/// The human table: n, LU ms, triangular ms, their ratio and both residual ratios.
func denseSolveTable(_ rows: [DenseSolveRow]) -> String { denseSolveResultTable(rows).rendered() }

/// The full report: the table, a log-log fit of both solves, and a residual check per solve.
func denseSolveReport(_ rows: [DenseSolveRow], harness: Harness, fitTop: Int = 3) -> BenchmarkReport
{
  var report = BenchmarkReport(command: "dense-solve", machine: .current())
  report.parameters = [
    ("sizes", rows.map { "\($0.order)" }.joined(separator: ",")),
    ("repeats", "\(harness.repeats) after \(harness.warmups) warm-up"),
  ]
  report.tables = [denseSolveResultTable(rows)]
  var lu = Series("LU (dgetrf + dgetrs)", expectedSlope: 3)
  var triangular = Series("triangular (dtrsv)", expectedSlope: 2)
  for row in rows {
    lu.add(row.order, row.luMilliseconds / 1e3)
    triangular.add(row.order, row.triangularMilliseconds / 1e3)
    let reference = "residual ‖Ax − b‖∞/(‖A‖∞‖x‖∞nε)"
    report.checks.append(
      AnswerCheck(
        row: "n = \(row.order)", path: "lu", reference: reference, relativeError: row.luResidual,
        tolerance: DenseSolve.residualThreshold))
    report.checks.append(
      AnswerCheck(
        row: "n = \(row.order)", path: "triangular", reference: reference,
        relativeError: row.triangularResidual, tolerance: DenseSolve.residualThreshold))
  }
  report.series = [lu, triangular]
  report.plotTitle = "Dense LU vs triangular solve"
  report.plotXLabel = "n (matrix order)"
  report.fitSlopes(top: fitTop)
  report.notes = [
    "checks are LAPACK's residual ratio (a backward-stable solve keeps it of order one), "
      + "not a comparison of paths: the two solves are of different systems."
  ]
  return report
}
