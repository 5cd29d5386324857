import ArgumentParser
import CLAPACKE
import Foundation
import LagrangeProp

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

  @Option(
    help: ArgumentHelp(
      "Comma-separated matrix orders. (default: 64,128,256,512,1024)", valueName: "n,n,..."),
    transform: DenseSolve.parseSizes)
  var sizes: [Int] = [64, 128, 256, 512, 1024]

  @Option(help: "Timed runs per size (after one warm-up); the median is reported.")
  var repeats: Int = 5

  /// Parses `64,128,256` into orders.
  static func parseSizes(_ argument: String) throws -> [Int] {
    try argument.split(separator: ",", omittingEmptySubsequences: false).map { part in
      let text = part.trimmingCharacters(in: .whitespaces)
      guard let value = Int(text) else {
        throw ValidationError("'\(text)' is not a whole number (expected e.g. 64,128,256).")
      }
      return value
    }
  }

  func validate() throws {
    guard !sizes.isEmpty else { throw ValidationError("--sizes must list at least one order.") }
    if let bad = sizes.first(where: { $0 <= 0 }) {
      throw ValidationError("--sizes must be positive, got \(bad).")
    }
    guard repeats >= 1 else {
      throw ValidationError("--repeats must be at least 1, got \(repeats).")
    }
  }

  func run() throws {
    print(
      "dense-solve: OpenBLAS threads \(openblas_get_num_threads()), "
        + "active processors \(ProcessInfo.processInfo.activeProcessorCount), "
        + "median of \(repeats) after one warm-up")
    let rows = try runDenseSolve(sizes: sizes, repeats: repeats)
    print(denseSolveTable(rows))

    let failures = rows.filter { !$0.passes(threshold: Self.residualThreshold) }
    if !failures.isEmpty {
      let orders = failures.map { "\($0.order)" }.joined(separator: ", ")
      FileHandle.standardError.write(
        Data("dense-solve: residual ratio above \(Self.residualThreshold) at n = \(orders)\n".utf8))
      throw ExitCode.failure
    }
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
  var rng = SeededGenerator(seed: seed)
  return try sizes.map { n in
    let a = diagonallyDominantMatrix(n, using: &rng)
    let b = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }

    var luSolution: [Double] = []
    let luMilliseconds = try medianMilliseconds(repeats: repeats) {
      // dgetrf overwrites its input: hand it a copy made before the clock starts.
      let input = uniquelyOwnedCopy(a)
      let stopwatch = Stopwatch()
      luSolution = try LUFactorization(consume input).solve(b)
      return stopwatch.elapsedMilliseconds
    }

    // The upper triangle of the same matrix; the strict lower part is ignored.
    let upper = try TriangularMatrix(a, triangle: .upper)
    var triangularSolution: [Double] = []
    let triangularMilliseconds = try medianMilliseconds(repeats: repeats) {
      let stopwatch = Stopwatch()
      triangularSolution = try upper.solve(b)
      return stopwatch.elapsedMilliseconds
    }

    return DenseSolveRow(
      order: n, luMilliseconds: luMilliseconds, triangularMilliseconds: triangularMilliseconds,
      luResidual: residualRatio(a, x: luSolution, b: b),
      triangularResidual: residualRatio(a, triangle: .upper, x: triangularSolution, b: b))
  }
}

/// The report: n, LU ms, triangular ms, their ratio and both residual ratios.
func denseSolveTable(_ rows: [DenseSolveRow]) -> String {
  var table = TextTable(
    header: ["n", "LU ms", "triangular ms", "LU/triangular", "LU residual", "triangular residual"])
  for row in rows {
    table.rows.append([
      "\(row.order)",
      String(format: "%.3f", row.luMilliseconds),
      String(format: "%.4f", row.triangularMilliseconds),
      String(format: "%.1f", row.ratio),
      String(format: "%.3f", row.luResidual),
      String(format: "%.3f", row.triangularResidual),
    ])
  }
  return table.rendered
}
