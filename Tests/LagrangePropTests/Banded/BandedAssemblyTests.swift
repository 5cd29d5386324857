// Band assembly of the non-input block `D_zz` straight from the local partials,
// entry by entry against the dense `D` (the engine's dense assembly, the public
// `jacobian()` restricted to non-inputs in program order, and closed forms);
// `bandwidth` / `fullBandwidth` against the fixture's own structure; programs
// with no or one intermediate.

import Foundation
import LagrangeProp
import XCTest

final class BandedAssemblyTests: XCTestCase {
  /// Every banded program of these tests, linearized at a point.
  func fixtures() throws -> [(name: String, fixture: BandedFixture, x: [Double])] {
    var all: [(String, BandedFixture, [Double])] = []
    for length in [1, 2, 9] {
      all.append(("chain \(length)", try makeBandChain(length: length).fixture, [0.7]))
    }
    for k in [1, 2, 5] {
      all.append(
        (
          "recurrence \(k)", try makeBandRecurrence(order: k, steps: 23),
          (0..<k).map { 0.1 * Double($0) - 0.2 }
        ))
    }
    for outOfOrder in [false, true] {
      all.append(
        (
          "parameterised chain \(outOfOrder)",
          try makeBandParameterisedChain(steps: 6, outOfOrder: outOfOrder), [0.4, 1.3, -0.2]
        ))
    }
    for declaration in [BandNodeDeclaration.inOrder, .reversed, .pairsSwapped] {
      all.append(
        (
          "bvp \(declaration)",
          try makeBandBoundaryValueProblem(nodes: 11, declaration: declaration).fixture,
          bandBoundaryValueInputs(nodes: 11)
        ))
    }
    all.append(
      (
        "periodic bvp", try makeBandBoundaryValueProblem(nodes: 9, mu: 1, periodic: true).fixture,
        bandBoundaryValueInputs(nodes: 9, periodic: true)
      ))
    return all
  }

  /// Band storage assembled from the partials equals the band of the dense
  /// `D_zz` entry by entry, holds nothing else (LU workspace rows and the
  /// corners outside the matrix are zero), and the dense `D_zz` has no entry
  /// outside the band; the dense assembly equals the public `jacobian()`
  /// restricted to the non-inputs in program order.
  func testBandAssemblyEqualsBandOfDenseJacobian() throws {
    for (name, fixture, x) in try fixtures() {
      let program = try fixture.graph.compile(
        objective: .variable(fixture.variables[fixture.variableCount - 1]))
      let lin = try program.linearize(at: x, solver: .lu)
      let d = program.inputCount, m = program.intermediateCount
      let order = program.programOrder.map(\.index)
      let full = try lin.jacobian()
      let dense = program.assembleDenseNonInputJacobian(partials: lin.partials)
      XCTAssertEqual(dense.rows, m, name)
      for r in 0..<m {
        for c in 0..<m {
          XCTAssertEqual(dense[r, c], full[order[d + r], order[d + c]], "\(name) D_zz[\(r), \(c)]")
        }
      }
      // Input columns of D hold only their −1: D_zx = 0 (input rows may be anything).
      for j in 0..<d {
        for a in 0..<program.variableCount {
          XCTAssertEqual(full[order[a], order[j]], a == j ? -1 : 0, "\(name) input column \(j)")
        }
      }

      let bw = program.bandwidth
      let band = program.assembleBandNonInputJacobian(partials: lin.partials, bandwidth: bw)
      XCTAssertEqual(band.order, m, name)
      XCTAssertEqual(band.lowerBandwidth, bw.lower, name)
      XCTAssertEqual(band.upperBandwidth, bw.upper, name)
      for r in 0..<m {
        for c in 0..<m {
          if band.isInBand(r, c) {
            XCTAssertEqual(band[r, c], dense[r, c], "\(name) band[\(r), \(c)]")
          } else {
            XCTAssertEqual(dense[r, c], 0, "\(name): D_zz[\(r), \(c)] lies outside the band \(bw)")
          }
        }
      }
      // Whole storage, workspace and corners included, as LAPACK's band of the dense matrix.
      XCTAssertEqual(
        band, try BandMatrix(dense, lowerBandwidth: bw.lower, upperBandwidth: bw.upper), name)

      if program.isAcyclic {
        XCTAssertEqual(bw.lower, 0, name)
        let triangular = program.assembleTriangularBandNonInputJacobian(
          partials: lin.partials, bandwidth: bw.upper)
        XCTAssertEqual(
          triangular, try TriangularBandMatrix(dense, bandwidth: bw.upper, triangle: .upper), name)
        for c in 0..<m {
          XCTAssertEqual(triangular[c, c], -1, "\(name): assignment diagonal")
          for r in 0..<m where !triangular.isInBand(r, c) {
            XCTAssertEqual(dense[r, c], 0, "\(name): D_zz[\(r), \(c)] outside the triangular band")
          }
        }
      }
    }
  }

  /// The band of the boundary-value problem at its solution against the closed
  /// form `∂r_i/∂u_i = 2/h² + 3u_i²`, `∂r_i/∂u_{i±1} = −1/h²`, from the values alone.
  func testBoundaryValueBandMatchesClosedForm() throws {
    let nodes = 13
    let (fixture, u) = try makeBandBoundaryValueProblem(nodes: nodes)
    let program = try fixture.graph.compile(objective: .variable(u[0]))
    let lin = try program.linearize(at: bandBoundaryValueInputs(nodes: nodes), solver: .bandedLU)
    let band = program.assembleBandNonInputJacobian(
      partials: lin.partials, bandwidth: program.bandwidth)
    let h = 1 / Double(nodes + 1)
    for r in 0..<nodes {
      for c in max(0, r - 1)...min(nodes - 1, r + 1) {
        let ui = try lin.value(of: u[c])
        let expected = r == c ? 2 / (h * h) + 3 * ui * ui : -1 / (h * h)
        assertClose(band[r, c], expected, relative: 1e-15, "D[\(r), \(c)]")
      }
    }
    // The factor kept by the linearization is dgbtrf's of that band: L·U = P·D.
    guard case .bandedLU(let lu) = lin.factor else { return XCTFail("expected a band LU factor") }
    let dense = Matrix(band)
    for c in 0..<nodes {
      var e = [Double](repeating: 0, count: nodes)
      e[c] = 1
      let column = try lu.solve(e)
      assertSmallResidual(dense, column, e)
    }
  }

  /// `bandwidth` and `fullBandwidth` against the fixture's own edges in program
  /// order, on every program here, and on a fan-in whose band is full.
  func testBandwidthMatchesIndependentComputation() throws {
    var all = try fixtures().map { ($0.name, $0.fixture) }
    var fan = BandedFixture()
    let inputs = (0..<3).map { fan.input("x\($0)") }
    var leaves: [Variable] = []
    for k in 0..<6 { leaves.append(try fan.define("l\(k)", .sin, [inputs[k % 3]])) }
    try fan.define("root", .sum, leaves)
    all.append(("fan-in", fan))
    for (name, fixture) in all {
      let program = try fixture.graph.compile(objective: .variable(fixture.variables[0]))
      let bw = independentBandwidth(fixture, program, includingInputs: false)
      let full = independentBandwidth(fixture, program, includingInputs: true)
      XCTAssertEqual(program.bandwidth, .init(lower: bw.lower, upper: bw.upper), name)
      XCTAssertEqual(program.fullBandwidth, .init(lower: full.lower, upper: full.upper), name)
      XCTAssertLessThanOrEqual(program.bandwidth.upper, program.fullBandwidth.upper, name)
      XCTAssertEqual(program.bandwidth.description, "(lower: \(bw.lower), upper: \(bw.upper))")
    }
    // The fan-in: root (position 9) reads l0 (position 3).
    let program = try fan.graph.compile(objective: .variable(fan.variables[0]))
    XCTAssertEqual(program.bandwidth, .init(lower: 0, upper: 6))
    XCTAssertEqual(program.fullBandwidth, .init(lower: 0, upper: 6))
  }

  // MARK: - Edge cases m = 0, 1

  /// No intermediates: `D_zz` is empty; every solver returns `λ_x = w_x`, the
  /// identity as `dz/dx` and `τ = v`.
  func testNoIntermediates() throws {
    var graph = ConstraintGraph()
    _ = graph.input("x")
    _ = graph.input("y")
    let program = try graph.compile(objective: .linear([2, -3]))
    XCTAssertEqual(program.intermediateCount, 0)
    XCTAssertEqual(program.bandwidth, .init(lower: 0, upper: 0))
    XCTAssertEqual(program.fullBandwidth, .init(lower: 0, upper: 0))
    for solver in Solver.allCases {
      let lin = try program.linearize(at: [0.5, 1.5], solver: solver)
      let g = try lin.gradient()
      XCTAssertEqual(g.value, 2 * 0.5 - 3 * 1.5, "\(solver)")
      XCTAssertEqual(g.gradient, [2, -3], "\(solver)")
      XCTAssertEqual(g.adjoints, [2, -3], "\(solver)")
      XCTAssertEqual(try lin.implicitJacobian(), try Matrix.identity(2), "\(solver)")
      XCTAssertEqual(try lin.tangents(seed: [0.25, -4]), [0.25, -4], "\(solver)")
      XCTAssertEqual(try lin.adjoints(objectiveGradient: [1, 7]), [1, 7], "\(solver)")
    }
    let lin = try program.linearize(at: [0.5, 1.5])
    XCTAssertEqual(
      program.assembleBandNonInputJacobian(partials: lin.partials, bandwidth: program.bandwidth)
        .storage, [])
    XCTAssertEqual(
      program.assembleTriangularBandNonInputJacobian(partials: lin.partials, bandwidth: 0).storage,
      [])
  }

  /// One intermediate, acyclic (`z = sin x`): every solver, band paths included.
  func testOneIntermediateAcyclic() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let z = try graph.define("z", .sin, x)
    let program = try graph.compile(objective: .variable(z))
    XCTAssertEqual(program.bandwidth, .init(lower: 0, upper: 0))
    XCTAssertEqual(program.fullBandwidth, .init(lower: 0, upper: 1))
    for solver in Solver.allCases {
      let lin = try program.linearize(at: [0.3], solver: solver)
      assertClose(try lin.gradient().gradient, [cos(0.3)], relative: bandExactRelative, "\(solver)")
      assertClose(
        try lin.implicitJacobian().elements, [1, cos(0.3)], relative: bandExactRelative, "\(solver)"
      )
      // A seed on z's own assignment (z = sin x + ε): τ = dz/dε = [0, 1].
      assertClose(
        try lin.tangents(seed: [0, 1]), [0, 1], relative: bandExactRelative, "\(solver)")
    }
  }

  /// One intermediate owned by a residual `z³ + z − x = 0` (a lone cyclic
  /// block), and the same with no input at all (`z³ + z − 2 = 0`, `d = 0`):
  /// `dz/dx = 1/(3z² + 1)`; `.bandedTriangular` refuses, naming `z`.
  func testOneIntermediateResidual() throws {
    let cubic = LocalFunction.custom(
      name: "cubic", arity: 2, value: { v in v[0] * v[0] * v[0] + v[0] - v[1] },
      gradient: { v in [3 * v[0] * v[0] + 1, -1] })
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let z = graph.unknown("z")
    try graph.constrain(z, residual: cubic, z, x)
    let program = try graph.compile(objective: .variable(z))
    XCTAssertFalse(program.isAcyclic)
    XCTAssertEqual(program.bandwidth, .init(lower: 0, upper: 0))
    for solver in [Solver.automatic, .lu, .bandedLU, .blockTriangular] {
      let lin = try program.linearize(at: [2], solver: solver)
      assertClose(try lin.value(of: z), 1, relative: 1e-12, "\(solver)")
      assertClose(try lin.gradient().gradient, [0.25], relative: bandExactRelative, "\(solver)")
      assertClose(
        try lin.implicitJacobian().elements, [1, 0.25], relative: bandExactRelative, "\(solver)")
    }
    assertThrows(LagrangePropError.cyclicProgram(solver: .bandedTriangular, variables: ["z"])) {
      _ = try program.linearize(at: [2], solver: .bandedTriangular)
    }

    var closed = ConstraintGraph()
    let w = closed.unknown("w")
    try closed.constrain(
      w,
      residual: .custom(
        name: "cubic2", arity: 1, value: { v in v[0] * v[0] * v[0] + v[0] - 2 },
        gradient: { v in [3 * v[0] * v[0] + 1] }), w)
    let noInputs = try closed.compile(objective: .variable(w))
    XCTAssertEqual(noInputs.inputCount, 0)
    for solver in [Solver.automatic, .lu, .bandedLU, .blockTriangular] {
      let lin = try noInputs.linearize(at: [], solver: solver)
      assertClose(try lin.value(of: w), 1, relative: 1e-12, "\(solver)")
      XCTAssertEqual(try lin.gradient().gradient, [], "\(solver)")
      let zx = try lin.implicitJacobian()
      XCTAssertEqual(zx.rows, 1, "\(solver)")
      XCTAssertEqual(zx.columns, 0, "\(solver)")
      // τ for a seed on w's own constraint: Dᵀτ = −v with D = [3w² + 1] = [4].
      assertClose(try lin.tangents(seed: [1]), [-0.25], relative: bandExactRelative, "\(solver)")
      // λ = −w/4 for objective gradient [1].
      assertClose(try lin.adjoints(), [-0.25], relative: bandExactRelative, "\(solver)")
    }
  }
}
