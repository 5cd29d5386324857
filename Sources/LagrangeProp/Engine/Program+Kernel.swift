import Foundation

/// The inner loop of every forward pass: evaluates one local function and its
/// exact partials straight from the program's flat arrays, dispatching by `switch`
/// on the op code. Unsafe buffers (bounds-checked in debug builds only) keep the
/// hot loop free of `Array` checks and retain/release traffic.
struct Kernel {
  let opCodes: UnsafeBufferPointer<OpCode>
  let payloads: UnsafeBufferPointer<Int32>
  let argumentStart: UnsafeBufferPointer<Int32>
  let arguments: UnsafeBufferPointer<Int32>
  let constants: UnsafeBufferPointer<Double>
  /// Room for the partials of the widest constraint, for value-only passes.
  let scratchPartials: UnsafeMutableBufferPointer<Double>
  let program: Program

  /// Evaluates the local function of the variable at program position `p`
  /// (`f_p` for an assignment, `g_p` for a residual constraint) at `values`,
  /// writes its partials into `partials[argumentStart[p] ..< argumentStart[p + 1]]`
  /// and returns its value.
  ///
  /// - Throws: `LagrangePropError.nonFinite` naming the variable if the value or
  ///   a partial is NaN or infinite; `.customGradientLength` for a bad custom gradient.
  @inline(__always)
  func evaluate(
    _ p: Int, values: UnsafeMutableBufferPointer<Double>,
    partials: UnsafeMutableBufferPointer<Double>
  ) throws(LagrangePropError) -> Double {
    try evaluate(p, values: values, partials: partials, writingPartials: true)
  }

  /// Evaluates the local function at position `p` without its partials (the
  /// value-only pass of `Program.evaluate(at:)`).
  @inline(__always)
  func evaluateValue(_ p: Int, values: UnsafeMutableBufferPointer<Double>) throws(LagrangePropError)
    -> Double
  {
    try evaluate(p, values: values, partials: scratchPartials, writingPartials: false)
  }

  /// Evaluates the local function at position `p` and writes its partials into
  /// `scratchPartials[0 ..< fan-in]` (the reverse pass that recomputes partials
  /// instead of storing them).
  @inline(__always)
  func evaluateIntoScratch(_ p: Int, values: UnsafeMutableBufferPointer<Double>)
    throws(LagrangePropError) -> Double
  {
    try evaluate(
      p, values: values, partials: scratchPartials, writingPartials: true, intoScratch: true)
  }

  @inline(__always)
  private func evaluate(
    _ p: Int, values: UnsafeMutableBufferPointer<Double>,
    partials fullPartials: UnsafeMutableBufferPointer<Double>, writingPartials: Bool,
    intoScratch: Bool = false
  ) throws(LagrangePropError) -> Double {
    let s = Int(argumentStart[p])
    let e = Int(argumentStart[p + 1])
    // Value-only passes write the partials into a scratch buffer instead
    // (`writingPartials` is a constant after inlining, so this folds away).
    let toScratch = intoScratch || !writingPartials
    let partials = toScratch ? scratchPartials : fullPartials
    let base = toScratch ? s : 0
    let value: Double
    var partialsAreFinite = true
    switch opCodes[p] {
    case .input:
      preconditionFailure("inputs have no local function")
    case .exp:
      value = Foundation.exp(values[Int(arguments[s])])
      partials[s &- base] = value
    case .log:
      let x = values[Int(arguments[s])]
      value = x > 0 ? Foundation.log(x) : .nan
      partials[s &- base] = 1 / x
    case .sin:
      let x = values[Int(arguments[s])]
      value = Foundation.sin(x)
      if writingPartials { partials[s &- base] = Foundation.cos(x) }
    case .cos:
      let x = values[Int(arguments[s])]
      value = Foundation.cos(x)
      if writingPartials { partials[s &- base] = -Foundation.sin(x) }
    case .tanh:
      let x = values[Int(arguments[s])]
      value = Foundation.tanh(x)
      partials[s &- base] = tanhDerivative(at: x, tanh: value)
    case .sigmoid:
      // With t = e^{−|x|} ≤ 1: σ = 1/(1 + t) or t/(1 + t), and σ' = t/(1 + t)²,
      // accurate to a few ulps (relative) also far in the tails.
      let x = values[Int(arguments[s])]
      let t = Foundation.exp(-abs(x))
      let q = 1 / (1 + t)
      value = x >= 0 ? q : t * q
      partials[s &- base] = t * q * q
    case .square:
      let x = values[Int(arguments[s])]
      value = x * x
      partials[s &- base] = 2 * x
    case .sqrt:
      let x = values[Int(arguments[s])]
      value = x >= 0 ? x.squareRoot() : .nan
      partials[s &- base] = 0.5 / value
      partialsAreFinite = partials[s &- base].isFinite
    case .sum:
      var total = 0.0
      for k in s..<e {
        total += values[Int(arguments[k])]
        partials[k &- base] = 1
      }
      value = total
    case .linear:
      var total = 0.0
      var c = Int(payloads[p])
      for k in s..<e {
        total += constants[c] * values[Int(arguments[k])]
        partials[k &- base] = constants[c]
        c += 1
      }
      value = total
    case .affine:
      var c = Int(payloads[p])
      var total = constants[c]
      for k in s..<e {
        c += 1
        total += constants[c] * values[Int(arguments[k])]
        partials[k &- base] = constants[c]
      }
      value = total
    case .product:
      if writingPartials {
        // Π_{l≠k} x_l = (product before k)·(product after k): O(fan-in), no
        // division, and exact zeros when factors vanish.
        var before = 1.0
        for k in s..<e {
          partials[k &- base] = before
          before *= values[Int(arguments[k])]
        }
        value = before
        var after = 1.0
        for k in stride(from: e - 1, through: s, by: -1) {
          partials[k &- base] *= after
          after *= values[Int(arguments[k])]
        }
        partialsAreFinite = (s..<e).allSatisfy { partials[$0 &- base].isFinite }
      } else {
        var total = 1.0
        for k in s..<e { total *= values[Int(arguments[k])] }
        value = total
      }
    case .quotient:
      let x = values[Int(arguments[s])]
      let y = values[Int(arguments[s &+ 1])]
      value = x / y
      if writingPartials {
        // −(x/y)/y rather than −x/y²: y² may leave the range where the quotient does not.
        partials[s &- base] = 1 / y
        partials[s &+ 1 &- base] = -value / y
        partialsAreFinite = partials[s &+ 1 &- base].isFinite
      }
    case .power:
      let exponent = constants[Int(payloads[p])]
      let x = values[Int(arguments[s])]
      value = Foundation.pow(x, exponent)
      if writingPartials {
        partials[s &- base] = exponent == 0 ? 0 : exponent * Foundation.pow(x, exponent - 1)
        partialsAreFinite = partials[s &- base].isFinite
      }
    case .custom:
      let function = program.customs[Int(payloads[p])]
      var x = [Double](repeating: 0, count: e - s)
      for k in s..<e { x[k - s] = values[Int(arguments[k])] }
      value = function.value(x)
      guard writingPartials else { break }
      guard let g = function.partials(at: x) else {
        throw .customGradientLength(
          variable: program.name(position: p), function: function.name, expected: e - s,
          actual: function.gradient?(x).count ?? -1)
      }
      for k in s..<e { partials[k &- base] = g[k - s] }
      partialsAreFinite = g.allSatisfy(\.isFinite)
    }
    if !value.isFinite || (writingPartials && (!partialsAreFinite || !partials[s &- base].isFinite))
    {
      throw nonFiniteError(p, value: value, values: values, partials: partials, base: base)
    }
    return value
  }

  /// The error for a non-finite value or partial at position `p` (cold path).
  @inline(never)
  func nonFiniteError(
    _ p: Int, value: Double, values: UnsafeMutableBufferPointer<Double>,
    partials: UnsafeMutableBufferPointer<Double>, base: Int
  ) -> LagrangePropError {
    let range = Int(argumentStart[p])..<Int(argumentStart[p + 1])
    let x = range.map { values[Int(arguments[$0])] }
    let d = range.map { partials[$0 - base] }
    let function = program.functionName(position: p)
    let what =
      value.isFinite ? "a partial derivative is not finite (\(d))" : "the value is \(value)"
    return .nonFinite(
      variable: program.name(position: p), function: function,
      detail: "\(what) at argument(s) \(x)")
  }
}

extension Program {
  /// Runs `body` with a kernel over this program's arrays.
  func withKernel<R, E: Error>(_ body: (Kernel) throws(E) -> R) throws(E) -> R {
    // The arrays are immutable for the program's lifetime; the pointers do not escape `body`.
    let result: Result<R, E> = opCodes.withUnsafeBufferPointer { ops in
      payloads.withUnsafeBufferPointer { pay in
        argumentStart.withUnsafeBufferPointer { starts in
          arguments.withUnsafeBufferPointer { args in
            constants.withUnsafeBufferPointer { consts in
              withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, maxFanIn)) {
                scratch in
                let kernel = Kernel(
                  opCodes: ops, payloads: pay, argumentStart: starts, arguments: args,
                  constants: consts, scratchPartials: scratch, program: self)
                do throws(E) {
                  return .success(try body(kernel))
                } catch {
                  return .failure(error)
                }
              }
            }
          }
        }
      }
    }
    return try result.get()
  }

  /// The name of the local function at program position `p`, for messages.
  func functionName(position p: Int) -> String {
    switch opCodes[p] {
    case .power: "power(\(constants[Int(payloads[p])]))"
    case .custom: customs[Int(payloads[p])].name
    case let op: op.name
    }
  }
}

/// `tanh′(x) = 1 − tanh²x`, given `y = tanh x`, to a few ulps (relative): `1 − y²`
/// while `|y| < 0.75` (at least 0.4375 there, so the subtraction loses under two
/// bits), else `4t/(1 + t)²` with `t = e^{−2|x|}` — `1 − y²` cancels as `|y| → 1`
/// (at `x = 10` it kept 8 digits, at `x = 20` it was 0 for 1.7e-17).
@inline(__always)
func tanhDerivative(at x: Double, tanh y: Double) -> Double {
  abs(y) < 0.75 ? 1 - y * y : tanhDerivativeInTheTails(at: x)
}

/// `4t/(1 + t)²`, `t = e^{−2|x|}`: `tanh′(x)` where `|tanh x| ≥ 0.75` (cold path).
@inline(never)
func tanhDerivativeInTheTails(at x: Double) -> Double {
  let t = Foundation.exp(-2 * abs(x))
  let d = 1 + t
  return 4 * t / (d * d)
}
