import ArgumentParser
import Foundation
import XCTest

@testable import LagrangeBench

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The benchmark harness: statistics, batching, answer checks, slope fits, the
/// three output formats, the SVG plot, memory readings and argument parsing.
/// No timing is asserted, only the shape of what is measured.
final class HarnessTests: XCTestCase {
  func testMeasureReportsOrderedStatisticsOverTheRepeats() {
    let harness = Harness(repeats: 3, warmups: 1, minimumSampleSeconds: 0)
    var calls = 0
    let timing = harness.measure("count") { calls += 1 }
    XCTAssertEqual(timing.samples, 3)
    XCTAssertEqual(timing.callsPerSample, 1)
    XCTAssertEqual(calls, 4, "one warm-up and three samples")
    XCTAssertLessThanOrEqual(timing.minimum, timing.median)
    XCTAssertLessThanOrEqual(timing.median, timing.maximum)
    XCTAssertGreaterThanOrEqual(timing.minimum, 0)
  }

  func testFastCallsAreBatchedWithinASample() {
    let harness = Harness(
      repeats: 2, warmups: 1, minimumSampleSeconds: 0.002, maximumCallsPerSample: 50)
    var calls = 0
    let timing = harness.measure("tiny") { calls += 1 }
    XCTAssertEqual(timing.callsPerSample, 50, "a no-op is far below 2 ms: the batch hits its cap")
    XCTAssertEqual(calls, 1 + 2 * 50)
  }

  func testSetupRunsOutsideTheClockOncePerCall() {
    let harness = Harness(repeats: 2, warmups: 1, minimumSampleSeconds: 0)
    var setups = 0
    var bodies = 0
    _ = harness.measure(
      "setup",
      setup: { () -> [Double] in
        setups += 1
        return [1, 2, 3]
      },
      body: { (input: consuming [Double]) in
        bodies += 1
        blackHole(input)
      })
    XCTAssertEqual(setups, 3)
    XCTAssertEqual(bodies, 3)
  }

  func testInterleavedMeasurementsAlternateAndKeepTheirOwnBatches() throws {
    let harness = Harness(repeats: 3, warmups: 1, minimumSampleSeconds: 0)
    var order: [String] = []
    var setups = 0
    let timings = try harness.measureInterleaved([
      Contender("a") { order.append("a") },
      Contender(
        "b",
        setup: { () -> Int in
          setups += 1
          return setups
        },
        body: { (input: consuming Int) in
          order.append("b")
          blackHole(Double(input))
        }),
    ])
    XCTAssertEqual(timings.count, 2)
    XCTAssertEqual(timings.map(\.samples), [3, 3])
    XCTAssertEqual(
      order, ["a", "b", "a", "b", "b", "a", "a", "b"], "warm-ups, then rounds in rotating order")
    XCTAssertEqual(setups, 4)
  }

  func testTimeBudgetLimitsTheSamples() {
    let harness = Harness(repeats: 5, maximumSecondsPerMeasurement: 10)
    XCTAssertEqual(harness.samplesWithinBudget(secondsPerSample: 1), 5)
    XCTAssertEqual(harness.samplesWithinBudget(secondsPerSample: 4), 2)
    XCTAssertEqual(harness.samplesWithinBudget(secondsPerSample: 30), 1)
  }

  func testMedianOfOddAndEvenCounts() {
    XCTAssertEqual(medianOf([3, 1, 2]), 2)
    XCTAssertEqual(medianOf([4, 1, 3, 2]), 2.5)
    let timing = Timing(samples: [5, 1, 3], callsPerSample: 1)
    XCTAssertEqual(timing.median, 3)
    XCTAssertEqual(timing.minimum, 1)
    XCTAssertEqual(timing.maximum, 5)
  }

  func testRoundRatioIsTheMedianOfEachRoundsRatio() {
    // Rounds: (3 + 1) / 2 = 2, (1 + 1) / 1 = 2, (2 + 1) / 3 = 1; the ratio of the
    // medians would be (2 + 1) / 2 = 1.5.
    let build = Timing(samples: [3, 1, 2], callsPerSample: 1)
    let compile = Timing(samples: [1, 1, 1], callsPerSample: 1)
    let evaluate = Timing(samples: [2, 1, 3], callsPerSample: 1)
    XCTAssertEqual(medianRoundRatio([build, compile], over: evaluate), 2)
    XCTAssertEqual(medianRoundRatio([evaluate], over: evaluate), 1)
  }

  func testRelativeDifferenceIsNormwiseAndRejectsNaNAndLengthMismatch() {
    XCTAssertEqual(relativeDifference([1, 2, 4.5], [1, 2, 4]), 0.125)
    XCTAssertEqual(relativeDifference([0, 0], [0, 0]), 0)
    XCTAssertTrue(relativeDifference([1, .nan], [1, 2]).isNaN)
    XCTAssertEqual(relativeDifference([1], [1, 2]), .infinity)
    let nanCheck = AnswerCheck(
      row: "r", path: "p", answer: [.nan], reference: "q", expected: [1], tolerance: 1)
    XCTAssertFalse(nanCheck.passed, "NaN never passes")
    let ok = AnswerCheck(
      row: "r", path: "p", answer: [1 + 1e-12], reference: "q", expected: [1], tolerance: 1e-10)
    XCTAssertTrue(ok.passed)
  }

  func testCorruptionPerturbsOnlyItsPathByTheStatedSize() {
    let harness = Harness(corruption: Corruption(path: "lu", relativeSize: 1e-6))
    let answer = [0.5, -4, 2]
    XCTAssertEqual(harness.deliver(answer, path: "sweep"), answer)
    let corrupted = harness.deliver(answer, path: "lu")
    XCTAssertEqual(relativeDifference(corrupted, answer), 1e-6, accuracy: 1e-15)
    XCTAssertEqual(corrupted[1], -4 + 4e-6, "the largest entry moves")
  }

  func testLogLogSlopeRecoversPowerLaws() throws {
    for exponent in [1.0, 2.0, 3.0] {
      let points = [64.0, 128, 256, 512].map {
        Series.Point(n: $0, seconds: 3e-9 * pow($0, exponent))
      }
      XCTAssertEqual(try XCTUnwrap(logLogSlope(points)), exponent, accuracy: 1e-12)
    }
    XCTAssertNil(logLogSlope([Series.Point(n: 10, seconds: 1)]))
    var report = BenchmarkReport(command: "test", machine: .current())
    report.series = [
      Series(
        "quadratic", expectedSlope: 2,
        points: [1, 2, 4, 8, 16].map { .init(n: $0, seconds: $0 * $0) })
    ]
    report.fitSlopes(top: 3)
    XCTAssertEqual(report.slopes.count, 1)
    XCTAssertEqual(report.slopes[0].sizes, [4, 8, 16], "the fit uses the three largest sizes")
    XCTAssertEqual(report.slopes[0].slope, 2, accuracy: 1e-12)
  }

  func testSeriesSkipsPointsALogPlotCannotShow() {
    var series = Series("s")
    series.add(10, 0)
    series.add(20, .nan)
    series.add(30, nil)
    series.add(40, 1e-3)
    XCTAssertEqual(series.points, [Series.Point(n: 40, seconds: 1e-3)])
  }

  func testOutputFormats() throws {
    let report = sampleReport()
    // Table: header line with the thread count, a title, aligned rows.
    let text = report.rendered(as: .table)
    XCTAssertTrue(text.hasPrefix("lagrange-bench sample — OpenBLAS threads "))
    XCTAssertTrue(text.contains("cores"))
    XCTAssertTrue(text.contains("slopes"))
    XCTAssertTrue(text.contains("goal: g — met (d)"))
    XCTAssertTrue(text.contains("answers: all 1 checks passed"))
    XCTAssertFalse(text.contains("hidden"), "columns marked inTable: false stay out of the table")
    // CSV: comment lines, then the keys and one line per row; missing cells empty.
    let sections = csvSections(report)
    XCTAssertEqual(sections.count, 1)
    XCTAssertEqual(sections[0].header, ["n", "ms", "hidden", "note"])
    XCTAssertEqual(sections[0].rows, [["8", "0.5", "1", "a, b"], ["16", "", "2", "ok"]])
    XCTAssertTrue(
      report.rendered(as: .csv).contains("8,0.5,1,\"a, b\"\n"), "a field with a comma is quoted")
    XCTAssertEqual(csvFields("1,\"x \"\"y\"\", z\",3"), ["1", "x \"y\", z", "3"])
    // JSON: decodes, keeps numbers and nulls.
    let json = try decodedJSON(report)
    XCTAssertEqual(json["command"] as? String, "sample")
    let machine = try XCTUnwrap(json["machine"] as? [String: Any])
    XCTAssertNotNil(machine["openblas_threads"] as? Int)
    XCTAssertNotNil(machine["cores"] as? Int)
    let rows = jsonRows(json)
    XCTAssertEqual(rows.count, 2)
    XCTAssertEqual(rows[0]["ms"] as? Double, 0.5)
    XCTAssertTrue(rows[1]["ms"] is NSNull)
    XCTAssertEqual(rows[0]["note"] as? String, "a, b")
    XCTAssertEqual(json["passed"] as? Bool, true)
  }

  func testJSONEscapesAndDropsNonFiniteNumbers() throws {
    var report = sampleReport()
    let text = "quote \" backslash \\ newline \n tab \t bell \u{07}"
    report.tables[0].rows[0]["note"] = .text(text)
    report.tables[0].rows[0]["ms"] = .number(.infinity)
    report.checks.append(
      AnswerCheck(row: "r", path: "p", reference: "q", relativeError: .nan, tolerance: 1))
    let json = try decodedJSON(report)
    let rows = jsonRows(json)
    XCTAssertEqual(rows[0]["note"] as? String, text)
    XCTAssertTrue(rows[0]["ms"] is NSNull, "a non-finite number is null")
    let checks = try XCTUnwrap(json["checks"] as? [[String: Any]])
    XCTAssertTrue(checks.last?["relative_error"] is NSNull)
    XCTAssertEqual(json["passed"] as? Bool, false)
    // Optional fields are present as null, not left out.
    let machine = try XCTUnwrap(json["machine"] as? [String: Any])
    XCTAssertTrue(machine.keys.contains("openblas_num_threads_env"))
  }

  func testSVGPlotHasOneCurvePerSeriesAndALegendWithSlopes() throws {
    var report = sampleReport()
    report.series = [
      Series(
        "fast & linear", expectedSlope: 1,
        points: [.init(n: 10, seconds: 1e-6), .init(n: 100, seconds: 1e-5)]),
      Series(
        "slow <cubic>", expectedSlope: 3,
        points: [.init(n: 10, seconds: 1e-3), .init(n: 100, seconds: 1)]),
      Series("empty"),
    ]
    report.fitSlopes(top: 3)
    let svg = report.svgPlot()
    XCTAssertTrue(svg.hasPrefix("<?xml"))
    XCTAssertTrue(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    XCTAssertEqual(
      svg.components(separatedBy: "<polyline").count - 1, 2, "one line per non-empty series")
    XCTAssertTrue(svg.contains("fast &amp; linear"), "legend text is escaped")
    XCTAssertTrue(svg.contains("slow &lt;cubic&gt;"))
    XCTAssertTrue(svg.contains("slope 1.00 (expected ≈ 1)"))
    XCTAssertTrue(svg.contains("slope 3.00 (expected ≈ 3)"))
    XCTAssertTrue(svg.contains("1 ms") && svg.contains("1 s"), "time axis labelled in units")
    XCTAssertTrue(svg.hasSuffix("</svg>\n"))
    // It is well-formed XML.
    let parser = XMLParser(data: Data(svg.utf8))
    XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
  }

  func testResidentMemoryReadsProcStatus() throws {
    let sample = try XCTUnwrap(ResidentMemory.sample(), "/proc/self/status is readable on Linux")
    XCTAssertGreaterThan(sample.current, 0)
    XCTAssertGreaterThanOrEqual(sample.peak, sample.current)
    let count = 8 << 20  // 64 MiB of doubles, touched
    let (sum, usage) = ResidentMemory.measure { () -> Double in
      let block = [Double](repeating: 1, count: count)
      return block.reduce(0, +)
    }
    XCTAssertEqual(sum, Double(count))
    XCTAssertNotNil(usage.processPeakBytes)
    if let workingSet = usage.workingSetBytes {
      XCTAssertGreaterThanOrEqual(
        workingSet, count * 8 / 2, "the 64 MiB block shows in the working set")
    }
  }

  func testMachineSummaryNamesThreadsAndCores() {
    let machine = MachineInfo.current()
    XCTAssertGreaterThanOrEqual(machine.openBLASThreads, 1)
    XCTAssertGreaterThanOrEqual(machine.cores, 1)
    XCTAssertTrue(machine.summary.contains("OpenBLAS threads \(machine.openBLASThreads)"))
    XCTAssertTrue(machine.summary.contains("OPENBLAS_NUM_THREADS"))
    XCTAssertTrue(machine.summary.contains("cores \(machine.cores)"))
  }

  func testArgumentHelpers() throws {
    XCTAssertEqual(try parseSizeList("64, 128,1e3,10_000"), [64, 128, 1000, 10_000])
    for bad in ["64,x", "64,,128", "1.5", "1e-3"] {
      XCTAssertThrowsError(try parseSizeList(bad), bad)
    }
    XCTAssertEqual(try HarnessOptions.parseByteCount("2GiB"), 2 << 30)
    XCTAssertEqual(try HarnessOptions.parseByteCount("512 MiB"), 512 << 20)
    XCTAssertEqual(try HarnessOptions.parseByteCount("1000"), 1000)
    for bad in ["", "abc", "-1GiB", "0"] {
      XCTAssertThrowsError(try HarnessOptions.parseByteCount(bad), bad)
    }
    let paths: [TriangularVsLU.Path] = try parseChoiceList("lu,sweep")
    XCTAssertEqual(paths, [.lu, .sweep])
    XCTAssertThrowsError(try parseChoiceList("lu,qr") as [TriangularVsLU.Path]) { error in
      XCTAssertTrue("\(error)".contains("qr"), "the message names the unknown path")
      XCTAssertTrue("\(error)".contains("sweep, triangular, lu"), "and lists the valid ones")
    }
    XCTAssertThrowsError(try parseChoiceList("markov,", option: "--parts") as [Cyclic.Part])
    // The calibration: enough calls to fill a sample, within the bounds.
    let harness = Harness(repeats: 3, minimumSampleSeconds: 0.01)
    XCTAssertEqual(harness.callsPerSample(secondsPerCall: 0.02, maximumCalls: 100), 1)
    XCTAssertEqual(harness.callsPerSample(secondsPerCall: 0.001, maximumCalls: 100), 10)
    XCTAssertEqual(harness.callsPerSample(secondsPerCall: 1e-9, maximumCalls: 100), 100)
    XCTAssertEqual(harness.callsPerSample(secondsPerCall: 0, maximumCalls: Int.max), 1_000_000)
    XCTAssertThrowsError(try validateSizes([64, 0], option: "--sizes"))
    XCTAssertThrowsError(try validateSizes([], option: "--sizes"))
    XCTAssertNoThrow(try validateSizes([1, 2], option: "--sizes"))
  }

  func testSharedOptionsValidation() {
    XCTAssertNoThrow(try HarnessOptions.parse([]))
    for arguments in [
      ["--repeats", "0"], ["--format", "xml"], ["--dense-limit", "lots"],
      ["--min-sample-ms", "-1"],
      ["--max-seconds-per-measurement", "0"],
    ] {
      XCTAssertThrowsError(try HarnessOptions.parse(arguments), "\(arguments)")
    }
    let options = try? HarnessOptions.parse([
      "--repeats", "3", "--format", "json", "--dense-limit", "1MiB", "--quiet",
    ])
    XCTAssertEqual(options?.repeats, 3)
    XCTAssertEqual(options?.format, .json)
    XCTAssertEqual(options?.denseLimit, 1 << 20)
    let harness = options?.harness(command: "x")
    XCTAssertEqual(harness?.repeats, 3)
    XCTAssertEqual(harness?.showsProgress, false)
    XCTAssertEqual(harness?.denseFits(order: 362), true, "8·362² < 1 MiB")
    XCTAssertEqual(harness?.denseFits(order: 363), false)
  }

  func testEmitFailsTheCommandWhenAnAnswerDisagrees() throws {
    var report = sampleReport()
    report.checks.append(
      AnswerCheck(
        row: "n = 16", path: "lu", reference: "sweep", relativeError: 1e-3, tolerance: 1e-10))
    let options = try HarnessOptions.parse(["--quiet", "--format", "csv"])
    var printed = ""
    XCTAssertThrowsError(try options.emit(report, harness: smokeHarness()) { printed = $0 }) {
      error in
      XCTAssertEqual((error as? ExitCode)?.rawValue, ExitCode.failure.rawValue)
    }
    XCTAssertTrue(
      printed.contains("# answers: 1 of 2 checks FAILED"), "the report is printed before failing")
    XCTAssertNoThrow(try options.emit(sampleReport(), harness: smokeHarness()) { printed = $0 })
  }

  func testPlotIsWrittenToTheGivenFile() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("lagrange-bench-\(UUID().uuidString).svg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var report = sampleReport()
    report.series = [
      Series("s", points: [.init(n: 8, seconds: 1e-3), .init(n: 16, seconds: 4e-3)])
    ]
    let options = try HarnessOptions.parse(["--quiet", "--format", "json", "--plot", path])
    var printed = ""
    try options.emit(report, harness: smokeHarness()) { printed = $0 }
    XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(printed.utf8)))
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    XCTAssertTrue(svg.contains("<polyline"))
  }

  /// A small report with a hidden column, a missing cell and a field that needs quoting.
  private func sampleReport() -> BenchmarkReport {
    var report = BenchmarkReport(command: "sample", machine: .current())
    report.parameters = [("sizes", "8,16")]
    var table = ResultTable(
      name: "sample", title: "Sample",
      columns: [
        Column("n", "n", .integer), Column("ms", "time ms", .milliseconds),
        Column("hidden", "hidden", .integer, inTable: false), Column("note", "note", .text),
      ])
    table.rows = [
      ["n": .integer(8), "ms": .number(0.5), "hidden": .integer(1), "note": .text("a, b")],
      ["n": .integer(16), "hidden": .integer(2), "note": .text("ok")],
    ]
    report.tables = [table]
    report.series = [
      Series("s", expectedSlope: 1, points: [.init(n: 8, seconds: 1), .init(n: 16, seconds: 2)])
    ]
    report.fitSlopes(top: 3)
    report.goals = [GoalResult(goal: "g", met: true, detail: "d")]
    report.checks = [
      AnswerCheck(
        row: "n = 8", path: "p", answer: [1], reference: "q", expected: [1], tolerance: 1e-10)
    ]
    return report
  }
}
