import LagrangeProp
import XCTest

/// A `Program.Workspace` keeps the GMRES solvers of a call's sparse blocks and
/// reuses one only when the block's Jacobian comes back unchanged: results
/// with the workspace equal those of plain calls, whatever the calls between.
/// A program keeps each block's Krylov basis between calls: a call's results
/// do not depend on what the previous call left in it.
final class KrylovReuseTests: XCTestCase {
  func testAffineBlockReusesItsSolverAtNewInputs() throws {
    let fixture = try RandomSparseCyclicProgram(
      seed: 41, unknowns: 300, perRow: 4, scaleDecades: 1, nonlinear: false)
    let workspace = Program.Workspace()
    let points = [fixture.inputs, fixture.inputs.map { $0 * 1.7 - 0.2 }, fixture.inputs]
    for (k, x) in points.enumerated() {
      let kept = try fixture.program.gradient(at: x, solver: .krylov, workspace: workspace)
      let plain = try fixture.program.gradient(at: x, solver: .krylov)
      // The kept solver is the one a fresh call builds (deterministic): same bits.
      XCTAssertEqual(kept.value, plain.value, "call \(k)")
      XCTAssertEqual(kept.gradient, plain.gradient, "call \(k)")
      XCTAssertEqual(kept.reciprocalCondition, plain.reciprocalCondition, "call \(k)")
      XCTAssertEqual(workspace.reusedKrylovSolverCount, k, "call \(k)")
    }
    // The kept solver is counted: at least the matrix's 16 bytes per non-zero.
    XCTAssertGreaterThan(workspace.byteCount, 16 * 300 * 5)
  }

  func testChangedJacobianIsNotReused() throws {
    // Nonlinear: the Jacobian at the solution moves with the inputs, so every
    // call (and every Newton step) builds its solver afresh.
    let fixture = try RandomSparseCyclicProgram(
      seed: 42, unknowns: 300, perRow: 4, scaleDecades: 1, nonlinear: true)
    let workspace = Program.Workspace()
    for (k, x) in [fixture.inputs, fixture.inputs.map { $0 + 0.4 }, fixture.inputs].enumerated() {
      let kept = try fixture.program.gradient(
        at: x, solver: .krylov, options: tightKrylovOptions(), workspace: workspace)
      let plain = try fixture.program.gradient(
        at: x, solver: .krylov, options: tightKrylovOptions())
      XCTAssertEqual(kept.value, plain.value, "call \(k)")
      XCTAssertEqual(kept.gradient, plain.gradient, "call \(k)")
    }
  }

  func testKeptKrylovBasisLeavesNoTraceInTheNextCall() throws {
    // The same program built twice (separate kept bases): one answers at x
    // after a call at y (its basis holds y's Krylov vectors), the other at x
    // first. Nonlinear, so Newton's steps, the check and the adjoint all solve.
    let used = try RandomSparseCyclicProgram(
      seed: 45, unknowns: 300, perRow: 4, scaleDecades: 1, nonlinear: true)
    let fresh = try RandomSparseCyclicProgram(
      seed: 45, unknowns: 300, perRow: 4, scaleDecades: 1, nonlinear: true)
    let x = used.inputs
    let y = x.map { $0 * 1.3 + 0.5 }
    _ = try used.program.gradient(at: y, solver: .krylov, options: tightKrylovOptions())
    let after = try used.program.gradient(at: x, solver: .krylov, options: tightKrylovOptions())
    let first = try fresh.program.gradient(at: x, solver: .krylov, options: tightKrylovOptions())
    XCTAssertEqual(after.value.bitPattern, first.value.bitPattern)
    XCTAssertEqual(after.gradient.map(\.bitPattern), first.gradient.map(\.bitPattern))
    XCTAssertEqual(after.reciprocalCondition, first.reciprocalCondition)
  }

  func testOneWorkspaceForTwoProgramsOfTheSameShape() throws {
    // Same sizes and pattern density, different matrices: a solver kept for
    // one program is never used for the other.
    let first = try RandomSparseCyclicProgram(
      seed: 43, unknowns: 200, perRow: 3, scaleDecades: 0, nonlinear: false)
    let second = try RandomSparseCyclicProgram(
      seed: 44, unknowns: 200, perRow: 3, scaleDecades: 0, nonlinear: false)
    let workspace = Program.Workspace()
    for k in 0..<4 {
      let fixture = k % 2 == 0 ? first : second
      let kept = try fixture.program.gradient(
        at: fixture.inputs, solver: .krylov, workspace: workspace)
      let plain = try fixture.program.gradient(at: fixture.inputs, solver: .krylov)
      XCTAssertEqual(kept.gradient, plain.gradient, "call \(k)")
    }
    XCTAssertEqual(workspace.reusedKrylovSolverCount, 0)
  }
}
