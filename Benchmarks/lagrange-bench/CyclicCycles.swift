import Foundation
import LagrangeProp

/// Part (b) of `lagrange-bench cyclic`: programs of short cycles joined acyclically,
/// `.blockTriangular` against the sweep on an acyclic twin (and `.lu` where it fits).
/// Appends its table, checks, goal and notes to `report` and returns its series.
func runCyclesPart(
  sizes cycleSizes: [Int], maxCycle: Int, denseMaxN: Int, seed: UInt64, harness: Harness,
  report: inout BenchmarkReport
) throws -> [Series] {
  var series: [Series] = []
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
        + "(over --dense-max-n \(denseMaxN) or --dense-limit \(formatBytes(Double(harness.matrixByteLimit))))."
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
  return series
}
