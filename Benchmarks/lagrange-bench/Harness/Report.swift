import Foundation

/// A cell of a result table.
enum Cell: Sendable, Equatable {
  case integer(Int)
  case number(Double)
  case text(String)
  /// Not measured (e.g. a dense path skipped because the matrix would not fit).
  case missing

  /// The number in the cell, if any.
  var number: Double? {
    switch self {
    case .integer(let i): Double(i)
    case .number(let x): x
    case .text, .missing: nil
    }
  }
}

/// How a column is shown in the human table.
enum CellStyle: Sendable, Equatable {
  /// An integer (`4096`).
  case integer
  /// A time in milliseconds, three significant digits (`0.00412`, `12.3`, `540`).
  case milliseconds
  /// A ratio, two decimals (`1.03`, `245.10`).
  case ratio
  /// Scientific notation (`2.2e-16`).
  case scientific
  /// A fixed number of decimals.
  case decimals(Int)
  /// Text as is.
  case text
}

/// A column: its machine key (CSV header, JSON field) and its human title.
struct Column: Sendable, Equatable {
  /// `snake_case` key for CSV and JSON, e.g. `lu_ms`.
  var key: String
  /// Title in the human table, e.g. `LU ms`.
  var title: String
  /// How the human table formats its cells.
  var style: CellStyle
  /// Whether the human table shows it (CSV and JSON always do).
  var inTable: Bool = true

  init(_ key: String, _ title: String, _ style: CellStyle, inTable: Bool = true) {
    self.key = key
    self.title = title
    self.style = style
    self.inTable = inTable
  }
}

/// A table of results: one row per measured size (and shape).
struct ResultTable: Sendable, Equatable {
  /// Short machine name (`markov`), used in CSV section comments and JSON.
  var name: String
  /// A one-line human title.
  var title: String
  /// The columns, in order.
  var columns: [Column]
  /// The rows, keyed by column key (a missing key is `.missing`).
  var rows: [[String: Cell]] = []

  /// The cell at `row` in the column `key`.
  func cell(_ row: Int, _ key: String) -> Cell { rows[row][key] ?? .missing }
}

/// A curve of the plot: time (seconds) against size.
struct Series: Sendable, Equatable {
  /// The legend label, e.g. `LU (dgetrf + dgetrs)`.
  var name: String
  /// `(n, seconds)` points, in increasing `n`.
  var points: [Point]
  /// The slope theory predicts, shown next to the fitted one.
  var expectedSlope: Double?

  struct Point: Sendable, Equatable {
    var n: Double
    var seconds: Double
  }

  init(_ name: String, expectedSlope: Double? = nil, points: [Point] = []) {
    self.name = name
    self.expectedSlope = expectedSlope
    self.points = points
  }

  /// Adds a point if the time is positive and finite (a log-log plot needs both).
  mutating func add(_ n: Int, _ seconds: Double?) {
    guard let seconds, seconds > 0, seconds.isFinite else { return }
    points.append(Point(n: Double(n), seconds: seconds))
  }
}

/// A log-log least-squares slope of one series over its largest sizes.
struct SlopeFit: Sendable, Equatable {
  /// The series name.
  var series: String
  /// `d log t / d log n`.
  var slope: Double
  /// The expected slope, if any.
  var expected: Double?
  /// The sizes the fit used.
  var sizes: [Double]
}

/// A goal stated by an issue, and whether this run met it.
struct GoalResult: Sendable, Equatable {
  /// What is aimed at, e.g. `gradient / evaluate ≤ 3 at every K`.
  var goal: String
  /// Whether the measurement met it.
  var met: Bool
  /// The measured figure, e.g. `worst 1.84 at K = 1000000`.
  var detail: String
}

/// Everything a subcommand measured: rendered as a table, CSV or JSON, and plotted.
struct BenchmarkReport: Sendable {
  /// The subcommand, e.g. `triangular-vs-lu`.
  var command: String
  /// BLAS threads, cores, build, load.
  var machine: MachineInfo
  /// The run's settings as `(name, value)` pairs (sizes, seed, repeats, …).
  var parameters: [(String, String)] = []
  /// The result tables.
  var tables: [ResultTable] = []
  /// The plot's curves (time against n), one per path.
  var series: [Series] = []
  /// Plot title and axis label.
  var plotTitle: String = ""
  var plotXLabel: String = "n"
  /// The size's symbol in the slope lines (`n`, `K`).
  var sizeSymbol: String = "n"
  /// Slopes fitted to `series`.
  var slopes: [SlopeFit] = []
  /// Which sizes the slopes used, in words (`top 3 sizes`).
  var slopeRange: String = ""
  /// Goals and whether they were met (never a failure of the command).
  var goals: [GoalResult] = []
  /// Remarks: skipped paths, what a column means.
  var notes: [String] = []
  /// Every answer check made.
  var checks: [AnswerCheck] = []

  /// The checks that failed.
  var failures: [AnswerCheck] { checks.filter { !$0.passed } }

  /// Whether every answer check passed.
  var passed: Bool { failures.isEmpty }

  /// The table named `name`.
  func table(_ name: String) -> ResultTable? { tables.first { $0.name == name } }

  /// Fits the slope of every series over its `top` largest sizes (all if fewer;
  /// none below two points).
  mutating func fitSlopes(top: Int) {
    slopes = series.compactMap { series in
      let points = Array(series.points.sorted { $0.n < $1.n }.suffix(max(2, top)))
      guard points.count >= 2, let slope = logLogSlope(points) else { return nil }
      return SlopeFit(
        series: series.name, slope: slope, expected: series.expectedSlope, sizes: points.map(\.n))
    }
    slopeRange = "log-log least squares over the \(max(2, top)) largest sizes of each path"
  }
}

/// The least-squares slope of `log t` against `log n`, or `nil` for fewer than
/// two distinct sizes.
func logLogSlope(_ points: [Series.Point]) -> Double? {
  let xs = points.map { Foundation.log($0.n) }
  let ys = points.map { Foundation.log($0.seconds) }
  guard xs.count >= 2 else { return nil }
  let mx = xs.reduce(0, +) / Double(xs.count)
  let my = ys.reduce(0, +) / Double(ys.count)
  var sxx = 0.0
  var sxy = 0.0
  for i in xs.indices {
    sxx += (xs[i] - mx) * (xs[i] - mx)
    sxy += (xs[i] - mx) * (ys[i] - my)
  }
  return sxx > 0 ? sxy / sxx : nil
}
