import Foundation
import LagrangeProp
import XCTest

/// A cyclic block whose reduced Jacobian is tridiagonal: solved with a band LU,
/// equal to whole-matrix LU, and fast enough for 20 000 unknowns in a debug build.
final class CyclicBandedBlockTests: XCTestCase {
  /// −u'' + u³ = s on N interior points, u(0) = u(1) = 0: one cyclic block whose
  /// reduced Jacobian is tridiagonal.
  static func boundaryValueProgram(_ n: Int) throws -> (Program, [Variable]) {
    var graph = ConstraintGraph()
    let s = (0..<n).map { graph.input("s\($0)") }
    let u = (0..<n).map { graph.unknown("u\($0)") }
    let h = 1.0 / Double(n + 1), k = 1 / (h * h)
    for i in 0..<n {
      let cube = try graph.define("c\(i)", .power(3), u[i])
      var args = [u[i], cube, s[i]]
      var coefficients = [2 * k, 1, -1]
      if i > 0 {
        args.append(u[i - 1])
        coefficients.append(-k)
      }
      if i < n - 1 {
        args.append(u[i + 1])
        coefficients.append(-k)
      }
      try graph.constrain(u[i], residual: .affine(constant: 0, coefficients: coefficients), args)
    }
    let energy = try graph.define(
      "energy", .sum, try u.map { try graph.define(nil, .square, [$0]) })
    return (try graph.compile(objective: .variable(energy)), s)
  }

  func testTridiagonalBlockUsesBandAndAgreesWithLU() throws {
    let n = 60
    let (program, _) = try Self.boundaryValueProgram(n)
    // One cyclic block of n feedback variables (the cubes are its acyclic part)
    // whose reduced Jacobian is tridiagonal: band storage, not dense.
    XCTAssertEqual(program.cyclicBlockFeedbackSizes, [n])
    XCTAssertTrue(program.blockUsesBand(0), "the tridiagonal block is not factored as a band")
    // Shown by behaviour too: a byte limit below the dense S (8·60² = 28 800 bytes)
    // but above its band (8·60·4 = 1 920 bytes) still lets the block solve run.
    var options = SolveOptions()
    options.matrixByteLimit = 16_384
    let source = (0..<n).map { 10 * Foundation.sin(Double($0) / 7) + 5 }
    let a = try program.gradient(at: source, solver: .blockTriangular, options: options)
    let b = try program.gradient(at: source, solver: .lu)
    XCTAssertEqual(a.solver, .blockTriangular)
    for j in 0..<n {
      XCTAssertEqual(a.gradient[j], b.gradient[j], accuracy: 1e-10 * max(1, abs(b.gradient[j])))
    }
    // 20 000 unknowns: a dense S would need 3.2 GB, over the default 2 GiB limit,
    // so the block solve succeeds only through the band path.
    let big = try Self.boundaryValueProgram(20_000).0
    XCTAssertTrue(big.blockUsesBand(0))
    let ones = [Double](repeating: 1, count: 20_000)
    let g = try big.gradient(at: ones, solver: .blockTriangular)
    XCTAssertEqual(g.solver, .blockTriangular)
    XCTAssertTrue(g.gradient.allSatisfy(\.isFinite))
    // The automatic choice is one of the two band paths, and agrees with it.
    let automatic = try big.gradient(at: ones)
    XCTAssertTrue(
      [.blockTriangular, .bandedLU].contains(automatic.solver), automatic.solverReason)
    for j in stride(from: 0, to: 20_000, by: 997) {
      XCTAssertEqual(
        automatic.gradient[j], g.gradient[j], accuracy: 1e-9 * max(1, abs(g.gradient[j])))
    }
  }
}
