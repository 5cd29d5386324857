import LagrangeProp
import SeededRandom
import XCTest

/// The Markov reward process `v = r + γ P v`: values, gradients of `Σ v` and of
/// `wᵀ v` with respect to `r`, `γ` and `P`, and `dv/dr`, against the closed forms
/// `v = (I − γP)⁻¹ r`, `u = (I − γP)⁻ᵀ w`, `∂/∂r = u`, `∂/∂γ = uᵀPv`, `∂/∂P_ij = γ u_i v_j`.
final class CyclicMarkovRewardTests: XCTestCase {
  static let solvers: [Solver] = [.lu, .blockTriangular, .automatic]

  /// A block whose acyclic part has thousands of edges and carries objective
  /// weight: `u_j = γ·v_j` (products) and `v_i = .linear([1, P_i·])(r_i, u)` with
  /// the objective on `v`, n = 80 (6480 edges). The block adjoint then notes, in its
  /// first sweep, the edges not leading to the feedback variables and pushes only
  /// along those in the second; the gradient with respect to `(γ, r)` still
  /// matches the closed form, on a fresh and on a reused workspace.
  func testLargeAcyclicPartAgainstClosedForm() throws {
    var rng = SplitMix64(seed: 0x6c61_7267)
    let n = 80
    let p = CyclicReference.stochasticMatrix(n, using: &rng)
    let gamma = 0.9
    let r = randomVector(n, in: -2...3, using: &rng)
    let w = randomVector(n, in: -1...1, using: &rng)
    let closedForm = MarkovRewardClosedForm(p: p, gamma: gamma, r: r, weights: w)
    var graph = ConstraintGraph()
    let gammaInput = graph.input("gamma")
    let rewards = (0..<n).map { graph.input("r\($0)") }
    let v = (0..<n).map { graph.unknown("v\($0)") }
    let u = try v.map { try graph.define(.product, gammaInput, $0) }
    for i in 0..<n { try graph.define(v[i], .linear([1] + p[i]), [rewards[i]] + u) }
    var weights = [Double](repeating: 0, count: graph.variableCount)
    for i in 0..<n { weights[v[i].index] = w[i] }
    let program = try graph.compile(objective: .linear(weights))
    XCTAssertEqual(program.cyclicBlockFeedbackSizes, [n])
    let x = [gamma] + r
    let expected = closedForm.gradient(form: .linearWithGamma)
    for solver in [Solver.blockTriangular, .automatic] {
      let g = try program.gradient(at: x, solver: solver)
      assertClose(g.gradient, expected, relative: 1e-9, "\(solver)")
      let workspace = Program.Workspace()
      for _ in 0..<2 {
        let reused = try program.gradient(at: x, solver: solver, workspace: workspace)
        XCTAssertEqual(reused.gradient, g.gradient, "\(solver), workspace")
      }
    }
  }

  func testAgainstClosedFormForEverySizeFormAndSolver() throws {
    var rng = SplitMix64(seed: 0x6d61_726b)
    for n in [3, 10, 40] {
      let p = CyclicReference.stochasticMatrix(n, using: &rng)
      let gamma = 0.9
      let r = randomVector(n, in: -2...3, using: &rng)
      let w = randomVector(n, in: -1...1, using: &rng)
      let sumForm = MarkovRewardClosedForm(
        p: p, gamma: gamma, r: r, weights: [Double](repeating: 1, count: n))
      let weightedForm = MarkovRewardClosedForm(p: p, gamma: gamma, r: r, weights: w)

      for form in MarkovRewardGraph.Form.allCases {
        let markov = try MarkovRewardGraph(form: form, p: p, gamma: gamma)
        let x = markov.inputs(p: p, gamma: gamma, r: r)
        let sumProgram = try markov.graph.compile(objective: .variable(markov.total))
        let weightedProgram = try markov.graph.compile(objective: markov.weightedObjective(w))
        XCTAssertEqual(sumProgram.cyclicBlocks.count, 1, "n \(n) \(form)")
        XCTAssertEqual(
          sumProgram.cyclicBlockFeedbackSizes, [n], "n \(n) \(form): F = one per state")

        var reference: (sum: [Double], weighted: [Double], lambda: [Double])?
        for solver in Self.solvers {
          let context = "n \(n), \(form), \(solver)"
          let lin = try sumProgram.linearize(at: x, solver: solver)
          let values = try markov.values.map { try lin.value(of: $0) }
          assertClose(values, sumForm.v, relative: 1e-12, context)

          let sum = try lin.gradient()
          assertClose(sum.value, sumForm.v.reduce(0, +), relative: 1e-12, context)
          assertClose(sum.gradient, sumForm.gradient(form: form), relative: 1e-9, context)
          XCTAssertNotEqual(sum.solver, .automatic, context)

          let weighted = try weightedProgram.gradient(at: x, solver: solver)
          assertClose(weighted.gradient, weightedForm.gradient(form: form), relative: 1e-9, context)

          // The same weighted gradient from the Σv program's factorization: D λ = −w.
          var seed = [Double](repeating: 0, count: sumProgram.variableCount)
          for i in 0..<n { seed[markov.values[i].index] = w[i] }
          let lambda = try lin.adjoints(objectiveGradient: seed)
          assertClose(
            Array(lambda[0..<x.count]), weightedForm.gradient(form: form), relative: 1e-9, context)

          if let reference {
            assertClose(sum.gradient, reference.sum, relative: 1e-10, context + " vs .lu")
            assertClose(weighted.gradient, reference.weighted, relative: 1e-10, context + " vs .lu")
            assertClose(lambda, reference.lambda, relative: 1e-10, context + " vs .lu")
          } else {
            reference = (sum.gradient, weighted.gradient, lambda)
          }
        }
      }
    }
  }

  /// `dv/dr = (I − γP)⁻¹` from the implicit Jacobian and from tangents, every solver.
  func testImplicitJacobianIsTheResolvent() throws {
    var rng = SplitMix64(seed: 0x7265_736f)
    let n = 10
    let p = CyclicReference.stochasticMatrix(n, using: &rng)
    let gamma = 0.95
    let r = randomVector(n, using: &rng)
    let a = (0..<n).map { i in (0..<n).map { j in (i == j ? 1 : 0) - gamma * p[i][j] } }
    // Column k of A⁻¹.
    let inverseColumns = (0..<n).map { k in
      CyclicReference.solve(a, (0..<n).map { $0 == k ? 1.0 : 0.0 })
    }
    for form in MarkovRewardGraph.Form.allCases {
      let markov = try MarkovRewardGraph(form: form, p: p, gamma: gamma)
      let program = try markov.graph.compile(objective: .variable(markov.total))
      let x = markov.inputs(p: p, gamma: gamma, r: r)
      let rOffset = form == .linear ? 0 : 1
      for solver in Self.solvers {
        let lin = try program.linearize(at: x, solver: solver)
        let z = try lin.implicitJacobian()
        XCTAssertEqual(z.rows, program.variableCount)
        XCTAssertEqual(z.columns, x.count)
        for k in 0..<n {
          let column = markov.values.map { z[$0.index, rOffset + k] }
          assertClose(column, inverseColumns[k], relative: 1e-10, "\(form) \(solver) column \(k)")
          var seed = [Double](repeating: 0, count: program.variableCount)
          seed[program.inputs[rOffset + k].index] = 1
          let tau = try lin.tangents(seed: seed)
          assertClose(markov.values.map { tau[$0.index] }, inverseColumns[k], relative: 1e-10)
        }
      }
    }
  }

  /// The KKT residuals at the solution: the forward solve makes `∂L/∂λ = c(z)`
  /// vanish, the adjoint solve `∂L/∂z`, and `∂L/∂x` is the gradient.
  func testLagrangianBlockCoordinateChecks() throws {
    var rng = SplitMix64(seed: 0x6b6b_7421)
    let n = 10
    let p = CyclicReference.stochasticMatrix(n, using: &rng)
    let r = randomVector(n, using: &rng)
    for form in MarkovRewardGraph.Form.allCases {
      let markov = try MarkovRewardGraph(form: form, p: p, gamma: 0.9)
      let program = try markov.graph.compile(objective: .variable(markov.total))
      let x = markov.inputs(p: p, gamma: 0.9, r: r)
      for solver in [Solver.lu, .blockTriangular] {
        let lin = try program.linearize(at: x, solver: solver)
        let kkt = try lin.kktResiduals()
        XCTAssertLessThan(kkt.primal, 1e-12 * max(1, infinityNorm(lin.values)), "\(form) \(solver)")
        XCTAssertLessThanOrEqual(kkt.relativeDual, 1e-12, "\(form) \(solver)")
        let g = try lin.gradient()
        let dL = try lin.lagrangianGradient(multipliers: g.adjoints)
        XCTAssertEqual(dL.inputs, g.gradient, "∂L/∂x = λ_x = ∇f")
        XCTAssertLessThan(infinityNorm(dL.values), 1e-12 * max(1, infinityNorm(g.adjoints)))
      }
    }
  }

  func testAutomaticChoosesTheBlockSolverAndSaysWhy() throws {
    var rng = SplitMix64(seed: 0x6175_746f)
    let p = CyclicReference.stochasticMatrix(10, using: &rng)
    let markov = try MarkovRewardGraph(form: .products, p: p, gamma: 0.9)
    let program = try markov.graph.compile(objective: .variable(markov.total))
    let g = try program.gradient(
      at: markov.inputs(p: p, gamma: 0.9, r: randomVector(10, using: &rng)))
    XCTAssertTrue([Solver.blockTriangular, .bandedLU].contains(g.solver), "\(g.solver)")
    XCTAssertTrue(g.solverReason.contains("cyclic"), g.solverReason)
    let requested = try program.gradient(
      at: markov.inputs(p: p, gamma: 0.9, r: randomVector(10, using: &rng)), solver: .lu)
    XCTAssertEqual(requested.solver, .lu)
    XCTAssertEqual(requested.solverReason, "requested")
  }
}
