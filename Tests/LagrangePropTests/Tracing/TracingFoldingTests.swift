import Foundation
import LagrangeProp
import XCTest

/// How the tracer folds affine operations: which constraints it records, and that
/// the values and gradients are those of the expressions written.
final class TracingFoldingTests: XCTestCase {
  /// `2 * x + 1` is one `.affine` constraint, not a chain; `x * x` is `.square`.
  func testAffineChainsAreOneConstraint() throws {
    let program = try Program.trace(inputs: ["x"]) { t in exp(2 * t.inputs[0] + 1) }
    XCTAssertEqual(program.variableCount, 3)  // x, 2x + 1, exp
    let g = try program.gradient(at: [0.25])
    assertClose(g.value, Foundation.exp(1.5), relative: 1e-15)
    assertClose(g.gradient, [2 * Foundation.exp(1.5)], relative: 1e-15)

    let scaled = try Program.trace(inputs: ["x", "y"]) { t in
      let x = t.inputs[0], y = t.inputs[1]
      return sin((3 * x) * (x * 3) - y / 4 + 0.5 * (x - y))  // 9x² − y/4 + x/2 − y/2
    }
    XCTAssertEqual(scaled.variableCount, 5)  // x, y, x², the affine argument, sin
    let (x, y) = (0.3, -0.7)
    let inner = 9 * x * x - y / 4 + 0.5 * (x - y)
    let h = try scaled.gradient(at: [x, y])
    assertClose(h.value, Foundation.sin(inner), relative: 1e-14)
    assertClose(
      h.gradient, [Foundation.cos(inner) * (18 * x + 0.5), Foundation.cos(inner) * -0.75],
      relative: 1e-14)
  }

  /// A pending value used twice is stored once.
  func testPendingValueStoredOnce() throws {
    let program = try Program.trace(inputs: ["a", "b"]) { t in
      let c = t.inputs[0] + t.inputs[1]
      return tanh(c) * sin(c) + cos(c)
    }
    XCTAssertEqual(program.variableCount, 2 + 1 + 4)  // a, b; c; tanh, sin, product, cos
  }

  /// A long chain `s = s + x_k` stays linear: every 64 terms the sum is stored.
  func testLongAdditionChain() throws {
    let n = 1000
    let program = try Program.trace(inputCount: n) { t in
      var s = t.inputs[0]
      for k in 1..<n { s = s + t.inputs[k] }
      return exp(s / Double(n))
    }
    XCTAssertLessThan(program.variableCount, n + 20)
    let x = (0..<n).map { Double($0 % 7) / 7 }
    let mean = x.reduce(0, +) / Double(n)
    let g = try program.gradient(at: x)
    assertClose(g.value, Foundation.exp(mean), relative: 1e-13)
    assertClose(
      g.gradient, [Double](repeating: Foundation.exp(mean) / Double(n), count: n),
      relative: 1e-13)
  }

  /// Repeated variables in reductions are summed, as the engine sums repeated arguments.
  func testRepeatedVariablesInReductions() throws {
    let program = try Program.trace(inputs: ["x", "y"]) { t in
      let x = t.inputs[0], y = t.inputs[1]
      return square(sum([Traced](repeating: x, count: 20) + [y, x - y]))  // (21x)²
    }
    let g = try program.gradient(at: [0.1, 5])
    assertClose(g.value, 2.1 * 2.1, relative: 1e-14)
    assertClose(g.gradient, [2 * 21 * 2.1, 0], relative: 1e-14)
    let d = try Program.trace(inputs: ["x"]) { t in
      exp(dot([1, 2, 3], [t.inputs[0], t.inputs[0], 1 - t.inputs[0]]))
    }
    assertClose(try d.gradient(at: [0]).gradient, [0], relative: 1e-15)  // x + 2x + 3 − 3x = 3
  }

  /// An objective with a constant term is stored (a linear objective has none);
  /// products, quotients and powers of scaled variables keep their scalars pending.
  func testObjectiveWithConstantAndScalars() throws {
    let program = try Program.trace(inputs: ["x", "y"]) { t in
      let x = t.inputs[0], y = t.inputs[1]
      return product([2 * x, y, x]) + 3 / (4 * y) + pow(x, 3) + pow(x, 1) + 1
    }
    let (x, y) = (0.5, 2.0)
    let g = try program.gradient(at: [x, y])
    assertClose(g.value, 2 * x * y * x + 3 / (4 * y) + x * x * x + x + 1, relative: 1e-14)
    assertClose(
      g.gradient, [4 * x * y + 3 * x * x + 1, 2 * x * x - 3 / (4 * y * y)], relative: 1e-14)
  }

  func testDescriptions() throws {
    _ = try Program.trace(inputs: ["x", "y"]) { t in
      let x = t.inputs[0], y = t.inputs[1]
      XCTAssertEqual(x.description, "x")
      XCTAssertEqual((x + 2 * y).description, "affine expression in 'x', 'y'")
      XCTAssertEqual(exp(x).description, "z#2")
      XCTAssertEqual(t.name(exp(y), "e").description, "e")
      XCTAssertEqual(t.variableCount, 4)
      return x
    }
  }

  /// A tracer is freed once its trace has returned and no value refers to it (its
  /// inputs refer to it, so they must not keep it alive).
  func testTracerIsFreedAfterItsTrace() throws {
    weak var weakTracer: Tracer?
    var kept: Traced?
    _ = try Program.trace(inputs: ["x"]) { t in
      weakTracer = t
      kept = exp(t.inputs[0])
      return kept!
    }
    XCTAssertNotNil(weakTracer, "a value still refers to the tracer")
    kept = nil
    XCTAssertNil(weakTracer, "the tracer leaked")
  }

  /// Scalars are folded out of a product or a reciprocal only within `2^±8`: a far
  /// scalar would move the stored product (or reciprocal) and its partials as far
  /// from the program as written, so the scaled operands are stored instead. Each
  /// case is representable as written; folded, the scalars of the first four
  /// overflowed (a trace error), that of the fifth underflowed to 0, and the last
  /// two came out 0 silently: the value of `(x·1e150)·(y·1e150)` (`x·y` underflows)
  /// and the quotient's ∂/∂y (`−1/y²` underflows).
  func testProductsAndQuotientsOfFarScalars() throws {
    let (big, small) = (1e200, 1e-200)
    // (name, program, point, value, gradient), each by hand from the plain formula.
    let cases: [(String, (Tracer) -> Traced, [Double], Double, [Double])] = [
      (
        "(x·1e200)·(y·1e200)", { t in (t.inputs[0] * big) * (t.inputs[1] * big) },
        [small, small], 1, [big, big]
      ),
      (
        "product([x·1e200, y·1e200])", { t in product([t.inputs[0] * big, t.inputs[1] * big]) },
        [small, small], 1, [big, big]
      ),
      (
        "product of three",
        { t in product([t.inputs[0] * big, t.inputs[1] * big, t.inputs[0] * big]) },
        [small, small], 1, [2 * big, big]
      ),
      (
        "square(x·1e200)", { t in square(t.inputs[0] * big) + 0 * t.inputs[1] },
        [small, 1], 1, [2 * big, 0]
      ),
      (
        "(x·1e-200)·(y·1e-200)", { t in (t.inputs[0] * small) * (t.inputs[1] * small) },
        [big, big], 1, [small, small]
      ),
      (
        "(x·1e150)·(y·1e150)", { t in (t.inputs[0] * 1e150) * (t.inputs[1] * 1e150) },
        [small, small], 1e-100, [1e-50 * 1e150, 1e-50 * 1e150]
      ),
      (
        "(x·1e200)/(y·1e-200)", { t in (t.inputs[0] * big) / (t.inputs[1] * small) },
        [small, big], 1, [big, -small]
      ),
    ]
    try assertValuesAndGradients(cases)
    // Quotients far out: x / y is one `.quotient` (x·y⁻¹ had ∂/∂y = x·(−1/y²) = 0
    // at y = 1e200), and so is 1e300 / x, of a variable holding 1e300 (1e300·x⁻¹
    // had 1e300·(−1e-400) = 0).
    let quotient = try Program.trace(inputs: ["x", "y"]) { t in t.inputs[0] / t.inputs[1] }
    XCTAssertEqual(quotient.variableCount, 3)
    let q = try quotient.gradient(at: [1e250, 1e200])
    assertClose(q.value, 1e50, relative: 1e-14)
    assertClose(q.gradient, [1e-200, -1e-150], relative: 1e-14)
    let scaledQuotient = try Program.trace(inputs: ["x", "y"]) { t in
      (2 * t.inputs[0]) / (t.inputs[1] * 4)
    }
    XCTAssertEqual(scaledQuotient.variableCount, 3)  // x, y, x / y; the objective 0.5·(x / y)
    assertClose(try scaledQuotient.gradient(at: [3, 2]).gradient, [0.25, -0.375], relative: 1e-15)
    let over = try Program.trace(inputs: ["x"]) { t in 1e300 / t.inputs[0] }
    let r = try over.gradient(at: [1e200])
    assertClose(r.value, 1e100, relative: 1e-14)
    assertClose(r.gradient, [-1e-100], relative: 1e-14)
    // The reciprocal of a subnormal scalar (2⁻¹⁰⁶³) overflows: 1/(tiny·y) is taken
    // of the stored value, 2⁻⁶³ at y = 2¹⁰⁰⁰.
    let tiny = 0x1p-1000 * 0x1p-63
    let program = try Program.trace(inputs: ["x", "y"]) { t in t.inputs[0] / (tiny * t.inputs[1]) }
    let result = try program.gradient(at: [1, 0x1p1000])
    XCTAssertEqual(result.value, 0x1p63)
    XCTAssertEqual(result.gradient[0], 0x1p63)
    assertClose(result.gradient[1], -0x1p-937, relative: 1e-14)
  }

  /// A scalar that would take a coefficient of a pending value out of the normal
  /// range (overflow, or underflow to a subnormal or 0) is applied to the value
  /// stored first, as written; and `c / x` with `c` far from 1 is one `.quotient`.
  /// Each case is representable as written; before, the first three folded to a
  /// 0 or an overflow (a trace error) and the `c / x` ones gave a 0 partial or
  /// trapped. References by hand from the plain formulas.
  func testScalingFarFromOneIsAppliedAsWritten() throws {
    let cases: [(String, (Tracer) -> Traced, [Double], Double, [Double])] = [
      (
        "((x·1e-200)·1e-200)/y", { t in ((t.inputs[0] * 1e-200) * 1e-200) / t.inputs[1] },
        [1e300, 1e-150], 1e50, [1e-250, -1e200]
      ),
      (
        "((1e200·x)·1e200)·y", { t in ((1e200 * t.inputs[0]) * 1e200) * t.inputs[1] },
        [1e-300, 1e-300], 1e-200, [1e100, 1e100]
      ),
      (
        "dot([1e-200], [x·1e-200])·y", { t in dot([1e-200], [t.inputs[0] * 1e-200]) * t.inputs[1] },
        [1e300, 1e200], 1e100, [1e-200, 1e-100]
      ),
      (
        "1e-250 / x + y", { t in 1e-250 / t.inputs[0] + t.inputs[1] },
        [0.5, 1], 1, [-4e-250, 1]
      ),
      (
        "(1e-250 / x)·y", { t in (1e-250 / t.inputs[0]) * t.inputs[1] },
        [1e-10, 1e10], 1e-230, [-1e-220, 1e-240]
      ),
      (
        "1e-250 / (x·1e100) + y", { t in 1e-250 / (t.inputs[0] * 1e100) + t.inputs[1] },
        [1e-100, 0], 1e-250, [-1e-150, 1]
      ),
    ]
    try assertValuesAndGradients(cases)
  }

  /// Each case traced over inputs `x`, `y`: its value and every partial at its
  /// point against the reference by hand, to 1e-14 relative, component by component.
  private func assertValuesAndGradients(
    _ cases: [(String, (Tracer) -> Traced, [Double], Double, [Double])],
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    for (label, body, point, value, gradient) in cases {
      let program = try Program.trace(inputs: ["x", "y"], body)
      let result = try program.gradient(at: point)
      assertClose(result.value, value, relative: 1e-14, label, file: file, line: line)
      for (k, expected) in gradient.enumerated() {
        assertClose(
          result.gradient[k], expected, relative: 1e-14, "\(label) ∂/∂x\(k)", file: file,
          line: line)
      }
    }
  }
}
