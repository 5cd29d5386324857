// Helpers of the benchmark smoke tests: a fast harness, and parsers of the
// benchmark's JSON and CSV output.

import ArgumentParser
import Foundation
import XCTest

@testable import LagrangeBench

/// One timed sample after one warm-up, no batching, no progress: the smallest run
/// that still goes through every measurement and check.
func smokeHarness(corrupting path: String? = nil) -> Harness {
  Harness(
    repeats: 1, warmups: 1, minimumSampleSeconds: 0, showsProgress: false,
    corruption: path.map { Corruption(path: $0, relativeSize: 1e-6) })
}

/// The report's JSON output decoded with `JSONSerialization` (fails the test if it does not parse).
func decodedJSON(
  _ report: BenchmarkReport, file: StaticString = #filePath, line: UInt = #line
) throws -> [String: Any] {
  let text = report.rendered(as: .json)
  let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
  return try XCTUnwrap(
    object as? [String: Any], "JSON output is not an object", file: file, line: line)
}

/// The rows of table `index` in a decoded JSON report.
func jsonRows(_ json: [String: Any], table index: Int = 0) -> [[String: Any]] {
  let tables = json["tables"] as? [[String: Any]] ?? []
  guard index < tables.count else { return [] }
  return tables[index]["rows"] as? [[String: Any]] ?? []
}

/// The CSV output split into sections (one per table): each a header and rows of
/// fields, with `#` comment lines and blank lines dropped.
func csvSections(_ report: BenchmarkReport) -> [(header: [String], rows: [[String]])] {
  var sections: [(header: [String], rows: [[String]])] = []
  var expectHeader = true
  for line in report.rendered(as: .csv).split(separator: "\n", omittingEmptySubsequences: false) {
    if line.hasPrefix("# table:") || line.isEmpty {
      expectHeader = true
      continue
    }
    if line.hasPrefix("#") { continue }
    let fields = csvFields(String(line))
    if expectHeader {
      sections.append((fields, []))
      expectHeader = false
    } else {
      sections[sections.count - 1].rows.append(fields)
    }
  }
  return sections
}

/// Asserts the report's checks all passed, naming the failures otherwise.
func assertAnswersAgree(
  _ report: BenchmarkReport, file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertFalse(report.checks.isEmpty, "no answer checks were made", file: file, line: line)
  XCTAssertTrue(
    report.passed, report.failures.map(\.description).joined(separator: "\n"), file: file,
    line: line)
}

/// Asserts the report failed exactly on checks of `path` (the corrupted one).
func assertCorruptionDetected(
  _ report: BenchmarkReport, path: String, file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertFalse(report.passed, "corrupting \(path) went unnoticed", file: file, line: line)
  XCTAssertFalse(report.failures.isEmpty, file: file, line: line)
  for failure in report.failures {
    XCTAssertTrue(
      failure.path.hasPrefix(path), "unexpected failure: \(failure.description)", file: file,
      line: line)
    XCTAssertGreaterThan(failure.relativeError, failure.tolerance, file: file, line: line)
  }
}

/// Whether parsing `arguments` for `command` throws (a validation or parse error).
func parseFails<C: ParsableCommand>(_ command: C.Type, _ arguments: [String]) -> Bool {
  do {
    _ = try C.parse(arguments)
    return false
  } catch {
    return true
  }
}

/// The fields of one CSV line (RFC 4180 quoting: `"a, b"` is one field, `""` a quote).
func csvFields(_ line: String) -> [String] {
  var fields: [String] = []
  var field = ""
  var quoted = false
  var characters = Array(line)[...]
  while let c = characters.popFirst() {
    if quoted {
      if c == "\"" {
        if characters.first == "\"" {
          field.append("\"")
          characters.removeFirst()
        } else {
          quoted = false
        }
      } else {
        field.append(c)
      }
    } else if c == "\"" {
      quoted = true
    } else if c == "," {
      fields.append(field)
      field = ""
    } else {
      field.append(c)
    }
  }
  fields.append(field)
  return fields
}
