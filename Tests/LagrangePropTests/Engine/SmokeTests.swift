import LagrangeProp
import XCTest

final class SmokeTests: XCTestCase {
  func testBlogExample() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let a = try graph.define("a", .exp, x)
    let b = try graph.define("b", .square, a)
    let c = try graph.define("c", .sum, a, b, y)
    let f = try graph.define(
      "f", .sum, try graph.define("d", .tanh, c), try graph.define("e", .sin, c))
    let program = try graph.compile(objective: .variable(f))
    for solver in [Solver.sweep, .triangular, .lu, .bandedTriangular, .bandedLU, .blockTriangular] {
      let g = try program.gradient(at: [0.5, -1.0], solver: solver)
      // analytic
      let av = Foundation.exp(0.5), cv = av + av * av - 1
      let dfdc = 1 - Foundation.tanh(cv) * Foundation.tanh(cv) + Foundation.cos(cv)
      XCTAssertEqual(g.gradient[0], dfdc * (av + 2 * av * av), accuracy: 1e-12, "\(solver)")
      XCTAssertEqual(g.gradient[1], dfdc, accuracy: 1e-12, "\(solver)")
      let lin = try program.linearize(at: [0.5, -1.0], solver: solver)
      let z = try lin.implicitJacobian()
      XCTAssertEqual(z[f.index, 0], g.gradient[0], accuracy: 1e-12)
      let k = try lin.kktResiduals()
      XCTAssertLessThan(k.relativeDual, 1e-14)
      XCTAssertEqual(k.primal, 0)
    }
  }

  func testCycleMarkov() throws {
    // v = r + gamma P v, 3 states with product terms
    let P: [[Double]] = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
    let n = 3
    var graph = ConstraintGraph()
    let gamma = graph.input("gamma")
    let r = (0..<n).map { graph.input("r\($0)") }
    let p = (0..<n).map { i in (0..<n).map { j in graph.input("P\(i)\(j)") } }
    let v = (0..<n).map { graph.unknown("v\($0)") }
    for i in 0..<n {
      let terms = try (0..<n).map { j in try graph.define(nil, .product, [p[i][j], v[j]]) }
      let s = try graph.define(nil, .sum, terms)
      let gs = try graph.define(nil, .product, [gamma, s])
      try graph.define(v[i], .sum, r[i], gs)
    }
    let total = try graph.define("total", .sum, v)
    let program = try graph.compile(objective: .variable(total))
    XCTAssertFalse(program.isAcyclic)
    print("blocks", program.cyclicBlocks.map(\.count), program.cyclicBlockFeedbackSizes)
    let x: [Double] = [0.9, 1, 2, 3] + P.flatMap { $0 }
    let g1 = try program.gradient(at: x, solver: .lu)
    let g2 = try program.gradient(at: x, solver: .blockTriangular)
    XCTAssertThrowsError(try program.gradient(at: x, solver: .bandedLU))
    for k in 0..<x.count {
      var xp = x, xm = x
      xp[k] += 1e-6
      xm[k] -= 1e-6
      let fd = (try program.evaluate(at: xp) - program.evaluate(at: xm)) / 2e-6
      XCTAssertEqual(g1.gradient[k], fd, accuracy: 1e-6 * max(1, abs(fd)))
      XCTAssertEqual(g2.gradient[k], g1.gradient[k], accuracy: 1e-10 * max(1, abs(fd)))
    }
    let lin = try program.linearize(at: x, solver: .blockTriangular)
    let linLU = try program.linearize(at: x, solver: .lu)
    let z1 = try lin.implicitJacobian(), z2 = try linLU.implicitJacobian()
    for i in 0..<z1.elements.count {
      XCTAssertEqual(z1.elements[i], z2.elements[i], accuracy: 1e-10)
    }
    print(g1.gradient, g2.solverReason, try program.gradient(at: x).solverReason)
  }
}

final class BandedBlockSmokeTests: XCTestCase {
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
