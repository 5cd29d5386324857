/// A plain-text table with right-aligned columns, for benchmark reports.
struct TextTable {
  /// The column titles.
  var header: [String]
  /// The rows, one string per column.
  var rows: [[String]] = []

  /// The table, one line per row under a header and a rule, columns separated by two spaces.
  var rendered: String {
    let all = [header] + rows
    let widths = header.indices.map { column in
      all.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      header.indices.map { column in
        let cell = column < cells.count ? cells[column] : ""
        return String(repeating: " ", count: widths[column] - cell.count) + cell
      }.joined(separator: "  ")
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
  }
}
