import ArgumentParser
import Foundation
import LagrangeProp
import XCTest

@testable import LagrangeBench

/// Every `lagrange-bench` subcommand on tiny sizes: its output parses (JSON
/// decodes; CSV has the header and one row per size), its answer checks pass,
/// and corrupting one path's answer (the harness's test hook) makes them fail.
/// Bad arguments are refused. No timing is asserted.
final class SubcommandSmokeTests: XCTestCase {
  // MARK: - triangular-vs-lu

  func testTriangularVsLUOutputsParseAndAnswersAgree() throws {
    let report = try runTriangularVsLU(sizes: [6, 12, 24], fanIn: 3, harness: smokeHarness())
    assertAnswersAgree(report)
    XCTAssertEqual(report.checks.count, 9, "sweep, triangular and LU at each of three sizes")
    let sections = csvSections(report)
    XCTAssertEqual(sections.count, 1)
    XCTAssertEqual(sections[0].header, triangularVsLUColumns.map(\.key))
    XCTAssertEqual(sections[0].rows.map { $0[0] }, ["6", "12", "24"])
    let rows = jsonRows(try decodedJSON(report))
    XCTAssertEqual(rows.map { $0["n"] as? Int }, [6, 12, 24])
    for row in rows {
      XCTAssertEqual(row["check"] as? String, "ok")
      XCTAssertLessThanOrEqual(
        row["max_relative_difference"] as? Double ?? 1, TriangularVsLU.tolerance)
      for key in [
        "forward_ms", "sweep_ms", "dtrsv_ms", "dgetrs_ms", "lu_total_ms", "triangular_total_ms",
      ] {
        XCTAssertGreaterThanOrEqual(row[key] as? Double ?? -1, 0, key)
      }
    }
    XCTAssertEqual(
      report.slopes.map(\.series).prefix(3),
      ["sweep (backpropagation)", "triangular solve (dtrsv)", "LU (dgetrf + dgetrs)"])
    XCTAssertTrue(report.rendered(as: .table).contains("slopes"))
  }

  func testTriangularVsLUDetectsACorruptedAnswer() throws {
    for path in ["triangular", "lu"] {
      let report = try runTriangularVsLU(
        sizes: [10], fanIn: 2, harness: smokeHarness(corrupting: path))
      assertCorruptionDetected(report, path: path)
      XCTAssertEqual(report.tables[0].cell(0, "check"), .text("FAIL"))
    }
  }

  func testTriangularVsLUTimesOnlyTheChosenPaths() throws {
    let report = try runTriangularVsLU(
      sizes: [8, 16], fanIn: 1, paths: [.sweep], harness: smokeHarness())
    assertAnswersAgree(report)
    XCTAssertEqual(report.tables[0].cell(0, "lu_total_ms"), .missing)
    XCTAssertEqual(
      report.series.map(\.name), ["sweep (backpropagation)", "forward pass (values + partials)"])
  }

  func testTriangularVsLUArguments() throws {
    let defaults = try TriangularVsLU.parse([])
    XCTAssertEqual(defaults.sizes, [64, 128, 256, 512, 1024, 2048, 4096])
    XCTAssertEqual(defaults.paths, [.sweep, .triangular, .lu])
    XCTAssertEqual(defaults.options.repeats, 5)
    for arguments in [
      ["--sizes", "0"], ["--sizes", "64,-1"], ["--sizes", "1"], ["--sizes", "64,x"],
      ["--paths", "sweep,qr"], ["--fan-in", "0"], ["--repeats", "0"],
      ["--sizes", "600", "--dense-limit", "1MiB"],  // 8·592² bytes > 1 MiB
    ] {
      XCTAssertTrue(parseFails(TriangularVsLU.self, arguments), "\(arguments)")
    }
    // The sweep alone needs no dense matrix: large sizes are fine.
    XCTAssertFalse(
      parseFails(
        TriangularVsLU.self, ["--sizes", "600", "--dense-limit", "1MiB", "--paths", "sweep"]))
    let command = try LagrangeBench.parseAsRoot([
      "triangular-vs-lu", "--sizes", "8,16", "--format", "csv",
    ])
    XCTAssertEqual((command as? TriangularVsLU)?.options.format, .csv)
  }

  // MARK: - cheap-gradient

  func testCheapGradientOutputsParseAndAnswersAgree() throws {
    let report = try runCheapGradient(stepCounts: [3, 30], harness: smokeHarness())
    assertAnswersAgree(report)
    XCTAssertTrue(
      report.checks.contains {
        $0.reference == "central difference of evaluate" && $0.row == "K = 3"
      },
      "the smallest K is checked against finite differences")
    let sections = csvSections(report)
    XCTAssertEqual(sections[0].header.first, "k")
    XCTAssertEqual(sections[0].rows.map { $0[0] }, ["3", "30"])
    let rows = jsonRows(try decodedJSON(report))
    XCTAssertEqual(rows.map { $0["variables"] as? Int }, [6 * 3 + 3, 6 * 30 + 3])
    XCTAssertEqual(rows.map { $0["traced_variables"] as? Int }, [6 * 3 + 2, 6 * 30 + 2])
    for row in rows {
      for key in [
        "ratio", "variables_per_second", "build_ms", "compile_ms", "build_over_evaluate",
        "trace_ms", "trace_over_evaluate",
      ] {
        XCTAssertGreaterThan(row[key] as? Double ?? 0, 0, key)
      }
    }
    XCTAssertTrue(
      report.checks.contains { $0.path == "traced gradient" && $0.row == "K = 30" },
      "the traced chain's gradient is checked")
    XCTAssertEqual(report.goals.count, 4)
  }

  func testCheapGradientDetectsACorruptedAnswer() throws {
    let report = try runCheapGradient(
      stepCounts: [4], harness: smokeHarness(corrupting: "gradient"))
    assertCorruptionDetected(report, path: "gradient")
  }

  func testBlogChainHandWrittenGradientMatchesTheClosedFormOfOneStep() {
    // One step: f = x₁ = tanh(c) + sin(c), c = a + a² + y, a = exp(x₀/2).
    let (x0, y) = (0.3, -1.2)
    let a = exp(0.5 * x0)
    let c = a + a * a + y
    let dfdc = 1 - tanh(c) * tanh(c) + cos(c)
    let result = BlogChain.handWrittenGradient(steps: 1, x0: x0, y: y)
    XCTAssertEqual(result.value, tanh(c) + sin(c), accuracy: 1e-15)
    XCTAssertEqual(result.gradient[0], dfdc * (1 + 2 * a) * a * 0.5, accuracy: 1e-14)
    XCTAssertEqual(result.gradient[1], dfdc, accuracy: 1e-14)
  }

  func testCheapGradientArguments() throws {
    XCTAssertEqual(try CheapGradient.parse([]).stepCounts, [1000, 10_000, 100_000, 1_000_000])
    XCTAssertEqual(
      try CheapGradient.parse(["--min-k", "10", "--max-k", "250"]).stepCounts, [10, 100, 250])
    for arguments in [["--max-k", "0"], ["--min-k", "100", "--max-k", "10"], ["--min-k", "-5"]] {
      XCTAssertTrue(parseFails(CheapGradient.self, arguments), "\(arguments)")
    }
  }

  // MARK: - lapack-overhead

  func testLapackOverheadOutputsParseAndAnswersAgree() throws {
    let report = try runLapackOverhead(sizes: [5, 17], rightHandSides: 3, harness: smokeHarness())
    assertAnswersAgree(report)
    let sections = csvSections(report)
    XCTAssertEqual(sections[0].header, lapackOverheadColumns.map(\.key))
    XCTAssertEqual(sections[0].rows.count, 2)
    let rows = jsonRows(try decodedJSON(report))
    for row in rows {
      for key in ["lu_ratio", "triangular_ratio", "block_ratio"] {
        XCTAssertGreaterThan(row[key] as? Double ?? 0, 0, key)
      }
    }
  }

  func testLapackOverheadDetectsACorruptedAnswer() throws {
    for path in ["lu", "triangular", "triangular-block"] {
      let report = try runLapackOverhead(
        sizes: [6], rightHandSides: 2, harness: smokeHarness(corrupting: path))
      assertCorruptionDetected(report, path: path)
    }
  }

  func testLapackOverheadArguments() {
    for arguments in [
      ["--sizes", "0"], ["--rhs", "0"], ["--sizes", "400", "--dense-limit", "1MiB"],
    ] {
      XCTAssertTrue(parseFails(LapackOverhead.self, arguments), "\(arguments)")
    }
    XCTAssertFalse(parseFails(LapackOverhead.self, ["--sizes", "300", "--dense-limit", "1MiB"]))
  }

  // MARK: - banded

  func testBandedOutputsParseAndAnswersAgree() throws {
    let report = try runBanded(sizes: [16, 40], bandwidths: [1, 3], harness: smokeHarness())
    assertAnswersAgree(report)
    let sections = csvSections(report)
    XCTAssertEqual(sections.count, 2, "acyclic and cyclic tables")
    XCTAssertEqual(sections[0].header, bandedAcyclicColumns.map(\.key))
    XCTAssertEqual(sections[1].header, bandedCyclicColumns.map(\.key))
    XCTAssertEqual(
      sections[0].rows.map { [$0[0], $0[1]] },
      [["1", "16"], ["1", "40"], ["3", "16"], ["3", "40"]])
    XCTAssertEqual(sections[1].rows.count, 4)
    let json = try decodedJSON(report)
    for row in jsonRows(json, table: 0) + jsonRows(json, table: 1) {
      XCTAssertEqual(row["check"] as? String, "ok")
    }
    let paths = Set(report.checks.map(\.path))
    XCTAssertEqual(
      paths, ["sweep", "bandedTriangular", "triangular", "lu", "bandedLU", "blockTriangular"])
  }

  func testBandedDetectsACorruptedAnswer() throws {
    for path in ["bandedTriangular", "bandedLU", "blockTriangular", "lu-cyclic"] {
      let report = try runBanded(
        sizes: [20], bandwidths: [2], harness: smokeHarness(corrupting: path))
      XCTAssertFalse(report.passed, "corrupting \(path) went unnoticed")
      XCTAssertTrue(report.failures.allSatisfy { $0.relativeError > $0.tolerance })
    }
  }

  func testBandedSkipsDensePathsOverTheLimitWithANote() throws {
    var harness = smokeHarness()
    harness.matrixByteLimit = 8 * 20 * 20
    let report = try runBanded(sizes: [16, 40], bandwidths: [1], harness: harness)
    assertAnswersAgree(report)
    XCTAssertNotEqual(report.tables[0].cell(0, "lu_ms"), .missing, "n = 16 fits")
    XCTAssertEqual(report.tables[0].cell(1, "lu_ms"), .missing, "n = 40 does not")
    XCTAssertEqual(report.tables[1].cell(1, "lu_ms"), .missing)
    XCTAssertTrue(report.notes.contains { $0.contains("dense paths skipped for n = 40") })
  }

  func testBandedArguments() throws {
    XCTAssertEqual(try Banded.parse([]).sizeList, [1000, 4096, 10_000, 100_000, 1_000_000])
    XCTAssertEqual(try Banded.parse(["--max-n", "20000"]).sizeList, [1000, 4096, 10_000, 20_000])
    for arguments in [
      ["--sizes", "4"], ["--sizes", "100", "--bandwidths", "0"],
      ["--sizes", "20", "--bandwidths", "8"],
      ["--min-n", "100", "--max-n", "10"], ["--bandwidths", "x"],
    ] {
      XCTAssertTrue(parseFails(Banded.self, arguments), "\(arguments)")
    }
  }

  // MARK: - batched

  func testBatchedOutputsParseAndAnswersAgree() throws {
    let report = try runBatched(
      points: 5, chainSteps: 20, markovStates: 6, harness: smokeHarness())
    assertAnswersAgree(report)
    let sections = csvSections(report)
    XCTAssertEqual(sections.map(\.header), [batchedColumns.map(\.key)])
    XCTAssertEqual(sections[0].rows.count, 2)
    XCTAssertEqual(
      report.checks.map(\.tolerance), [0, 1e-12, 0, 1e-12],
      "batched must equal single-threaded serial calls bit for bit")
  }

  // MARK: - cyclic

  func testCyclicOutputsParseAndAnswersAgree() throws {
    let report = try runCyclic(
      markovSizes: [3, 8], cycleSizes: [30, 90], maxCycle: 6, harness: smokeHarness())
    assertAnswersAgree(report)
    let sections = csvSections(report)
    XCTAssertEqual(sections.map(\.header), [markovColumns.map(\.key), cycleColumns.map(\.key)])
    XCTAssertEqual(sections[0].rows.map { $0[0] }, ["3", "8"])
    XCTAssertEqual(sections[1].rows.map { $0[0] }, ["30", "90"])
    let json = try decodedJSON(report)
    XCTAssertEqual(jsonRows(json, table: 0).count, 2)
    for (row, n) in zip(jsonRows(json, table: 0), [3, 8]) {
      XCTAssertEqual(row["lu_order"] as? Int, n, "the pure form factors n × n")
      XCTAssertEqual(row["unknowns"] as? Int, n)
      for key in ["forward_ms", "lu_gradient_ms", "block_gradient_ms", "dgesv_ms", "dgetrf_ms"] {
        XCTAssertGreaterThan(row[key] as? Double ?? 0, 0, key)
      }
      XCTAssertGreaterThan(row["lu_gflops"] as? Double ?? 0, 0)
      XCTAssertGreaterThan(row["lu_over_dgesv"] as? Double ?? 0, 0)
      XCTAssertGreaterThan(row["automatic_workspace_over_dgesv"] as? Double ?? 0, 0)
    }
    XCTAssertEqual(jsonRows(json, table: 1).count, 2)
    let markovPaths = report.checks.filter { $0.row.hasPrefix("markov") }.map(\.path)
    XCTAssertEqual(
      markovPaths,
      [
        "forward", "lu", "blockTriangular", "automatic (workspace)", "forward", "lu",
        "blockTriangular", "automatic (workspace)",
      ])
    XCTAssertTrue(report.checks.contains { $0.reference == "closed form (I − γP)⁻ᵀw" })
    XCTAssertTrue(report.checks.contains { $0.reference.hasPrefix("forward mode") })
    XCTAssertTrue(report.notes.contains { $0.hasPrefix("(a) pure form") })
    XCTAssertTrue(report.goals[0].goal.contains("pure form"))
  }

  func testCyclicGammaInputFormOutputsParseAndAnswersAgree() throws {
    let report = try runCyclic(
      markovSizes: [3, 7], markovForm: .gammaInput, cycleSizes: [], harness: smokeHarness())
    assertAnswersAgree(report)
    XCTAssertEqual(report.tables.map(\.name), ["markov"])
    let rows = jsonRows(try decodedJSON(report))
    XCTAssertEqual(rows.map { $0["lu_order"] as? Int }, [6, 14], "γ-input: .lu factors 2n × 2n")
    XCTAssertEqual(rows.map { $0["unknowns"] as? Int }, [6, 14])
    XCTAssertTrue(report.checks.contains { $0.reference.hasPrefix("closed form (∂f/∂γ") })
    XCTAssertTrue(report.notes.contains { $0.hasPrefix("(a) γ-input form") })
    XCTAssertTrue(report.goals[0].detail.contains("not attainable"))
  }

  func testCyclicDetectsACorruptedAnswer() throws {
    for path in ["lu", "blockTriangular", "forward", "sweep"] {
      let report = try runCyclic(
        markovSizes: [4], cycleSizes: [24], maxCycle: 5, harness: smokeHarness(corrupting: path))
      assertCorruptionDetected(report, path: path)
    }
    for path in ["lu", "blockTriangular", "forward"] {
      let report = try runCyclic(
        markovSizes: [4], markovForm: .gammaInput, cycleSizes: [],
        harness: smokeHarness(corrupting: path))
      assertCorruptionDetected(report, path: path)
    }
  }

  func testMarkovPureFormIsOneAffineBlockWhoseLUIsReused() throws {
    let n = 6
    let pure = try MarkovReward(states: n, seed: 3, form: .pure)
    XCTAssertEqual(pure.program.inputs.count, n, "inputs r only")
    XCTAssertEqual(pure.program.intermediateCount, n)
    XCTAssertEqual(pure.program.edgeCount, n * n + n)
    XCTAssertEqual(pure.program.cyclicBlockFeedbackSizes, [n], "every v feeds back")
    guard case .reusedBlockLU = try pure.program.linearize(at: pure.inputs, solver: .lu).factor
    else { return XCTFail(".lu should reuse the forward solve's LU of S = D_zzᵀ") }

    let gammaInput = try MarkovReward(states: n, seed: 3, form: .gammaInput)
    XCTAssertEqual(gammaInput.program.inputs.count, n + 1, "γ and r")
    XCTAssertEqual(gammaInput.program.intermediateCount, 2 * n)
    XCTAssertEqual(gammaInput.program.edgeCount, n * n + 3 * n)
    guard case .lu = try gammaInput.program.linearize(at: gammaInput.inputs, solver: .lu).factor
    else { return XCTFail("the γ-input form factors its 2n × 2n D_zz") }
    // Same P, r and w in both forms.
    XCTAssertEqual(pure.transition, gammaInput.transition)
    XCTAssertEqual(pure.rewards, gammaInput.rewards)
    XCTAssertEqual(pure.weights, gammaInput.weights)
    XCTAssertEqual(gammaInput.inputs, [MarkovReward.gamma] + pure.rewards)
  }

  func testCyclePrograms() throws {
    let programs = try CyclePrograms(variables: 100, maxCycle: 8, seed: 1)
    XCTAssertEqual(programs.cyclic.variableCount, 100)
    XCTAssertEqual(programs.acyclic.variableCount, 100)
    XCTAssertEqual(programs.cyclic.edgeCount, programs.acyclic.edgeCount, "same ops and edges")
    XCTAssertTrue(programs.acyclic.isAcyclic)
    XCTAssertEqual(programs.cyclic.cyclicBlocks.count, programs.blockCount)
    XCTAssertTrue(programs.cyclic.cyclicBlocks.allSatisfy { $0.count >= 2 && $0.count <= 9 })
    XCTAssertTrue(
      programs.cyclic.cyclicBlockFeedbackSizes.allSatisfy { $0 == 1 },
      "one feedback variable per ring")
  }

  func testMarkovClosedFormMatchesAnIndependentSolve() throws {
    // Two states, solved by hand: v = (I − γP)⁻¹ r and ∂(wᵀv)/∂r = (I − γP)⁻ᵀ w.
    for form in MarkovForm.allCases {
      let markov = try MarkovReward(states: 2, seed: 9, form: form)
      let g = MarkovReward.gamma
      let p = markov.transition
      let (a, b, c, d) = (1 - g * p[0], -g * p[1], -g * p[2], 1 - g * p[3])
      let det = a * d - b * c
      let w = markov.weights
      let y = [(d * w[0] - c * w[1]) / det, (-b * w[0] + a * w[1]) / det]
      let r = markov.rewards
      let v = [(d * r[0] - b * r[1]) / det, (-c * r[0] + a * r[1]) / det]
      let dGamma = y[0] * (p[0] * v[0] + p[1] * v[1]) + y[1] * (p[2] * v[0] + p[3] * v[1])
      let closedForm = markovClosedForm(markov)
      XCTAssertLessThan(relativeDifference(closedForm.values, v), 1e-13, "\(form)")
      XCTAssertLessThan(
        relativeDifference(closedForm.gradient, form == .pure ? y : [dGamma] + y), 1e-13,
        "\(form)")
    }
  }

  func testCyclicArguments() throws {
    let defaults = try Cyclic.parse([])
    XCTAssertEqual(defaults.markovSizes, [100, 200, 500, 1000, 2000, 3000])
    XCTAssertEqual(defaults.cycleSizes, [1000, 10_000, 100_000, 1_000_000])
    XCTAssertEqual(defaults.parts, [.markov, .cycles])
    XCTAssertEqual(defaults.markovForm, .pure)
    XCTAssertEqual(try Cyclic.parse(["--markov-form", "gamma-input"]).markovForm, .gammaInput)
    for arguments in [
      ["--parts", "markov,qr"], ["--markov-sizes", "1"], ["--sizes", "3"], ["--max-cycle", "1"],
      ["--markov-sizes", "400", "--dense-limit", "1MiB"], ["--markov-form", "qr"],
      // 8·600² bytes > 1 MiB: the γ-input form factors 2n × 2n.
      ["--markov-sizes", "300", "--dense-limit", "1MiB", "--markov-form", "gamma-input"],
    ] {
      XCTAssertTrue(parseFails(Cyclic.self, arguments), "\(arguments)")
    }
    // 8·300² bytes < 1 MiB: the pure form fits.
    XCTAssertFalse(parseFails(Cyclic.self, ["--markov-sizes", "300", "--dense-limit", "1MiB"]))
  }

  // MARK: - dense-solve on the harness

  func testDenseSolveReportParsesAndDetectsACorruptedSolve() throws {
    let rows = try runDenseSolve(sizes: [3, 9], harness: smokeHarness())
    let report = denseSolveReport(rows, harness: smokeHarness())
    assertAnswersAgree(report)
    XCTAssertEqual(csvSections(report)[0].rows.count, 2)
    XCTAssertEqual(jsonRows(try decodedJSON(report)).count, 2)
    for path in ["lu", "triangular"] {
      let corrupted = try runDenseSolve(sizes: [9], harness: smokeHarness(corrupting: path))
      let failing = denseSolveReport(corrupted, harness: smokeHarness())
      assertCorruptionDetected(failing, path: path)
    }
  }
}
