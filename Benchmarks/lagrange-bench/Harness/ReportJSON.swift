// The JSON form of a report (`--format json`): plain `Encodable` types encoded by
// Foundation's `JSONEncoder`, keys sorted, non-finite numbers as `null`.

import Foundation

/// A number that encodes as JSON `null` when it is not finite (JSON has no NaN
/// or infinity; `JSONEncoder` would refuse the whole report).
struct JSONNumber: Encodable, Sendable, Equatable {
  /// The number.
  var value: Double

  init(_ value: Double) { self.value = value }

  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
  }
}

extension Cell: Encodable {
  /// An integer, a number (`null` if not finite), a string, or `null` when missing.
  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .missing: try container.encodeNil()
    case .integer(let i): try container.encode(i)
    case .number(let x): try container.encode(JSONNumber(x))
    case .text(let t): try container.encode(t)
    }
  }
}

/// The report as JSON objects. Optional fields are written as `null`, not left out.
struct ReportJSON: Encodable {
  struct Machine: Encodable {
    var openblasThreads: Int
    var openblasNumThreadsEnv: String?
    var cores: Int
    var activeCores: Int
    var build: String
    var loadAverage: [Double]?

    enum CodingKeys: String, CodingKey {
      case openblasThreads = "openblas_threads"
      case openblasNumThreadsEnv = "openblas_num_threads_env"
      case cores
      case activeCores = "active_cores"
      case build
      case loadAverage = "load_average"
    }

    func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(openblasThreads, forKey: .openblasThreads)
      try c.encode(openblasNumThreadsEnv, forKey: .openblasNumThreadsEnv)
      try c.encode(cores, forKey: .cores)
      try c.encode(activeCores, forKey: .activeCores)
      try c.encode(build, forKey: .build)
      try c.encode(loadAverage?.map(JSONNumber.init), forKey: .loadAverage)
    }
  }

  struct Table: Encodable {
    struct ColumnTitle: Encodable {
      var key: String
      var title: String
    }
    var name: String
    var title: String
    var columns: [ColumnTitle]
    /// Every column's key in every row (`null` for a missing cell).
    var rows: [[String: Cell]]
  }

  struct Curve: Encodable {
    struct Point: Encodable {
      var n: JSONNumber
      var seconds: JSONNumber
    }
    var name: String
    var expectedSlope: JSONNumber?
    var points: [Point]

    enum CodingKeys: String, CodingKey {
      case name
      case expectedSlope = "expected_slope"
      case points
    }

    func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(name, forKey: .name)
      try c.encode(expectedSlope, forKey: .expectedSlope)
      try c.encode(points, forKey: .points)
    }
  }

  struct Slope: Encodable {
    var series: String
    var slope: JSONNumber
    var expected: JSONNumber?
    var sizes: [JSONNumber]

    enum CodingKeys: String, CodingKey { case series, slope, expected, sizes }

    func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(series, forKey: .series)
      try c.encode(slope, forKey: .slope)
      try c.encode(expected, forKey: .expected)
      try c.encode(sizes, forKey: .sizes)
    }
  }

  struct Goal: Encodable {
    var goal: String
    var met: Bool
    var detail: String
  }

  struct Check: Encodable {
    var row: String
    var path: String
    var reference: String
    var relativeError: JSONNumber
    var tolerance: JSONNumber
    var passed: Bool

    enum CodingKeys: String, CodingKey {
      case row, path, reference
      case relativeError = "relative_error"
      case tolerance, passed
    }
  }

  var command: String
  var machine: Machine
  var parameters: [String: String]
  var tables: [Table]
  var series: [Curve]
  var slopes: [Slope]
  var goals: [Goal]
  var notes: [String]
  var checks: [Check]
  var passed: Bool
}

extension BenchmarkReport {
  /// The report's JSON form.
  var json: ReportJSON {
    ReportJSON(
      command: command,
      machine: ReportJSON.Machine(
        openblasThreads: machine.openBLASThreads,
        openblasNumThreadsEnv: machine.openBLASThreadsVariable, cores: machine.cores,
        activeCores: machine.activeCores, build: machine.build, loadAverage: machine.loadAverage),
      parameters: Dictionary(parameters, uniquingKeysWith: { _, last in last }),
      tables: tables.map { table in
        ReportJSON.Table(
          name: table.name, title: table.title,
          columns: table.columns.map { ReportJSON.Table.ColumnTitle(key: $0.key, title: $0.title) },
          rows: table.rows.map { row in
            Dictionary(
              uniqueKeysWithValues: table.columns.map { ($0.key, row[$0.key] ?? .missing) })
          })
      },
      series: series.map { s in
        ReportJSON.Curve(
          name: s.name, expectedSlope: s.expectedSlope.map(JSONNumber.init),
          points: s.points.map { .init(n: JSONNumber($0.n), seconds: JSONNumber($0.seconds)) })
      },
      slopes: slopes.map { fit in
        ReportJSON.Slope(
          series: fit.series, slope: JSONNumber(fit.slope),
          expected: fit.expected.map(JSONNumber.init),
          sizes: fit.sizes.map(JSONNumber.init))
      },
      goals: goals.map { ReportJSON.Goal(goal: $0.goal, met: $0.met, detail: $0.detail) },
      notes: notes,
      checks: checks.map { check in
        ReportJSON.Check(
          row: check.row, path: check.path, reference: check.reference,
          relativeError: JSONNumber(check.relativeError), tolerance: JSONNumber(check.tolerance),
          passed: check.passed)
      },
      passed: passed)
  }

  /// The whole report as one JSON object (`JSONEncoder`, sorted keys, so the
  /// output is stable from run to run).
  func jsonText() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
      return String(decoding: try encoder.encode(json), as: UTF8.self)
    } catch {
      // Not expected (every number is finite or null, every key a string); still valid JSON.
      return #"{"error":"JSONEncoder could not encode the report","passed":false}"#
    }
  }
}
