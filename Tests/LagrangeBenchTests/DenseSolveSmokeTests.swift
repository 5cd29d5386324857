import ArgumentParser
import XCTest

@testable import LagrangeBench

/// `lagrange-bench dense-solve` on tiny sizes: the measurement runs, the
/// residual checks hold and the arguments are validated. No timing is asserted.
final class DenseSolveSmokeTests: XCTestCase {
  func testRunsOnTinySizes() throws {
    let rows = try runDenseSolve(sizes: [1, 2, 7, 16], repeats: 2)
    XCTAssertEqual(rows.map(\.order), [1, 2, 7, 16])
    for row in rows {
      XCTAssertTrue(row.luMilliseconds.isFinite && row.luMilliseconds >= 0, "n = \(row.order)")
      XCTAssertTrue(
        row.triangularMilliseconds.isFinite && row.triangularMilliseconds >= 0, "n = \(row.order)")
      XCTAssertLessThan(row.luResidual, DenseSolve.residualThreshold, "n = \(row.order)")
      XCTAssertLessThan(row.triangularResidual, DenseSolve.residualThreshold, "n = \(row.order)")
      XCTAssertTrue(row.passes(threshold: DenseSolve.residualThreshold))
    }
  }

  func testIsReproducible() throws {
    // Same seed, same systems, same solutions: the residuals agree exactly.
    let first = try runDenseSolve(sizes: [5], repeats: 1)
    let second = try runDenseSolve(sizes: [5], repeats: 1)
    XCTAssertEqual(first[0].luResidual, second[0].luResidual)
    XCTAssertEqual(first[0].triangularResidual, second[0].triangularResidual)
  }

  func testTableHasAHeaderARuleAndOneLinePerSize() throws {
    let row = DenseSolveRow(
      order: 64, luMilliseconds: 0.5, triangularMilliseconds: 0.01, luResidual: 0.125,
      triangularResidual: 0.25)
    XCTAssertEqual(row.ratio, 50, accuracy: 1e-12)
    let lines = denseSolveTable([row, row]).split(separator: "\n")
    XCTAssertEqual(lines.count, 4)
    XCTAssertTrue(lines[0].contains("LU ms"))
    XCTAssertTrue(lines[0].contains("triangular residual"))
    XCTAssertTrue(lines[2].contains("0.500"))
    XCTAssertTrue(lines[2].contains("50.0"))
    // Right-aligned columns: every line has the same length.
    XCTAssertEqual(Set(lines.map(\.count)).count, 1)
  }

  func testFailingResidualIsDetected() {
    let row = DenseSolveRow(
      order: 3, luMilliseconds: 1, triangularMilliseconds: 1, luResidual: 11,
      triangularResidual: 0.5)
    XCTAssertFalse(row.passes(threshold: DenseSolve.residualThreshold))
    let nan = DenseSolveRow(
      order: 3, luMilliseconds: 1, triangularMilliseconds: 1, luResidual: .nan,
      triangularResidual: 0.5)
    XCTAssertFalse(nan.passes(threshold: DenseSolve.residualThreshold))
  }

  func testArgumentParsing() throws {
    let defaults = try DenseSolve.parse([])
    XCTAssertEqual(defaults.sizes, [64, 128, 256, 512, 1024])
    XCTAssertEqual(defaults.repeats, 5)

    let custom = try DenseSolve.parse(["--sizes", "8, 16,32", "--repeats", "3"])
    XCTAssertEqual(custom.sizes, [8, 16, 32])
    XCTAssertEqual(custom.repeats, 3)

    let command = try LagrangeBench.parseAsRoot(["dense-solve", "--sizes", "4"])
    XCTAssertEqual((command as? DenseSolve)?.sizes, [4])
  }

  func testArgumentValidation() {
    for arguments in [
      ["--sizes", "0"], ["--sizes", "64,-1"], ["--sizes", "64,x"], ["--sizes", "64,,128"],
      ["--repeats", "0"],
    ] {
      XCTAssertThrowsError(try DenseSolve.parse(arguments), "\(arguments)")
    }
  }
}
