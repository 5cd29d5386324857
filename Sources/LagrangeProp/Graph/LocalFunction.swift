import Foundation

/// A local function `f_i` of a constraint: a scalar function of a variable's
/// arguments with exact partial derivatives.
///
/// Built-ins (`exp`, `log`, `sin`, `cos`, `tanh`, `sigmoid`, `square`, `sqrt`,
/// `power(p)` take one argument; `quotient` two; `sum` and `product` any number
/// ≥ 1; `linear(c)` and `affine(constant:coefficients:)` exactly `c.count`) are
/// compiled to op codes and dispatched by `switch`. `custom` functions call
/// the user's closures; without a gradient closure their partials come from
/// central finite differences with step `∛ε · max(1, |x_k|)` (accuracy about
/// `1e-10` relative for smooth functions, at `2k` extra evaluations).
public struct LocalFunction: Sendable, CustomStringConvertible {
  @usableFromInline
  enum Kind: Sendable {
    case exp, log, sin, cos, tanh, sigmoid, square, sqrt, sum, product, quotient
    case power(Double)
    case linear([Double])
    case affine(Double, [Double])
    case custom(CustomFunction)

    /// The op code the compiled program dispatches on.
    var opCode: OpCode {
      switch self {
      case .exp: .exp
      case .log: .log
      case .sin: .sin
      case .cos: .cos
      case .tanh: .tanh
      case .sigmoid: .sigmoid
      case .square: .square
      case .sqrt: .sqrt
      case .sum: .sum
      case .product: .product
      case .quotient: .quotient
      case .power: .power
      case .linear: .linear
      case .affine: .affine
      case .custom: .custom
      }
    }
  }

  @usableFromInline let kind: Kind

  @inlinable
  init(kind: Kind) { self.kind = kind }

  /// `eˣ`.
  @inlinable public static var exp: LocalFunction { LocalFunction(kind: .exp) }
  /// `ln x`, for `x > 0` (otherwise the forward solve throws naming the variable).
  @inlinable public static var log: LocalFunction { LocalFunction(kind: .log) }
  /// `sin x`.
  @inlinable public static var sin: LocalFunction { LocalFunction(kind: .sin) }
  /// `cos x`.
  @inlinable public static var cos: LocalFunction { LocalFunction(kind: .cos) }
  /// `tanh x`.
  @inlinable public static var tanh: LocalFunction { LocalFunction(kind: .tanh) }
  /// The logistic function `1 / (1 + e⁻ˣ)`, evaluated without overflow.
  @inlinable public static var sigmoid: LocalFunction { LocalFunction(kind: .sigmoid) }
  /// `x²`.
  @inlinable public static var square: LocalFunction { LocalFunction(kind: .square) }
  /// `√x`, for `x > 0` (its derivative is infinite at zero).
  @inlinable public static var sqrt: LocalFunction { LocalFunction(kind: .sqrt) }
  /// `Σ_k x_k` over any number (≥ 1) of arguments.
  @inlinable public static var sum: LocalFunction { LocalFunction(kind: .sum) }
  /// `Π_k x_k` over any number (≥ 1) of arguments.
  @inlinable public static var product: LocalFunction { LocalFunction(kind: .product) }
  /// `x / y`, of two arguments, with the partials `1/y` and `−(x/y)/y`: unlike
  /// `product` of `x` and `power(-1)` of `y`, whose partial in `y` is `x·(−1/y²)`,
  /// no intermediate `1/y²` can underflow (at `y = 1e200`) or overflow where the
  /// quotient and its partials do not. `y = 0` makes the value non-finite (the
  /// forward solve throws naming the variable).
  @inlinable public static var quotient: LocalFunction { LocalFunction(kind: .quotient) }

  /// `xᵖ` (for non-integer `p`, defined for `x > 0`; `p` must be finite).
  public static func power(_ p: Double) -> LocalFunction { LocalFunction(kind: .power(p)) }

  /// `Σ_k c_k·x_k`, with exactly `coefficients.count` arguments.
  public static func linear(_ coefficients: [Double]) -> LocalFunction {
    LocalFunction(kind: .linear(coefficients))
  }

  /// `c₀ + Σ_k c_k·x_k`, with exactly `coefficients.count` arguments.
  public static func affine(constant: Double, coefficients: [Double]) -> LocalFunction {
    LocalFunction(kind: .affine(constant, coefficients))
  }

  /// A user function with its exact gradient.
  ///
  /// - Parameters:
  ///   - name: shown in error messages.
  ///   - arity: the number of arguments it takes, or `nil` for any number ≥ 1.
  ///   - value: `f(x)`; must be pure and thread-safe.
  ///   - gradient: `∇f(x)`, an array of the same length as `x`.
  public static func custom(
    name: String, arity: Int? = nil, value: @escaping @Sendable ([Double]) -> Double,
    gradient: @escaping @Sendable ([Double]) -> [Double]
  ) -> LocalFunction {
    LocalFunction(
      kind: .custom(CustomFunction(name: name, arity: arity, value: value, gradient: gradient)))
  }

  /// A user function whose partials are taken by central finite differences.
  ///
  /// - Parameters:
  ///   - name: shown in error messages.
  ///   - arity: the number of arguments it takes, or `nil` for any number ≥ 1.
  ///   - value: `f(x)`; must be pure, thread-safe and smooth near the point.
  public static func custom(
    name: String, arity: Int? = nil, value: @escaping @Sendable ([Double]) -> Double
  ) -> LocalFunction {
    LocalFunction(
      kind: .custom(CustomFunction(name: name, arity: arity, value: value, gradient: nil)))
  }

  /// The function's name, as used in error messages (`"exp"`, `"power(3.0)"`, a custom name).
  public var name: String {
    switch kind {
    case .power(let p): "power(\(p))"
    case .custom(let f): f.name
    default: kind.opCode.name
    }
  }

  /// The function's name.
  public var description: String { name }

  /// The number of arguments the function takes, or `nil` for any number ≥ 1.
  public var arity: Int? {
    switch kind {
    case .exp, .log, .sin, .cos, .tanh, .sigmoid, .square, .sqrt, .power: 1
    case .quotient: 2
    case .sum, .product: nil
    case .linear(let c): c.count
    case .affine(_, let c): c.count
    case .custom(let f): f.arity
    }
  }

  /// Whether `count` arguments suit this function.
  func accepts(argumentCount count: Int) -> Bool {
    if let arity { return count == arity && count >= 1 }
    return count >= 1
  }

  /// A description of the arguments the function accepts, for error messages.
  var arityDescription: String {
    // Every constraint reads at least one variable: a function of no arguments
    // (`.linear([])`, a custom arity 0) is refused whatever it is given.
    if let arity { return arity >= 1 ? "\(arity)" : "at least 1 (it declares \(arity))" }
    return "at least 1"
  }

  /// Whether the function is affine in its arguments (its partials never change).
  var isAffine: Bool {
    switch kind {
    case .sum, .linear, .affine: true
    default: false
    }
  }
}

/// A user-supplied local function (reference type so a `LocalFunction` stays small).
@usableFromInline
final class CustomFunction: Sendable {
  let name: String
  let arity: Int?
  let value: @Sendable ([Double]) -> Double
  let gradient: (@Sendable ([Double]) -> [Double])?

  init(
    name: String, arity: Int?, value: @escaping @Sendable ([Double]) -> Double,
    gradient: (@Sendable ([Double]) -> [Double])?
  ) {
    self.name = name
    self.arity = arity
    self.value = value
    self.gradient = gradient
  }

  /// The partials at `x`: the user's gradient, or central differences with step
  /// `∛ε · max(1, |x_k|)`. Returns `nil` if the user's gradient has the wrong length.
  func partials(at x: [Double]) -> [Double]? {
    if let gradient {
      let g = gradient(x)
      return g.count == x.count ? g : nil
    }
    var probe = x
    var g = [Double](repeating: 0, count: x.count)
    let cubeRootEpsilon = Foundation.cbrt(Double.ulpOfOne)
    for k in 0..<x.count {
      let h = cubeRootEpsilon * Swift.max(1, Swift.abs(x[k]))
      probe[k] = x[k] + h
      let up = value(probe)
      probe[k] = x[k] - h
      let down = value(probe)
      probe[k] = x[k]
      // (x + h) − (x − h) is the step actually taken, exactly representable.
      g[k] = (up - down) / ((x[k] + h) - (x[k] - h))
    }
    return g
  }
}
