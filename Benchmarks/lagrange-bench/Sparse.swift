import ArgumentParser
import Foundation
import LagrangeProp

/// `lagrange-bench sparse`: large sparse cyclic systems — the Markov reward
/// process with 8 random transitions per state, 2-D nonlinear and 3-D linear
/// Poisson problems — with `.automatic`, `.krylov`, `.sparseLU` and dense `.lu`
/// where they fit, and the sparse LU wrapper against direct UMFPACK calls.
struct Sparse: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sparse",
    abstract:
      "Large sparse cyclic programs: Markov reward (8 transitions/state), 2-D nonlinear and 3-D Poisson; .automatic / .krylov / .sparseLU / .lu.",
    discussion: """
      (a) markov: v = r + γPv, γ = 0.9, 8 random transitions per state, inputs r, objective wᵀv \
      (one affine cyclic block of n states). (b) poisson2d: −Δu + u³ = s on an m × m grid, \
      residual constraints with c = u³ declared interleaved (2m² unknowns), inputs s, \
      objective mean(u). (c) poisson3d: −Δu = s on an m³ grid (m³ unknowns). Per row: median \
      time of the forward solve (solveConstraints, .automatic's block methods) and of the whole \
      value + gradient with .automatic, .krylov, .sparseLU (up to --lu-max-order unknowns) and \
      dense .lu (up to --dense-max-order); the working set of .automatic's gradient (peak RSS \
      above the resident size before it); GMRES iterations of one adjoint solve with D_zz; \
      non-zeros of UMFPACK's L + U; and the wrapper (SparseLUFactorization: symbolic, numeric, \
      one transposed solve) against the same three UMFPACK calls made directly, on the same \
      D_zz. Answers: Markov against value iteration (values) and iteration on the transpose \
      (gradient); Poisson against a direct UMFPACK solve of Jᵀλ = ∇f with J assembled by the \
      benchmark itself, and the forward values by the PDE residual.
      """
  )

  /// A part `--parts` can run.
  enum Part: String, ExpressibleByArgument, CaseIterable, Sendable {
    case markov, poisson2d, poisson3d
  }

  @OptionGroup var options: HarnessOptions

  @Option(
    help: "Which parts to run: markov, poisson2d, poisson3d. (default: all)",
    transform: { try parseChoiceList($0, option: "--parts", noun: "part") })
  var parts: [Part] = Part.allCases

  @Option(help: "Markov states.", transform: parseSizeList)
  var markovSizes: [Int] = [1000, 10_000, 100_000, 1_000_000]

  @Option(help: "2-D grid widths m (m² points).", transform: parseSizeList)
  var poisson2dSizes: [Int] = [32, 64, 128, 256, 300, 512]

  @Option(help: "3-D grid widths m (m³ points).", transform: parseSizeList)
  var poisson3dSizes: [Int] = [8, 16, 24, 32, 40, 48]

  @Option(
    help: ".sparseLU runs on Markov programs only up to this many states (catastrophic fill).")
  var markovLUMaxStates: Int = 3000

  @Option(help: ".sparseLU runs on 3-D grids only up to this width.")
  var poisson3dLUMaxWidth: Int = 40

  @Option(
    help: ".krylov runs on 2-D grids only up to this width (GMRES needs O(m) iterations there).")
  var poisson2dKrylovMaxWidth: Int = 256

  @Option(help: "Dense .lu runs only up to this many unknowns.")
  var denseMaxOrder: Int = 3000

  @Option(help: "Seed of the random problems.")
  var seed: UInt64 = 7

  func validate() throws {
    try validateSizes(markovSizes, option: "--markov-sizes", minimum: 2)
    try validateSizes(poisson2dSizes, option: "--poisson2d-sizes", minimum: 2)
    try validateSizes(poisson3dSizes, option: "--poisson3d-sizes", minimum: 2)
  }

  func run() throws {
    let harness = options.harness(command: Self.configuration.commandName!)
    let report = try runSparse(
      markovSizes: parts.contains(.markov) ? markovSizes : [],
      poisson2dSizes: parts.contains(.poisson2d) ? poisson2dSizes : [],
      poisson3dSizes: parts.contains(.poisson3d) ? poisson3dSizes : [],
      markovLUMaxStates: markovLUMaxStates, poisson3dLUMaxWidth: poisson3dLUMaxWidth,
      poisson2dKrylovMaxWidth: poisson2dKrylovMaxWidth, denseMaxOrder: denseMaxOrder, seed: seed,
      harness: harness)
    try options.emit(report, harness: harness)
  }
}

let sparseColumns: [Column] = [
  Column("problem", "problem", .text),
  Column("unknowns", "unknowns", .integer),
  Column("nonzeros", "nnz(D_zz)", .integer),
  Column("forward_ms", "forward ms", .milliseconds),
  Column("automatic_ms", "automatic ms", .milliseconds),
  Column("automatic_choice", "automatic chose", .text),
  Column("automatic_workspace_ms", "auto ws ms", .milliseconds),
  Column("krylov_ms", "krylov ms", .milliseconds),
  Column("gmres_iterations", "GMRES its", .integer),
  Column("sparse_lu_ms", "sparseLU ms", .milliseconds),
  Column("lu_nonzeros", "nnz(L+U)", .integer),
  Column("dense_lu_ms", "dense lu ms", .milliseconds),
  Column("working_set_mb", "auto MB", .decimals(0)),
  Column("wrapper_ms", "wrapper ms", .milliseconds),
  Column("direct_umfpack_ms", "UMFPACK ms", .milliseconds),
  Column("wrapper_over_direct", "wrapper/direct", .ratio),
  Column("max_relative_difference", "max rel diff", .scientific),
  Column("check", "check", .text),
]

/// The tolerance of the answer checks: GMRES stops at a relative residual of
/// 1e-12, which the conditioning of I − γP (≤ 19) and of the grids' Laplacians
/// (≈ 0.4·m² in 2-D) magnifies in the solution.
let sparseTolerance = 1e-7

/// Runs `sparse` and returns its report.
///
/// - Throws: an engine error (none expected on these programs).
func runSparse(
  markovSizes: [Int], poisson2dSizes: [Int], poisson3dSizes: [Int], markovLUMaxStates: Int = 3000,
  poisson3dLUMaxWidth: Int = 40, poisson2dKrylovMaxWidth: Int = 256, denseMaxOrder: Int = 3000,
  seed: UInt64 = 7, harness: Harness
) throws -> BenchmarkReport {
  var report = BenchmarkReport(command: "sparse", machine: .current())
  report.parameters = [
    ("markov sizes", markovSizes.map(String.init).joined(separator: ",")),
    ("poisson2d widths", poisson2dSizes.map(String.init).joined(separator: ",")),
    ("poisson3d widths", poisson3dSizes.map(String.init).joined(separator: ",")),
    ("seed", "\(seed)"), ("repeats", "\(harness.repeats) after \(harness.warmups) warm-up"),
  ]
  var table = ResultTable(
    name: "sparse",
    title: "Large sparse cyclic programs: median ms of value + gradient (forward solve included)",
    columns: sparseColumns)
  var automaticSeries = Series("gradient(.automatic)", expectedSlope: 1)
  var goals: [String: (seconds: Double, bytes: Int?)] = [:]

  for n in markovSizes {
    harness.progress("markov n = \(n): building")
    let markov = try SparseMarkovReward(states: n, transitions: 8, seed: seed)
    let values = markov.referenceValues()
    let gradient = try markov.referenceGradient()
    var row = try measureSparseRow(
      name: "markov n = \(n)", program: markov.program, inputs: markov.inputs,
      sparseLU: n <= markovLUMaxStates, krylov: true, dense: n <= denseMaxOrder, harness: harness,
      check: { path, result in
        let pathValues: [Double]? = path == "forward" ? markov.stateValues(result) : nil
        return pathValues.map { ($0, values, "value iteration") }
          ?? (result, gradient, "iteration on the transpose")
      }, report: &report)
    row["problem"] = .text("markov n = \(n)")
    if let seconds = row["automatic_ms"]?.number { automaticSeries.add(n, seconds / 1e3) }
    goals["markov \(n)"] = (
      (row["automatic_ms"]?.number ?? .infinity) / 1e3,
      row["working_set_mb"]?.number.map { Int($0 * 1e6) }
    )
    goals["markov \(n) ws"] = ((row["automatic_workspace_ms"]?.number ?? .infinity) / 1e3, nil)
    table.rows.append(row)
  }
  for (dimensions, sizes) in [(2, poisson2dSizes), (3, poisson3dSizes)] {
    for m in sizes {
      let name = "poisson\(dimensions)d m = \(m)"
      harness.progress("\(name): building")
      let grid = try PoissonGrid(
        dimensions: dimensions, size: m, nonlinear: dimensions == 2, seed: seed)
      // The reference: the forward solution checked by the PDE residual, then a
      // direct UMFPACK solve of Jᵀλ = ∇f with J assembled here.
      let solution = try grid.program.solveConstraints(at: grid.inputs)
      let u = grid.unknownIndices.map { solution[$0] }
      let residual = grid.relativeResidual(u)
      let jacobian = grid.jacobian(at: u)
      let weights = [Double](repeating: 1 / Double(grid.unknownCount), count: grid.unknownCount)
      let reference = try directUMFPACKSolve(
        order: grid.unknownCount, columnStart: jacobian.columnStart,
        rowIndices: jacobian.rowIndices, values: jacobian.values, rightHandSide: weights,
        transpose: true)
      report.checks.append(
        AnswerCheck(
          row: name, path: "forward", reference: "PDE residual", relativeError: residual,
          tolerance: 1e-10))
      var row = try measureSparseRow(
        name: name, program: grid.program, inputs: grid.inputs,
        sparseLU: dimensions == 2 || m <= poisson3dLUMaxWidth,
        krylov: dimensions == 3 || m <= poisson2dKrylovMaxWidth,
        dense: grid.program.intermediateCount <= denseMaxOrder, harness: harness,
        check: { path, result in
          path == "forward"
            ? (grid.unknownIndices.map { result[$0] }, u, "solveConstraints")
            : (result, reference, "direct UMFPACK solve of Jᵀλ = ∇f")
        }, report: &report)
      row["problem"] = .text(name)
      goals[name] = ((row["automatic_ms"]?.number ?? .infinity) / 1e3, nil)
      table.rows.append(row)
    }
  }
  report.tables.append(table)
  report.series = [automaticSeries].filter { !$0.points.isEmpty }
  report.plotTitle = "Sparse Markov reward: value + gradient with .automatic"
  report.plotXLabel = "n (states)"
  report.fitSlopes(top: 3)

  func goal(_ key: String, _ text: String, seconds limit: Double, bytes: Int? = nil) {
    guard let measured = goals[key] else { return }
    var met = measured.seconds <= limit
    var detail = String(format: "%.3f s", measured.seconds)
    if let bytes, let used = measured.bytes {
      met = met && used <= bytes
      detail += ", working set \(formatBytes(Double(used)))"
    }
    report.goals.append(GoalResult(goal: text, met: met, detail: detail))
  }
  goal("markov 100000", "Markov n = 10⁵: value + gradient (.automatic) ≤ 0.3 s", seconds: 0.3)
  goal(
    "markov 1000000", "Markov n = 10⁶: value + gradient (.automatic) ≤ 3 s, ≤ 2 GB", seconds: 3,
    bytes: 2_000_000_000)
  goal(
    "markov 1000000 ws",
    "Markov n = 10⁶ with a Program.Workspace (same Jacobian: GMRES solver reused) ≤ 3 s",
    seconds: 3)
  goal("poisson2d m = 300", "2-D Poisson 300 × 300: value + gradient ≤ 2 s", seconds: 2)
  goal("poisson3d m = 40", "3-D Poisson 40³: value + gradient ≤ 10 s", seconds: 10)
  report.notes.append(
    "automatic chose: the method .automatic took for the cyclic block — sparse LU + GMRES is one "
      + "sparse LU at Newton's first iterate, then GMRES preconditioned by it for the later Newton "
      + "steps and the adjoint (a fresh LU if GMRES needs more than 20 iterations).")
  report.notes.append(
    "Times include the forward solve (Newton; GMRES steps are inexact for nonlinear blocks). "
      + "auto ws = the same calls with one Program.Workspace, which keeps a block's GMRES solver "
      + "(ILU(0), operator, singularity check) and reuses it when the block's Jacobian comes back "
      + "unchanged — here, an affine block, at every call; auto ms builds it at every call. "
      + "auto MB = the working set of one gradient(.automatic): peak resident bytes during the call "
      + "above the resident bytes before it. GMRES its = iterations of one adjoint solve with D_zz "
      + "(tolerance 1e-12, restart 50, ILU(0)). wrapper/direct: SparseLUFactorization (symbolic + "
      + "numeric) and one transposed solve, against umfpack_dl_symbolic/numeric/solve called directly "
      + "with the same Control, on the same D_zz (goal ≤ 1.1). Answer tolerance "
      + "\(formatScientific(sparseTolerance)): GMRES's 1e-12 residual times the conditioning.")
  return report
}

/// Times one problem on every path and checks the answers.
///
/// - Parameter check: for a path (`forward` for the values) and its answer, the
///   compared answer, the reference and its name.
private func measureSparseRow(
  name: String, program: Program, inputs: [Double], sparseLU: Bool, krylov runsKrylov: Bool,
  dense: Bool,
  harness: Harness,
  check: (String, [Double]) -> (answer: [Double], expected: [Double], reference: String),
  report: inout BenchmarkReport
) throws -> [String: Cell] {
  var row: [String: Cell] = ["unknowns": .integer(program.intermediateCount)]
  var answers: [(String, [Double])] = []
  var values: [Double] = []
  let forward = try harness.measure("\(name) · forward") {
    values = try program.solveConstraints(at: inputs)
    blackHole(values)
  }
  row["forward_ms"] = .number(forward.milliseconds)
  answers.append(("forward", values))

  var automatic: GradientResult?
  let automaticTiming = try harness.measure("\(name) · gradient(.automatic)") {
    automatic = try program.gradient(at: inputs)
    blackHole(automatic!.gradient)
  }
  row["automatic_ms"] = .number(automaticTiming.milliseconds)
  let reason = automatic!.solverReason
  let blocks = reason.components(separatedBy: "blocks: ").dropFirst().first ?? ""
  row["automatic_choice"] = .text(
    blocks.contains("preconditioned by the sparse LU")
      ? "sparse LU + GMRES"
      : blocks.hasPrefix("GMRES")
        ? "GMRES + ILU(0)"
        : blocks.hasPrefix("sparse LU")
          ? "sparse LU"
          : automatic!.solver == .blockTriangular ? "band/dense LU" : "\(automatic!.solver)")
  answers.append(("automatic", automatic!.gradient))
  // The same calls with one Program.Workspace: an affine block's Jacobian is the
  // same at every call, so its GMRES solver (ILU(0), operator, check) is reused.
  let workspace = Program.Workspace()
  var kept: [Double] = []
  let workspaceTiming = try harness.measure("\(name) · gradient(.automatic, workspace:)") {
    kept = try program.gradient(at: inputs, workspace: workspace).gradient
    blackHole(kept)
  }
  row["automatic_workspace_ms"] = .number(workspaceTiming.milliseconds)
  answers.append(("automatic ws", kept))
  let (_, usage) = try ResidentMemory.measure { try program.gradient(at: inputs) }
  if let bytes = usage.workingSetBytes { row["working_set_mb"] = .number(Double(bytes) / 1e6) }

  if runsKrylov {
    var krylov: [Double] = []
    do {
      let krylovTiming = try harness.measure("\(name) · gradient(.krylov)") {
        krylov = try program.gradient(at: inputs, solver: .krylov).gradient
        blackHole(krylov)
      }
      row["krylov_ms"] = .number(krylovTiming.milliseconds)
      answers.append(("krylov", krylov))
    } catch let error as LagrangePropError {
      // A refusal is a result too (GMRES not converging within the limit): noted, not timed.
      report.notes.append("\(name): gradient(.krylov) threw: \(error)")
    }
  }

  // The matrix both sparse paths work on, for the iteration count and the UMFPACK comparison.
  let linearization = try program.linearize(at: inputs)
  let matrix = linearization.sparseNonInputJacobian()
  row["nonzeros"] = .integer(matrix.nonzeroCount)
  let objective = try linearization.objectiveGradient()
  let rhs = program.programOrder.dropFirst(program.inputCount).map { objective[$0.index] }
  var copy = rhs
  if let outcome = try? copy.withUnsafeMutableBufferPointer({
    try KrylovSolver(matrix).solve($0, transpose: false)
  }) {
    row["gmres_iterations"] = .integer(outcome.iterations)
  }

  if sparseLU {
    var lu: [Double] = []
    let luTiming = try harness.measure("\(name) · gradient(.sparseLU)") {
      lu = try program.gradient(at: inputs, solver: .sparseLU).gradient
      blackHole(lu)
    }
    row["sparse_lu_ms"] = .number(luTiming.milliseconds)
    answers.append(("sparseLU", lu))
    var factorNonzeros = 0
    let wrapper = try harness.measure("\(name) · SparseLUFactorization + solve") {
      let factorization = try SparseLUFactorization(matrix)
      factorNonzeros = factorization.factorNonzeros
      blackHole(try factorization.solve(rhs, transpose: true))
    }
    let direct = try harness.measure("\(name) · umfpack_dl_symbolic/numeric/solve") {
      blackHole(
        try directUMFPACKSolve(
          order: matrix.order, columnStart: matrix.columnStart, rowIndices: matrix.rowIndices,
          values: matrix.values, rightHandSide: rhs, transpose: true))
    }
    row["lu_nonzeros"] = .integer(factorNonzeros)
    row["wrapper_ms"] = .number(wrapper.milliseconds)
    row["direct_umfpack_ms"] = .number(direct.milliseconds)
    row["wrapper_over_direct"] = .number(wrapper.median / direct.median)
  }
  if dense {
    var lu: [Double] = []
    let denseTiming = try harness.measure("\(name) · gradient(.lu)") {
      lu = try program.gradient(at: inputs, solver: .lu).gradient
      blackHole(lu)
    }
    row["dense_lu_ms"] = .number(denseTiming.milliseconds)
    answers.append(("lu", lu))
  }
  var checks: [AnswerCheck] = []
  for (path, answer) in answers {
    let compared = check(path, harness.deliver(answer, path: path))
    checks.append(
      AnswerCheck(
        row: name, path: path, answer: compared.answer, reference: compared.reference,
        expected: compared.expected, tolerance: sparseTolerance))
  }
  report.checks += checks
  row["max_relative_difference"] = .number(checks.map(\.relativeError).max() ?? 0)
  row["check"] = .text(checks.allSatisfy(\.passed) ? "ok" : "FAIL")
  return row
}
