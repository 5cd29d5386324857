import Foundation

/// A log-log plot of time against size, one line per path, written as SVG
/// by hand (no dependency): decade grid, labelled axes, a legend with each
/// path's fitted slope.
struct SVGPlot {
  var title: String
  var subtitle: String
  var xLabel: String
  var series: [Series]
  var slopes: [SlopeFit]

  var width = 900.0
  var height = 560.0
  private let left = 86.0
  private let right = 300.0
  private let top = 64.0
  private let bottom = 64.0

  /// Okabe–Ito colours (distinguishable with colour-blindness), then greys.
  static let palette = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999",
    "#7F3C8D", "#11A579",
  ]
  static let dashes = ["", "6 3", "2 3", "8 3 2 3"]

  init(title: String, subtitle: String, xLabel: String, series: [Series], slopes: [SlopeFit]) {
    self.title = title
    self.subtitle = subtitle
    self.xLabel = xLabel
    self.series = series.filter { !$0.points.isEmpty }
    self.slopes = slopes
  }

  /// The SVG document.
  func rendered() -> String {
    let points = series.flatMap(\.points)
    guard !points.isEmpty else {
      return svgDocument(
        body: text(width / 2, height / 2, "no data to plot", anchor: "middle", size: 16))
    }
    let (x0, x1) = decadeRange(points.map(\.n))
    let (y0, y1) = decadeRange(points.map(\.seconds))
    let plotWidth = width - left - right
    let plotHeight = height - top - bottom
    func px(_ n: Double) -> Double { left + (log10(n) - x0) / (x1 - x0) * plotWidth }
    func py(_ s: Double) -> Double { top + plotHeight - (log10(s) - y0) / (y1 - y0) * plotHeight }

    var body = ""
    // Title and subtitle.
    body += text(left, 28, title, size: 18, weight: "bold")
    body += text(left, 48, subtitle, size: 12, fill: "#555555")
    // Grid: minor lines at 2…9 × 10^k, major at 10^k.
    for k in Int(Foundation.floor(x0))...Int(Foundation.ceil(x1)) {
      for m in 1...9 {
        let value = Double(m) * pow(10, Double(k))
        let l = log10(value)
        guard l >= x0 - 1e-9 && l <= x1 + 1e-9 else { continue }
        let x = px(value)
        body += line(x, top, x, top + plotHeight, stroke: m == 1 ? "#bbbbbb" : "#e8e8e8")
        if m == 1 {
          body += text(x, top + plotHeight + 20, powerOfTen(k), anchor: "middle", size: 13)
        } else if x1 - x0 <= 2.5 && (m == 2 || m == 5) {
          body += text(
            x, top + plotHeight + 18, "\(m)", anchor: "middle", size: 10, fill: "#888888")
        }
      }
    }
    for k in Int(Foundation.floor(y0))...Int(Foundation.ceil(y1)) {
      for m in 1...9 {
        let value = Double(m) * pow(10, Double(k))
        let l = log10(value)
        guard l >= y0 - 1e-9 && l <= y1 + 1e-9 else { continue }
        let y = py(value)
        body += line(left, y, left + plotWidth, y, stroke: m == 1 ? "#bbbbbb" : "#e8e8e8")
        if m == 1 {
          body += text(left - 8, y + 4, timeLabel(k), anchor: "end", size: 13)
        } else if y1 - y0 <= 2.5 && (m == 2 || m == 5) {
          body += text(left - 8, y + 4, "\(m)", anchor: "end", size: 10, fill: "#888888")
        }
      }
    }
    // Frame and axis titles.
    body +=
      "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#333333\"/>\n"
    body += text(
      left + plotWidth / 2, height - 18, xLabel + " (log scale)", anchor: "middle", size: 14)
    let yMid = top + plotHeight / 2
    body +=
      "<text x=\"20\" y=\"\(f(yMid))\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 20 \(f(yMid)))\">median time per call (log scale)</text>\n"

    // Curves and legend.
    var legendY = top + 8
    let legendX = left + plotWidth + 20
    body += text(legendX, legendY, "path — fitted slope", size: 13, weight: "bold")
    legendY += 22
    for (index, s) in series.enumerated() {
      let colour = SVGPlot.palette[index % SVGPlot.palette.count]
      let dash = SVGPlot.dashes[(index / SVGPlot.palette.count + index) % SVGPlot.dashes.count]
      let sorted = s.points.sorted { $0.n < $1.n }
      let path = sorted.map { "\(f(px($0.n))),\(f(py($0.seconds)))" }.joined(separator: " ")
      body +=
        "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2.2\""
        + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + "/>\n"
      for p in sorted { body += marker(index, px(p.n), py(p.seconds), colour) }
      // Legend entry: line sample, marker, name and slope.
      body +=
        "<line x1=\"\(f(legendX))\" y1=\"\(f(legendY - 4))\" x2=\"\(f(legendX + 28))\" y2=\"\(f(legendY - 4))\" stroke=\"\(colour)\" stroke-width=\"2.2\""
        + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + "/>\n"
      body += marker(index, legendX + 14, legendY - 4, colour)
      body += text(legendX + 36, legendY, s.name, size: 12.5)
      if let fit = slopes.first(where: { $0.series == s.name }) {
        var slopeText = "slope \(String(format: "%.2f", fit.slope))"
        if let expected = fit.expected { slopeText += " (expected ≈ \(formatPlain(expected)))" }
        body += text(legendX + 36, legendY + 15, slopeText, size: 11.5, fill: "#444444")
        legendY += 36
      } else {
        legendY += 24
      }
    }
    return svgDocument(body: body)
  }

  // MARK: - Pieces

  private func svgDocument(body: String) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
    <title>\(escape(title))</title>
    <rect width="100%" height="100%" fill="white"/>
    \(body)</svg>

    """
  }

  /// The log10 range from the largest 1·, 2· or 5·10^k below the smallest value
  /// to the smallest one above the largest (at least one decade wide).
  private func decadeRange(_ values: [Double]) -> (Double, Double) {
    let positive = values.filter { $0 > 0 }
    guard let smallest = positive.min(), let largest = positive.max() else { return (0, 1) }
    func nice(_ x: Double, up: Bool) -> Double {
      let k = Foundation.floor(log10(x))
      let candidates = [1.0, 2, 5, 10].map { log10($0) + k }
      let lx = log10(x)
      return up
        ? candidates.first { $0 >= lx - 1e-12 }!
        : candidates.last { $0 <= lx + 1e-12 }!
    }
    var low = nice(smallest, up: false)
    var high = nice(largest, up: true)
    if high - low < 1 {
      let middle = (low + high) / 2
      low = middle - 0.5
      high = middle + 0.5
    }
    return (low, high)
  }

  private func marker(_ index: Int, _ x: Double, _ y: Double, _ colour: String) -> String {
    let r = 4.0
    switch index % 4 {
    case 0:
      return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" fill=\"\(colour)\"/>\n"
    case 1:
      return
        "<rect x=\"\(f(x - r))\" y=\"\(f(y - r))\" width=\"\(f(2 * r))\" height=\"\(f(2 * r))\" fill=\"\(colour)\"/>\n"
    case 2:
      return
        "<polygon points=\"\(f(x)),\(f(y - r - 1)) \(f(x + r + 1)),\(f(y + r)) \(f(x - r - 1)),\(f(y + r))\" fill=\"\(colour)\"/>\n"
    default:
      return
        "<polygon points=\"\(f(x)),\(f(y - r - 1)) \(f(x + r + 1)),\(f(y)) \(f(x)),\(f(y + r + 1)) \(f(x - r - 1)),\(f(y))\" fill=\"\(colour)\"/>\n"
    }
  }

  private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String)
    -> String
  {
    "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"1\"/>\n"
  }

  private func text(
    _ x: Double, _ y: Double, _ content: String, anchor: String = "start", size: Double = 12,
    weight: String = "normal", fill: String = "#111111"
  ) -> String {
    "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" font-weight=\"\(weight)\" text-anchor=\"\(anchor)\" fill=\"\(fill)\">\(escape(content))</text>\n"
  }

  private func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  private func f(_ x: Double) -> String { String(format: "%.1f", x) }

  /// `10³` for k = 3.
  private func powerOfTen(_ k: Int) -> String {
    let superscripts: [Character: Character] = [
      "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
      "9": "⁹", "-": "⁻",
    ]
    return "10" + String(String(k).map { superscripts[$0] ?? $0 })
  }

  /// `1 µs`, `10 ms`, `1 s` for 10^k seconds.
  private func timeLabel(_ k: Int) -> String {
    let units: [(Int, String)] = [(-9, "ns"), (-6, "µs"), (-3, "ms"), (0, "s")]
    for (exponent, unit) in units.reversed() where k >= exponent {
      let value = Int(pow(10, Double(k - exponent)).rounded())
      return "\(value) \(unit)"
    }
    return "1e\(k) s"
  }
}

extension BenchmarkReport {
  /// The report's plot as SVG.
  func svgPlot() -> String {
    let threads =
      "OpenBLAS threads \(machine.openBLASThreads), \(machine.cores) cores, \(machine.build) build"
    return SVGPlot(
      title: plotTitle.isEmpty ? "lagrange-bench \(command)" : plotTitle,
      subtitle: "lagrange-bench \(command) · \(threads)", xLabel: plotXLabel, series: series,
      slopes: slopes
    ).rendered()
  }
}
