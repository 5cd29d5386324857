// White-box check (`package` API) of a claim of the design:
// for a cyclic block that is affine in its own variables, the reduced Jacobian
// `S` never changes, so Newton's last factorization is the one the adjoint and
// tangent solves need, and `linearize` reuses it instead of factoring again.

import LagrangeProp
import SeededRandom
import XCTest

final class CyclicFactorReuseTests: XCTestCase {
  func testNewtonFactorizationIsReusedForAffineBlocks() throws {
    var rng = SplitMix64(seed: 0x7265_7573)
    let n = 8
    let p = CyclicReference.stochasticMatrix(n, using: &rng)
    let r = randomVector(n, using: &rng)
    for form in MarkovRewardGraph.Form.allCases {
      let markov = try MarkovRewardGraph(form: form, p: p, gamma: 0.9)
      let program = try markov.graph.compile(objective: .variable(markov.total))
      XCTAssertEqual(program.blockIsAffine, [true], "\(form)")
      let x = markov.inputs(p: p, gamma: 0.9, r: r)
      let options = SolveOptions()
      let state = try program.forward(at: x, options: options)
      // A dense LU, of S or (for a block without acyclic part) of Sᵀ.
      guard let kept = state.reusableBlockFactors[0], let reused = kept.denseLU else {
        XCTFail(
          "\(form): Newton's factorization was not kept: \(String(describing: state.reusableBlockFactors[0]))"
        )
        continue
      }
      // The factorization at the solution is bit for bit the one Newton made.
      let fresh = try state.partials.withUnsafeBufferPointer { (dp) throws(LagrangePropError) in
        try program.factorReducedJacobian(0, partials: dp, options: options)
      }
      guard let atSolution = fresh.denseLU, fresh.isOfTranspose == kept.isOfTranspose else {
        return XCTFail("expected a dense block factorization")
      }
      XCTAssertEqual(reused.factors, atSolution.factors, "\(form)")
      // Same row interchanges: both solve a right-hand side to the same bits.
      let rhs = randomVector(reused.order, using: &rng)
      XCTAssertEqual(try reused.solve(rhs), try atSolution.solve(rhs), "\(form)")
      // And the results it gives are the closed form's (see CyclicMarkovRewardTests).
      let expected = MarkovRewardClosedForm(
        p: p, gamma: 0.9, r: r, weights: [Double](repeating: 1, count: n))
      let g = try program.gradient(at: x, solver: .blockTriangular)
      assertClose(g.gradient, expected.gradient(form: form), relative: 1e-9, "\(form)")
    }
  }

  /// A block that is nonlinear in its own variables (`u³` in the boundary-value
  /// problem) keeps no factorization: `S` at the solution differs from Newton's last.
  func testNonlinearBlocksAreFactoredAgainAtTheSolution() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let z = graph.unknown("z")
    try graph.constrain(
      z, residual: .affine(constant: 0, coefficients: [1, 1, -1]),
      try graph.define("z³", .power(3), z), z, x)
    let program = try graph.compile(objective: .variable(z))
    XCTAssertEqual(program.blockIsAffine, [false])
    let state = try program.forward(at: [10], options: SolveOptions())
    XCTAssertNil(state.reusableBlockFactors[0])
    let g = try program.gradient(at: [10], solver: .blockTriangular)
    let value = try program.solveConstraints(at: [10])[z.index]
    assertClose(g.gradient[0], 1 / (3 * value * value + 1), relative: 1e-12)
  }

  /// The stencil's reduced Jacobian is tridiagonal when its nodes are declared in
  /// order: the block-triangular solver factors it in band storage (`dgbtrf`);
  /// declared in a shuffled order it is factored dense. Both give the closed-form
  /// gradients (see CyclicBoundaryValueTests).
  func testStencilBlocksUseABandedReducedJacobian() throws {
    let (natural, _) = try CyclicBoundaryValueTests.bvpProgram(nodes: 20, declaration: .natural)
    XCTAssertEqual(natural.blockReducedBandwidth, [Program.Bandwidth(lower: 1, upper: 1)])
    XCTAssertTrue(natural.blockUsesBand(0))
    let (shuffled, _) = try CyclicBoundaryValueTests.bvpProgram(nodes: 20, declaration: .shuffled)
    XCTAssertFalse(shuffled.blockUsesBand(0))
    let x = CyclicBoundaryValueTests.bvpInputs(nodes: 20)
    let state = try natural.forward(at: x, options: SolveOptions())
    let factor = try state.partials.withUnsafeBufferPointer { (dp) throws(LagrangePropError) in
      try natural.factorReducedJacobian(0, partials: dp, options: SolveOptions())
    }
    guard case .band = factor else {
      return XCTFail("expected a band factorization, got \(factor)")
    }
  }
}

extension BlockFactorization {
  /// The dense LU (of `S` or `Sᵀ`), if the block was factored dense.
  var denseLU: LUFactorization? {
    switch self {
    case .dense(let lu), .denseOfTranspose(let lu): lu
    case .scalar, .band: nil
    }
  }

  /// Whether the LU is of `Sᵀ` rather than `S`.
  var isOfTranspose: Bool {
    if case .denseOfTranspose = self { return true }
    return false
  }
}
