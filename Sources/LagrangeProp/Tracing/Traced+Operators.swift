/// Arithmetic on traced values. Affine operations (`+`, `−`, scaling by a
/// `Double`, adding a `Double`) fold into one pending affine value; `*` and `/`
/// between traced values record one `.product` / `.square` / `.power(-1)`
/// constraint each.
extension Traced {
  /// `lhs + rhs` (pending affine: no constraint recorded yet).
  /// - Complexity: O(terms of the operands).
  public static func + (lhs: Traced, rhs: Traced) -> Traced {
    guard Tracer.bothValid(lhs, rhs) else { return Tracer.refused(lhs, rhs) }
    return lhs.tracer.add(lhs.id, rhs.id, scale: 1, operation: "+")
  }

  /// `lhs − rhs` (pending affine).
  /// - Complexity: O(terms of the operands).
  public static func - (lhs: Traced, rhs: Traced) -> Traced {
    guard Tracer.bothValid(lhs, rhs) else { return Tracer.refused(lhs, rhs) }
    return lhs.tracer.add(lhs.id, rhs.id, scale: -1, operation: "-")
  }

  /// `lhs · rhs`: one `.product` constraint (`.square` for `x * x`).
  /// - Complexity: O(1) amortised (O(terms) to store a pending operand).
  public static func * (lhs: Traced, rhs: Traced) -> Traced {
    guard Tracer.bothValid(lhs, rhs) else { return Tracer.refused(lhs, rhs) }
    return lhs.tracer.multiply(lhs.id, rhs.id)
  }

  /// `lhs / rhs`: one `.quotient` constraint (the scalars of `c·z` operands kept
  /// pending as their quotient while it is within `2^±8`).
  /// - Complexity: O(1) amortised (O(terms) to store a pending operand).
  public static func / (lhs: Traced, rhs: Traced) -> Traced {
    guard Tracer.bothValid(lhs, rhs) else { return Tracer.refused(lhs, rhs) }
    return lhs.tracer.divide(lhs.id, rhs.id)
  }

  /// `−x` (pending affine).
  /// - Complexity: O(terms of the operands).
  public static prefix func - (x: Traced) -> Traced {
    guard x.tracer.accept(x) else { return x.tracer.refusal(x) }
    return x.tracer.affine(x, times: -1, plus: 0, operation: "-", given: -1)
  }

  /// `x + c` (pending affine). A non-finite `c` is a recorded misuse.
  /// - Complexity: O(terms of the operands).
  public static func + (x: Traced, c: Double) -> Traced {
    guard x.tracer.accept(x) else { return x.tracer.refusal(x) }
    return x.tracer.affine(x, times: 1, plus: c, operation: "+", given: c)
  }

  /// `c + x` (pending affine).
  /// - Complexity: O(terms of the operands).
  public static func + (c: Double, x: Traced) -> Traced { x + c }

  /// `x − c` (pending affine).
  /// - Complexity: O(terms of the operands).
  public static func - (x: Traced, c: Double) -> Traced {
    guard x.tracer.accept(x) else { return x.tracer.refusal(x) }
    return x.tracer.affine(x, times: 1, plus: -c, operation: "-", given: c)
  }

  /// `c − x` (pending affine).
  /// - Complexity: O(terms of the operands).
  public static func - (c: Double, x: Traced) -> Traced {
    guard x.tracer.accept(x) else { return x.tracer.refusal(x) }
    return x.tracer.affine(x, times: -1, plus: c, operation: "-", given: c)
  }

  /// `x · c` (pending affine).
  /// - Complexity: O(terms of the operands).
  public static func * (x: Traced, c: Double) -> Traced {
    guard x.tracer.accept(x) else { return x.tracer.refusal(x) }
    return x.tracer.affine(x, times: c, plus: 0, operation: "*", given: c)
  }

  /// `c · x` (pending affine).
  /// - Complexity: O(terms of the operands).
  public static func * (c: Double, x: Traced) -> Traced { x * c }

  /// `x / c = x · (1/c)` (pending affine). A non-finite `c` is a recorded misuse
  /// (`.nonFiniteConstant` with `c`), and so is `c = 0` (with the constant `1/c`).
  /// - Complexity: O(terms of the operands).
  public static func / (x: Traced, c: Double) -> Traced {
    guard x.tracer.accept(x) else { return x.tracer.refusal(x) }
    let given = c.isFinite ? 1 / c : c
    return x.tracer.affine(x, times: 1 / c, plus: 0, operation: "/", given: given)
  }

  /// `c / x = c · x⁻¹`: one `.power(-1)` constraint, `c` kept pending — or, for
  /// `|c|` outside `2^±8`, one `.quotient` of a variable holding `c` by `x`, so that
  /// the partial `−c/x²` is formed as `−(c/x)/x`, not as `c·(−1/x²)` (whose second
  /// factor can leave the range where the partial does not). A non-finite `c` is a
  /// recorded misuse (`.nonFiniteConstant` naming `x`).
  /// - Complexity: O(1) amortised (O(terms) to store a pending operand).
  public static func / (c: Double, x: Traced) -> Traced {
    guard x.tracer.accept(x) else { return x.tracer.refusal(x) }
    guard c.isFinite else { return x.tracer.affine(x, times: c, plus: 0, operation: "/", given: c) }
    if c != 0 && !Tracer.isFoldableScalar(c) { return x.tracer.constant(c, over: x.id) }
    return c * x.tracer.reciprocal(x.id)
  }

  /// `lhs = lhs + rhs`.
  public static func += (lhs: inout Traced, rhs: Traced) { lhs = lhs + rhs }
  /// `lhs = lhs − rhs`.
  public static func -= (lhs: inout Traced, rhs: Traced) { lhs = lhs - rhs }
  /// `lhs = lhs · rhs`.
  public static func *= (lhs: inout Traced, rhs: Traced) { lhs = lhs * rhs }
  /// `lhs = lhs / rhs`.
  public static func /= (lhs: inout Traced, rhs: Traced) { lhs = lhs / rhs }
  /// `x = x + c`.
  public static func += (x: inout Traced, c: Double) { x = x + c }
  /// `x = x − c`.
  public static func -= (x: inout Traced, c: Double) { x = x - c }
  /// `x = x · c`.
  public static func *= (x: inout Traced, c: Double) { x = x * c }
  /// `x = x / c`.
  public static func /= (x: inout Traced, c: Double) { x = x / c }
}
