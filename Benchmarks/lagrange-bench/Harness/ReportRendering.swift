import ArgumentParser
import Foundation

/// The output format of a report (`--format`).
enum OutputFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
  /// Aligned columns for people (default).
  case table
  /// Comma-separated values: `#` comment lines, then a header and one row per size.
  case csv
  /// One JSON object with the machine, settings, tables, slopes, goals and checks.
  case json
}

extension BenchmarkReport {
  /// The report in `format`.
  func rendered(as format: OutputFormat) -> String {
    switch format {
    case .table: humanText()
    case .csv: csvText()
    case .json: jsonText()
    }
  }

  // MARK: - Human table

  /// Header line, settings, tables, slopes, goals, notes and the answer summary.
  func humanText() -> String {
    var lines = ["lagrange-bench \(command) — \(machine.summary)"]
    if !parameters.isEmpty {
      lines.append(parameters.map { "\($0.0) \($0.1)" }.joined(separator: " · "))
    }
    for table in tables {
      lines.append("")
      lines.append(table.title)
      lines.append(table.rendered())
    }
    if !slopes.isEmpty {
      lines.append("")
      lines.append("slopes (\(slopeRange)):")
      for fit in slopes {
        var text = "  \(fit.series): \(String(format: "%.2f", fit.slope))"
        if let expected = fit.expected { text += " (expected ≈ \(formatPlain(expected)))" }
        text += " over \(sizeSymbol) = \(fit.sizes.map { formatSize($0) }.joined(separator: ", "))"
        lines.append(text)
      }
    }
    if !goals.isEmpty {
      lines.append("")
      for goal in goals {
        lines.append("goal: \(goal.goal) — \(goal.met ? "met" : "NOT met") (\(goal.detail))")
      }
    }
    if !notes.isEmpty {
      lines.append("")
      for note in notes { lines.append("note: \(note)") }
    }
    lines.append("")
    lines.append(answerSummary)
    return lines.joined(separator: "\n")
  }

  /// `answers: 21 checks passed (largest relative difference 2.1e-16)` or the failures.
  var answerSummary: String {
    if checks.isEmpty { return "answers: no checks made" }
    if passed {
      let worst = checks.max { $0.relativeError / $0.tolerance < $1.relativeError / $1.tolerance }!
      return "answers: all \(checks.count) checks passed (closest to its tolerance: "
        + "\(worst.path) vs \(worst.reference) at \(worst.row), "
        + "\(formatScientific(worst.relativeError)) ≤ \(formatScientific(worst.tolerance)))"
    }
    return
      (["answers: \(failures.count) of \(checks.count) checks FAILED:"]
      + failures.map { "  \($0.description)" }).joined(separator: "\n")
  }

  // MARK: - CSV

  /// `#` comment lines (machine, settings), then for each table a header of
  /// column keys and one line per row; several tables are separated by a blank
  /// line and a `# table: name` comment. Slopes, goals and checks follow as comments.
  func csvText() -> String {
    var lines = ["# lagrange-bench \(command) — \(machine.summary)"]
    if !parameters.isEmpty {
      lines.append("# " + parameters.map { "\($0.0) \($0.1)" }.joined(separator: " · "))
    }
    for (index, table) in tables.enumerated() {
      if tables.count > 1 {
        if index > 0 { lines.append("") }
        lines.append("# table: \(table.name) — \(table.title)")
      }
      lines.append(table.columns.map { csvField($0.key) }.joined(separator: ","))
      for row in table.rows {
        lines.append(table.columns.map { csvField(row[$0.key] ?? .missing) }.joined(separator: ","))
      }
    }
    for fit in slopes {
      lines.append("# slope \(fit.series): \(String(format: "%.3f", fit.slope))")
    }
    for goal in goals {
      lines.append("# goal \(goal.goal): \(goal.met ? "met" : "not met") (\(goal.detail))")
    }
    for note in notes { lines.append("# note: \(note)") }
    lines.append("# " + answerSummary.replacingOccurrences(of: "\n", with: "\n# "))
    return lines.joined(separator: "\n")
  }
}

extension ResultTable {
  /// The human table: the columns marked `inTable`, right-aligned.
  func rendered() -> String {
    let shown = columns.filter(\.inTable)
    var text = TextTable(header: shown.map(\.title))
    for row in rows {
      text.rows.append(shown.map { formatCell(row[$0.key] ?? .missing, style: $0.style) })
    }
    return text.rendered
  }
}

// MARK: - Cell formatting

/// A cell as the human table shows it in `style`.
func formatCell(_ cell: Cell, style: CellStyle) -> String {
  switch cell {
  case .missing: return "—"
  case .text(let text): return text
  case .integer(let value): return "\(value)"
  case .number(let value):
    if !value.isFinite { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
    switch style {
    case .integer: return "\(Int(value.rounded()))"
    case .milliseconds: return formatMilliseconds(value)
    case .ratio: return String(format: "%.2f", value)
    case .scientific: return formatScientific(value)
    case .decimals(let places): return String(format: "%.\(places)f", value)
    case .text: return "\(value)"
    }
  }
}

/// Three significant digits, without exponent for the usual range of times.
func formatMilliseconds(_ ms: Double) -> String {
  let magnitude = abs(ms)
  if magnitude == 0 { return "0" }
  if magnitude >= 100 { return String(format: "%.0f", ms) }
  if magnitude >= 10 { return String(format: "%.1f", ms) }
  if magnitude >= 1 { return String(format: "%.2f", ms) }
  if magnitude >= 0.001 {
    let decimals = 2 - Int(Foundation.floor(Foundation.log10(magnitude)))
    return String(format: "%.\(decimals)f", ms)
  }
  return String(format: "%.2e", ms)
}

/// `4096`, `1e+06` → `1000000`: sizes as integers.
func formatSize(_ n: Double) -> String { "\(Int(n.rounded()))" }

/// `2`, `2.5`: a number without trailing zeros.
func formatPlain(_ x: Double) -> String {
  x == x.rounded() && abs(x) < 1e15 ? "\(Int(x))" : "\(x)"
}

private func csvField(_ text: String) -> String {
  if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) {
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
  return text
}

private func csvField(_ cell: Cell) -> String {
  switch cell {
  case .missing: return ""
  case .integer(let i): return "\(i)"
  case .number(let x): return x.isFinite ? "\(x)" : (x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf"))
  case .text(let t): return csvField(t)
  }
}
