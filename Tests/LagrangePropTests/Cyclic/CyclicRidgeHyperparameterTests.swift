import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// Ridge regression's hyper-parameter gradient: the weights `w` are defined only
/// implicitly, by the stationarity conditions `(XᵀX + αI) w = Xᵀy` written as
/// residual constraints, and the objective is the validation loss
/// `½‖X_v w − y_v‖²`. The implicit function theorem gives
/// `dL/dα = −gᵀ (XᵀX + αI)⁻¹ w` and `dL/dy = X (XᵀX + αI)⁻¹ g`, `g = X_vᵀ(X_v w − y_v)`.
final class CyclicRidgeHyperparameterTests: XCTestCase {
  /// The data: `N` training rows, `M` validation rows, `p` features, targets from
  /// a common linear model plus noise.
  struct RidgeData {
    let x: [[Double]]  // N × p
    let y: [Double]
    let xv: [[Double]]  // M × p
    let yv: [Double]

    init(training n: Int, validation m: Int, features p: Int, noise: Double, seed: UInt64) {
      var rng = SplitMix64(seed: seed)
      let truth = randomVector(p, in: -2...2, using: &rng)
      func sample(_ rows: Int) -> ([[Double]], [Double]) {
        let a = (0..<rows).map { _ in randomVector(p, using: &rng) }
        let b = a.map {
          CyclicReference.dot($0, truth) + noise * Double.random(in: -1...1, using: &rng)
        }
        return (a, b)
      }
      (x, y) = sample(n)
      (xv, yv) = sample(m)
    }

    var features: Int { x[0].count }
    /// `XᵀX` (p × p).
    var gram: [[Double]] {
      let xt = CyclicReference.transpose(x)
      return xt.map { row in xt.map { CyclicReference.dot(row, $0) } }
    }
  }

  /// The closed forms, by `CyclicReference.solve` on `A = XᵀX + αI`.
  struct RidgeClosedForm {
    let w: [Double]
    let loss: Double
    let dAlpha: Double
    let dY: [Double]

    init(_ data: RidgeData, alpha: Double) {
      let p = data.features
      var a = data.gram
      for k in 0..<p { a[k][k] += alpha }
      w = CyclicReference.solve(
        a, CyclicReference.multiply(CyclicReference.transpose(data.x), data.y))
      let r = zip(CyclicReference.multiply(data.xv, w), data.yv).map { $0 - $1 }
      loss = 0.5 * CyclicReference.dot(r, r)
      let g = CyclicReference.multiply(CyclicReference.transpose(data.xv), r)
      let aInverseG = CyclicReference.solve(a, g)  // A is symmetric
      dAlpha = -CyclicReference.dot(aInverseG, w)
      dY = CyclicReference.multiply(data.x, aInverseG)
    }
  }

  /// The graph: inputs `[α or log α, y₀ … y_{N−1}]`; `a·w_k` products; one
  /// residual constraint `Σ_j (XᵀX)_kj w_j + α w_k − (Xᵀy)_k = 0` owning each `w_k`;
  /// the validation loss as objective.
  static func ridgeProgram(_ data: RidgeData, logAlpha: Bool) throws -> (
    Program, [Variable], Variable
  ) {
    let p = data.features
    let gram = data.gram
    var graph = ConstraintGraph()
    let hyper = graph.input(logAlpha ? "log α" : "α")
    let y = data.y.indices.map { graph.input("y\($0)") }
    let alpha = logAlpha ? try graph.define("α", .exp, hyper) : hyper
    let w = (0..<p).map { graph.unknown("w\($0)") }
    for k in 0..<p {
      let alphaW = try graph.define("α·w\(k)", .product, alpha, w[k])
      let column = data.x.map { -$0[k] }
      try graph.constrain(w[k], residual: .linear(gram[k] + [1] + column), w + [alphaW] + y)
    }
    let squares = try data.xv.indices.map { i in
      let error = try graph.define(
        "e\(i)", .affine(constant: -data.yv[i], coefficients: data.xv[i]), w)
      return try graph.define("e\(i)²", .square, error)
    }
    let loss = try graph.define(
      "loss", .linear([Double](repeating: 0.5, count: squares.count)), squares)
    return (try graph.compile(objective: .variable(loss)), w, loss)
  }

  func testHyperparameterGradientAgainstClosedForm() throws {
    for (seed, alpha) in [(UInt64(1), 0.5), (2, 3.0), (3, 0.05)] {
      let data = RidgeData(training: 30, validation: 20, features: 6, noise: 0.5, seed: seed)
      let expected = RidgeClosedForm(data, alpha: alpha)
      let (program, w, _) = try Self.ridgeProgram(data, logAlpha: false)
      XCTAssertEqual(
        program.cyclicBlockFeedbackSizes, [6], "F = the weights (the residual constraints)")
      let x = [alpha] + data.y
      var reference: GradientResult?
      for solver in [Solver.lu, .blockTriangular, .automatic] {
        let context = "seed \(seed) α \(alpha) \(solver)"
        let lin = try program.linearize(at: x, solver: solver)
        assertClose(try w.map { try lin.value(of: $0) }, expected.w, relative: 1e-12, context)
        let g = try lin.gradient()
        assertClose(g.value, expected.loss, relative: 1e-12, context)
        assertClose(g.gradient[0], expected.dAlpha, relative: 1e-9, context)
        assertClose(Array(g.gradient[1...]), expected.dY, relative: 1e-9, context)
        let kkt = try lin.kktResiduals()
        XCTAssertLessThanOrEqual(kkt.relativeDual, 1e-12, context)
        if let reference {
          assertClose(g.gradient, reference.gradient, relative: 1e-10, context + " vs .lu")
        } else {
          reference = g
        }
      }
      // And against central differences of the forward solve.
      let fd = try CyclicReference.gradient(at: x) { try program.evaluate(at: $0) }
      assertClose(reference!.gradient, fd, relative: 1e-6, "seed \(seed) finite differences")
    }
  }

  /// Gradient descent on `log α`, each step warm-started from the previous
  /// weights: the validation loss goes down at every step, and `d/d log α`
  /// equals `α·dL/dα` from the closed form.
  func testGradientDescentOnLogAlphaLowersTheValidationLoss() throws {
    let data = RidgeData(training: 30, validation: 20, features: 6, noise: 0.5, seed: 7)
    let (program, _, _) = try Self.ridgeProgram(data, logAlpha: true)
    var theta = Foundation.log(30.0)  // over-regularised start
    var options = SolveOptions()
    var losses: [Double] = []
    var rate = 0.0
    for step in 0..<6 {
      let lin = try program.linearize(at: [theta] + data.y, options: options)
      let g = try lin.gradient()
      let alpha = Foundation.exp(theta)
      let expected = RidgeClosedForm(data, alpha: alpha)
      assertClose(g.value, expected.loss, relative: 1e-12, "step \(step)")
      assertClose(g.gradient[0], alpha * expected.dAlpha, relative: 1e-9, "step \(step)")
      losses.append(g.value)
      if step == 0 { rate = 0.5 / abs(g.gradient[0]) }  // first step moves log α by 0.5
      theta -= rate * g.gradient[0]
      options.initialGuess = lin.values  // warm start from this step's weights
    }
    for k in 1..<losses.count {
      XCTAssertLessThan(losses[k], losses[k - 1], "validation loss at step \(k): \(losses)")
    }
    XCTAssertLessThan(losses.last!, 0.9 * losses[0], "\(losses)")
  }
}
