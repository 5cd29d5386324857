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
    let source = (0..<n).map { 10 * Foundation.sin(Double($0) / 7) + 5 }
    let a = try program.gradient(at: source, solver: .blockTriangular)
    let b = try program.gradient(at: source, solver: .lu)
    for j in 0..<n {
      XCTAssertEqual(a.gradient[j], b.gradient[j], accuracy: 1e-10 * max(1, abs(b.gradient[j])))
    }
    let big = try Self.boundaryValueProgram(20_000).0
    let g = try big.gradient(at: [Double](repeating: 1, count: 20_000))
    XCTAssertEqual(g.solver == .blockTriangular || g.solver == .bandedLU, true, g.solverReason)
    XCTAssertTrue(g.gradient.allSatisfy(\.isFinite))
  }
}
