// Band solvers (`.bandedTriangular`: dtbtrs; `.bandedLU`: dgbtrf + dgbtrs) against
// the dense solvers (`.triangular`, `.lu`) and the block-triangular solver at
// rel. 1e-10, and against central finite differences at rel. 1e-6: gradient,
// multipliers, adjoints for any `w`, tangents for any seed, implicit Jacobian.

import Foundation
import LagrangeProp
import SeededRandom
import XCTest

final class BandedEquivalenceTests: XCTestCase {
  /// Chains of every length around the acceptance boundary of the band
  /// solvers (`m = 1`: accepted; `m = 2`: band as wide as dense, refused) and
  /// longer: bidiagonal `D_zz`, and the gradient against the chain rule by hand.
  func testChains() throws {
    for length in [1, 2, 3, 4, 7, 64] {
      let (fixture, last) = try makeBandChain(length: length)
      // A quadratic objective over every step keeps the gradient of order one
      // for the differences (dz_64/dx alone is ~1e-10).
      let program = try fixture.graph.compile(
        objective: bandQuadraticObjective(count: length + 1, seed: 13))
      XCTAssertEqual(
        program.bandwidth, .init(lower: 0, upper: length > 1 ? 1 : 0), "length \(length)")
      XCTAssertEqual(program.fullBandwidth, .init(lower: 0, upper: 1), "length \(length)")
      let x = [0.7]
      let ran = try assertBandPathsAgree(fixture, program, at: x, seed: UInt64(length))
      XCTAssertEqual(ran, length == 2 ? [] : [.bandedTriangular, .bandedLU], "length \(length)")

      // Closed form: dz_t/dx = Π_{s ≤ t} φ_s'(z_{s−1}).
      var z = x[0]
      var column = [1.0]
      for t in 1...length {
        let step = bandChainSteps[(t - 1) % bandChainSteps.count]
        column.append(column[t - 1] * step.derivative(z))
        z = step.value(z)
      }
      let lastProgram = try fixture.graph.compile(objective: .variable(last))
      for solver in ran {
        let lin = try lastProgram.linearize(at: x, solver: solver)
        assertClose(
          try lin.gradient().gradient, [column[length]], relative: bandExactRelative, "\(solver)")
        assertClose(
          try lin.implicitJacobian().column(0), column, relative: bandExactRelative, "\(solver)")
        assertClose(try lin.objectiveValue(), z, relative: bandExactRelative, "\(solver)")
      }
    }
  }

  /// Recurrences `z_t = f(z_{t−1}, …, z_{t−k})` of order 1, 2 and 5, for step
  /// counts at the acceptance boundary (`steps = k + 1`: `kd + 1 = m`) and beyond.
  /// The band is `(0, min(k, steps − 1))`; the history inputs sit right before
  /// the first steps, so the whole `D` has the same band `(0, k)`.
  func testRecurrencesOfOrder1_2_5() throws {
    for k in [1, 2, 5] {
      for steps in Set([k, k + 1, k + 2, 3 * k + 7, 50]).sorted() {
        let fixture = try makeBandRecurrence(order: k, steps: steps)
        let n = fixture.variableCount
        let program = try fixture.graph.compile(
          objective: bandQuadraticObjective(count: n, seed: 7))
        let context = "order \(k), \(steps) steps"
        XCTAssertEqual(program.bandwidth, .init(lower: 0, upper: min(k, steps - 1)), context)
        XCTAssertEqual(program.fullBandwidth, .init(lower: 0, upper: k), context)
        var rng = SplitMix64(seed: UInt64(100 * k + steps))
        let x = randomVector(k, in: -0.9...0.9, using: &rng)
        let ran = try assertBandPathsAgree(fixture, program, at: x, seed: UInt64(k * steps))
        // Band storage (kd + 1 rows) smaller than dense (m rows), or m ≤ 1.
        let accepted = min(k, steps - 1) + 1 < steps || steps <= 1
        XCTAssertEqual(ran, accepted ? [.bandedTriangular, .bandedLU] : [], context)
        if steps >= 3 * k { XCTAssertEqual(ran, [.bandedTriangular, .bandedLU], context) }
      }
    }
  }

  /// A chain whose every step reads two parameter inputs: the non-input band
  /// stays `(0, 1)` while the whole `D` (inputs included) is as wide as its
  /// order — leaving inputs out is what keeps the program banded.
  func testParameterisedChainsStayNarrow() throws {
    for steps in [1, 2, 5, 20] {
      let fixture = try makeBandParameterisedChain(steps: steps)
      let n = fixture.variableCount
      let m = n - 3
      let program = try fixture.graph.compile(objective: bandQuadraticObjective(count: n, seed: 11))
      XCTAssertEqual(program.bandwidth, .init(lower: 0, upper: 1), "\(steps) steps")
      // z_t (position 3t + 2) reads θ₂ (position 2): offset 3t = m at t = steps.
      XCTAssertEqual(program.fullBandwidth, .init(lower: 0, upper: m), "\(steps) steps")
      XCTAssertGreaterThanOrEqual(
        program.fullBandwidth.upper + 1, m, "with inputs the band would be dense")
      let ran = try assertBandPathsAgree(
        fixture, program, at: [0.4, 1.3, -0.2], seed: UInt64(steps))
      XCTAssertEqual(ran, [.bandedTriangular, .bandedLU], "\(steps) steps")
    }
  }

  /// The same chain declared out of order (intermediates first, in reverse, with
  /// `unknown`; parameters declared after them): program order is topological,
  /// not declaration order, and every public vector still comes back in
  /// declaration order.
  func testParameterisedChainDeclaredOutOfOrder() throws {
    for steps in [1, 3, 12] {
      let fixture = try makeBandParameterisedChain(steps: steps, outOfOrder: true)
      let program = try fixture.graph.compile(
        objective: bandQuadraticObjective(count: fixture.variableCount, seed: 3))
      XCTAssertNotEqual(program.programOrder.map(\.index), Array(0..<fixture.variableCount))
      XCTAssertEqual(program.bandwidth, .init(lower: 0, upper: 1), "\(steps) steps")
      // Inputs: x, θ₁, θ₂ (declaration order of the inputs).
      let ran = try assertBandPathsAgree(
        fixture, program, at: [0.4, 1.3, -0.2], seed: UInt64(steps))
      XCTAssertEqual(ran, [.bandedTriangular, .bandedLU], "\(steps) steps")

      // The in-order program computes the same function: compare by name.
      let inOrder = try makeBandParameterisedChain(steps: steps)
      let reference = try inOrder.graph.compile(objective: .variable(inOrder.graph.inputs[0]))
      let lin = try program.linearize(at: [0.4, 1.3, -0.2], solver: .bandedLU)
      let linReference = try reference.linearize(at: [0.4, 1.3, -0.2], solver: .bandedTriangular)
      let z = try lin.implicitJacobian(), zReference = try linReference.implicitJacobian()
      for i in 0..<fixture.variableCount {
        let name = try program.name(of: fixture.variables[i])
        let j = try XCTUnwrap(reference.variable(named: name)).index
        assertClose(lin.values[i], linReference.values[j], relative: bandExactRelative, name)
        assertClose(z.row(i), zReference.row(j), relative: bandExactRelative, name)
      }
    }
  }

  /// The cyclic tridiagonal system of `−u'' + u³ = s` with Dirichlet ends,
  /// written with residual constraints, and with an advection term `4u'` that
  /// makes `D_zz` unsymmetric (so trans N and T differ): `.bandedLU` against
  /// `.lu`, `.blockTriangular` and differences through Newton's forward solve.
  /// `N = 4` is the boundary (`2·kl + ku + 1 = 4 = m`: refused).
  func testBoundaryValueProblem() throws {
    for beta in [0.0, 4.0] {
      for nodes in [4, 5, 12, 40] {
        let context = "N = \(nodes), β = \(beta)"
        let (fixture, u) = try makeBandBoundaryValueProblem(nodes: nodes, beta: beta)
        let n = fixture.variableCount
        let program = try fixture.graph.compile(
          objective: bandQuadraticObjective(count: n, seed: 5))
        XCTAssertFalse(program.isAcyclic)
        XCTAssertEqual(program.cyclicBlocks, [u])
        XCTAssertEqual(program.bandwidth, .init(lower: 1, upper: 1), context)
        // u_1 reads a (offset N + 2), u_N reads b (offset 2N), u_i reads s_i (offset N).
        XCTAssertEqual(program.fullBandwidth, .init(lower: 1, upper: 2 * nodes), context)
        let x = bandBoundaryValueInputs(nodes: nodes)
        let ran = try assertBandPathsAgree(fixture, program, at: x, seed: UInt64(nodes))
        XCTAssertEqual(ran, nodes > 4 ? [.bandedLU] : [], context)
        if nodes > 4 {
          let lin = try program.linearize(at: x, solver: .bandedLU)
          let kkt = try lin.kktResiduals()
          XCTAssertLessThan(kkt.relativeDual, 1e-13, context)
          XCTAssertLessThan(kkt.primal, 1e-9 * infinityNorm(x), context)
        }
      }
    }
  }

  /// The boundary-value problem with its unknowns declared in reverse or with
  /// neighbours swapped, and with its inputs declared after the unknowns: the
  /// band is taken in program order, and results come back in declaration order.
  func testBoundaryValueProblemDeclaredOutOfOrder() throws {
    let nodes = 16
    let x = bandBoundaryValueInputs(nodes: nodes)
    let (inOrder, _) = try makeBandBoundaryValueProblem(nodes: nodes)
    let reference = try inOrder.graph.compile(objective: .variable(inOrder.graph.inputs[0]))
    let linReference = try reference.linearize(at: x, solver: .lu)
    let zReference = try linReference.implicitJacobian()
    for (declaration, inputsLast) in [
      (BandNodeDeclaration.reversed, false), (.pairsSwapped, false), (.inOrder, true),
      (.reversed, true),
    ] {
      let (fixture, _) = try makeBandBoundaryValueProblem(
        nodes: nodes, declaration: declaration, inputsLast: inputsLast)
      let context = "\(declaration), inputs last: \(inputsLast)"
      let program = try fixture.graph.compile(
        objective: bandQuadraticObjective(count: fixture.variableCount, seed: 9))
      // A cyclic block keeps its members in declaration order: only inputs
      // declared last make program order differ from declaration order.
      XCTAssertEqual(
        program.programOrder.map(\.index) == Array(0..<fixture.variableCount), !inputsLast, context)
      let expected =
        declaration == .pairsSwapped
        ? Program.Bandwidth(lower: 3, upper: 3) : .init(lower: 1, upper: 1)
      XCTAssertEqual(program.bandwidth, expected, context)
      let ran = try assertBandPathsAgree(
        fixture, program, at: x, seed: 21, withDifferences: declaration == .reversed)
      XCTAssertEqual(ran, [.bandedLU], context)

      let lin = try program.linearize(at: x, solver: .bandedLU)
      let z = try lin.implicitJacobian()
      for i in 0..<fixture.variableCount {
        let name = try program.name(of: fixture.variables[i])
        let j = try XCTUnwrap(reference.variable(named: name)).index
        assertClose(
          lin.values[i], linReference.values[j], relative: bandExactRelative, "\(context) \(name)")
        assertClose(z.row(i), zReference.row(j), relative: bandExactRelative, "\(context) \(name)")
      }
    }
  }

  /// A tridiagonal system written with assignments: the block's acyclic part
  /// comes first in program order, which may interleave the nodes and widen
  /// the band (the band is always that of program order). Whatever the layout,
  /// a band solver either refuses with the bandwidths it saw or agrees with the
  /// dense paths and differences, and `.automatic` stays exact.
  func testAssignmentStencilInProgramOrder() throws {
    for nodes in [3, 6, 15] {
      let (fixture, u) = try makeBandAssignmentStencil(nodes: nodes)
      let program = try fixture.graph.compile(
        objective: bandQuadraticObjective(count: fixture.variableCount, seed: 17))
      XCTAssertEqual(program.cyclicBlocks, [u], "N = \(nodes)")
      let x = bandBoundaryValueInputs(nodes: nodes)
      try assertBandPathsAgree(fixture, program, at: x, seed: UInt64(nodes))
      assertClose(
        try program.gradient(at: x).gradient, try program.gradient(at: x, solver: .lu).gradient,
        relative: bandExactRelative, "N = \(nodes)")
    }
  }
}
