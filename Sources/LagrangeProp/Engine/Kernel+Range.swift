import CLAPACKE
import Foundation

extension Kernel {
  /// Evaluates the acyclic positions `range` in program order: each value and
  /// each local partial (the forward pass of `linearize`; `evaluateValues(range:values:)`
  /// is the value-only pass of `evaluate`).
  ///
  /// The common op codes have their own cases: the argument list is walked by a
  /// running edge cursor (one-argument functions read no `argumentStart` entry),
  /// value-only passes write no partial at all, and `sin`/`cos` with partials take
  /// both from one `sincos` call (the same bits as `sin` and `cos`). The other op
  /// codes go through `evaluate(_:values:partials:)`, unchanged. The partials of
  /// the special cases are finite whenever their value and arguments are (`eˣ`,
  /// `1 − tanh²`, `±sin`/`cos`, `2x`, constants), so only the value is checked.
  ///
  /// - Complexity: O(|range| + its edges).
  /// - Throws: `LagrangePropError.nonFinite` naming the first variable whose value
  ///   or partial is NaN or infinite; `.customGradientLength`.
  func evaluate(
    range: Range<Int>, values v: UnsafeMutableBufferPointer<Double>,
    partials dp: UnsafeMutableBufferPointer<Double>
  ) throws(LagrangePropError) {
    try evaluate(range: range, values: v, partials: dp, writingPartials: true)
  }

  /// `evaluate(range:values:partials:)` on a re-evaluation at new values of a
  /// cyclic block's acyclic part: the partials of `sum` and `linear`, their
  /// coefficients, are in place from the block's first evaluation and are not
  /// written again (a dense block's acyclic part streams `8·edges` bytes less).
  func evaluateKeepingCoefficients(
    range: Range<Int>, values v: UnsafeMutableBufferPointer<Double>,
    partials dp: UnsafeMutableBufferPointer<Double>
  ) throws(LagrangePropError) {
    try evaluate(
      range: range, values: v, partials: dp, writingPartials: true, coefficientsWritten: true)
  }

  /// The value-only form of `evaluate(range:values:partials:)` (`evaluate`'s pass):
  /// no partial is written.
  func evaluateValues(range: Range<Int>, values v: UnsafeMutableBufferPointer<Double>)
    throws(LagrangePropError)
  {
    try evaluate(range: range, values: v, partials: scratchPartials, writingPartials: false)
  }

  /// The value pass of the two-pass sweep gradient: values only, except that the
  /// partials of `sin` and `cos` (from one `sincos` call) are pushed on `tape`
  /// from `tapeTop` on, in program order, for `pushAdjoints` to pop in reverse:
  /// the reverse pass then calls no trigonometric function.
  ///
  /// - Returns: the new top of the tape.
  func evaluateValuesTapingTrigonometry(
    range: Range<Int>, values v: UnsafeMutableBufferPointer<Double>,
    tape: UnsafeMutableBufferPointer<Double>, tapeTop: Int
  ) throws(LagrangePropError) -> Int {
    try evaluate(
      range: range, values: v, partials: scratchPartials, writingPartials: false, tape: tape,
      tapeTop: tapeTop)
  }

  /// All forms, specialised by inlining (`writingPartials` and whether there is
  /// a tape are constants in each).
  @inline(__always)
  @discardableResult
  private func evaluate(
    range: Range<Int>, values v: UnsafeMutableBufferPointer<Double>,
    partials dp: UnsafeMutableBufferPointer<Double>, writingPartials: Bool,
    coefficientsWritten: Bool = false, tape: UnsafeMutableBufferPointer<Double>? = nil,
    tapeTop: Int = 0
  ) throws(LagrangePropError) -> Int {
    var top = tapeTop
    guard !range.isEmpty else { return top }
    // Locals, so that the stores into `v` and `dp` do not make the compiler reload them.
    let opCodes = self.opCodes
    let arguments = self.arguments
    let argumentStart = self.argumentStart
    let constants = self.constants
    let payloads = self.payloads
    var k = Int(argumentStart[range.lowerBound])
    for p in range {
      let y: Double
      switch opCodes[p] {
      case .exp:
        y = Foundation.exp(v[Int(arguments[k])])
        if writingPartials { dp[k] = y }
        k &+= 1
      case .tanh:
        let x = v[Int(arguments[k])]
        y = Foundation.tanh(x)
        if writingPartials { dp[k] = tanhDerivative(at: x, tanh: y) }
        k &+= 1
      case .sin:
        let x = v[Int(arguments[k])]
        if writingPartials || tape != nil {
          var sine = 0.0
          var cosine = 0.0
          lagrangeprop_sincos(x, &sine, &cosine)
          y = sine
          if writingPartials { dp[k] = cosine }
          if let tape {
            tape[top] = cosine
            top &+= 1
          }
        } else {
          y = Foundation.sin(x)
        }
        k &+= 1
      case .cos:
        let x = v[Int(arguments[k])]
        if writingPartials || tape != nil {
          var sine = 0.0
          var cosine = 0.0
          lagrangeprop_sincos(x, &sine, &cosine)
          y = cosine
          if writingPartials { dp[k] = -sine }
          if let tape {
            tape[top] = -sine
            top &+= 1
          }
        } else {
          y = Foundation.cos(x)
        }
        k &+= 1
      case .square:
        let x = v[Int(arguments[k])]
        y = x * x
        if writingPartials { dp[k] = 2 * x }
        k &+= 1
      case .sum:
        let e = Int(argumentStart[p &+ 1])
        var total = 0.0
        while k < e {
          total += v[Int(arguments[k])]
          if writingPartials && !coefficientsWritten { dp[k] = 1 }
          k &+= 1
        }
        y = total
      case .linear:
        let e = Int(argumentStart[p &+ 1])
        var c = Int(payloads[p])
        var total = 0.0
        while k < e {
          let a = constants[c]
          total += a * v[Int(arguments[k])]
          if writingPartials && !coefficientsWritten { dp[k] = a }
          c &+= 1
          k &+= 1
        }
        y = total
      default:
        if writingPartials {
          try evaluateOutOfLine(p, values: v, partials: dp)
        } else {
          try evaluateValueOutOfLine(p, values: v)
        }
        k = Int(argumentStart[p &+ 1])
        continue
      }
      guard y.isFinite else { throw valueError(p, value: y, values: v) }
      v[p] = y
    }
    return top
  }

  /// The op codes without a case of their own in the range passes, kept out of
  /// the loops so that these stay small.
  @inline(never)
  func evaluateOutOfLine(
    _ p: Int, values v: UnsafeMutableBufferPointer<Double>,
    partials dp: UnsafeMutableBufferPointer<Double>
  ) throws(LagrangePropError) {
    v[p] = try evaluate(p, values: v, partials: dp)
  }

  /// The value-only form of `evaluateOutOfLine(_:values:partials:)`.
  @inline(never)
  func evaluateValueOutOfLine(_ p: Int, values v: UnsafeMutableBufferPointer<Double>)
    throws(LagrangePropError)
  {
    v[p] = try evaluateValue(p, values: v)
  }

  /// The reverse pass's pushes from position `p` for the op codes without a case
  /// of their own: the partials into the scratch buffer (always evaluated, so
  /// that a non-finite partial is never missed), then `λ_{a_k} += ∂_k · λ_p`.
  @inline(never)
  func pushOutOfLine(
    _ p: Int, values v: UnsafeMutableBufferPointer<Double>,
    lambda: UnsafeMutableBufferPointer<Double>, adjoint l: Double
  ) throws(LagrangePropError) {
    _ = try evaluateIntoScratch(p, values: v)
    guard l != 0 else { return }
    let s = Int(argumentStart[p])
    for k in s..<Int(argumentStart[p &+ 1]) {
      lambda[Int(arguments[k])] += scratchPartials[k &- s] * l
    }
  }

  /// The error for a non-finite multiplier at position `p` (cold path).
  @inline(never)
  func adjointError(_ p: Int) -> LagrangePropError {
    .nonFiniteResult(quantity: "adjoint", variable: program.name(position: p), solver: .sweep)
  }

  /// The error for the non-finite value `value` at position `p` (cold path).
  @inline(never)
  func valueError(_ p: Int, value: Double, values: UnsafeMutableBufferPointer<Double>)
    -> LagrangePropError
  {
    // The partials are not shown for a non-finite value: the scratch buffer stands in.
    nonFiniteError(
      p, value: value, values: values, partials: scratchPartials, base: Int(argumentStart[p]))
  }
}

extension Kernel {
  /// The reverse sweep over the acyclic positions `range`, in reverse program
  /// order, with each local partial recomputed from the values instead of read
  /// from a stored array: `λ_{a_k} += ∂f_p/∂z_{a_k} · λ_p`.
  ///
  /// The partials are the same expressions as the forward pass's (`eˣ` and
  /// `1 − tanh²` from the value, `cos x`, `2x`, the constants; other op codes
  /// through `evaluateIntoScratch`), so `λ` is the same, bit for bit, as the sweep
  /// on stored partials; the pushes run in the same order. Positions with
  /// `λ_p = 0` push nothing; their partials are still evaluated for the op codes
  /// whose partial can fail to be finite (so that such a failure is never missed).
  ///
  /// - Complexity: O(|range| + its edges).
  /// - Throws: `.nonFinite` for a non-finite partial (then not necessarily the
  ///   first in program order: the caller reruns the forward pass for the error);
  ///   `.nonFiniteResult` for a multiplier that overflowed (the highest position).
  ///
  /// With `tape` (written by `evaluateValuesTapingTrigonometry` over the same
  /// range, `tapeTop` its top), the partials of `sin` and `cos` are popped from
  /// it instead of recomputed (the same bits).
  @inline(__always)
  func pushAdjoints(
    range: Range<Int>, values v: UnsafeMutableBufferPointer<Double>,
    lambda: UnsafeMutableBufferPointer<Double>, tape: UnsafeBufferPointer<Double>? = nil,
    tapeTop: Int = 0
  ) throws(LagrangePropError) {
    var top = tapeTop
    guard !range.isEmpty else { return }
    let opCodes = self.opCodes
    let arguments = self.arguments
    let argumentStart = self.argumentStart
    let constants = self.constants
    let payloads = self.payloads
    var e = Int(argumentStart[range.upperBound])
    var p = range.upperBound &- 1
    // The multipliers of the next two positions down, `p − 1` and `p − 2`, are
    // held in registers while they are in reach: `next` and `second` are loaded
    // (their stored sums: the seed and the pushes of every consumer above them)
    // as they come within two positions of the sweep, take the pushes into them
    // from there on, and are stored when the sweep moves past them (or before an
    // out-of-line push, which writes into memory). The pushes of the nearest
    // consumers, which a chain waits on, then never make a store-to-load round
    // trip through memory; they are added in the same order, to the same stored
    // sum, so `λ` is the same, bit for bit.
    var current = lambda[p]
    var next = p >= 1 ? lambda[p &- 1] : 0
    while p >= range.lowerBound {
      let l = current
      lambda[p] = l
      // λ_p is final here: the overflow check of every path, on the way.
      guard l.isFinite else { throw adjointError(p) }
      let below = p &- 1
      let belowSecond = p &- 2
      var second = p >= 2 ? lambda[belowSecond] : 0
      switch opCodes[p] {
      case .exp:
        e &-= 1
        if l != 0 { push(v[p] * l, to: Int(arguments[e])) }
      case .tanh:
        e &-= 1
        if l != 0 {
          let a = Int(arguments[e])
          push(tanhDerivative(at: v[a], tanh: v[p]) * l, to: a)
        }
      case .sin:
        e &-= 1
        if let tape {
          top &-= 1
          if l != 0 { push(tape[top] * l, to: Int(arguments[e])) }
        } else if l != 0 {
          let a = Int(arguments[e])
          push(Foundation.cos(v[a]) * l, to: a)
        }
      case .cos:
        e &-= 1
        if let tape {
          top &-= 1
          if l != 0 { push(tape[top] * l, to: Int(arguments[e])) }
        } else if l != 0 {
          let a = Int(arguments[e])
          push(-Foundation.sin(v[a]) * l, to: a)
        }
      case .square:
        e &-= 1
        if l != 0 {
          let a = Int(arguments[e])
          push(2 * v[a] * l, to: a)
        }
      case .sum:
        let s = Int(argumentStart[p])
        if l != 0 {
          for k in s..<e { push(l, to: Int(arguments[k])) }
        }
        e = s
      case .linear:
        let s = Int(argumentStart[p])
        if l != 0 {
          var c = Int(payloads[p])
          for k in s..<e {
            push(constants[c] * l, to: Int(arguments[k]))
            c &+= 1
          }
        }
        e = s
      default:
        // Pushes into memory: the registers are stored first and loaded after.
        let s = Int(argumentStart[p])
        if p >= 1 { lambda[below] = next }
        if p >= 2 { lambda[belowSecond] = second }
        try pushOutOfLine(p, values: v, lambda: lambda, adjoint: l)
        if p >= 1 { next = lambda[below] }
        if p >= 2 { second = lambda[belowSecond] }
        e = s
      }
      current = next
      next = second
      p &-= 1

      /// `λ_a += x`: into a register when `a` is one of the next two positions down.
      @inline(__always)
      func push(_ x: Double, to a: Int) {
        if a == below {
          next += x
        } else if a == belowSecond {
          second += x
        } else {
          lambda[a] += x
        }
      }
    }
    // The two positions below the range, if any, still held in registers.
    if range.lowerBound >= 1 { lambda[range.lowerBound &- 1] = current }
    if range.lowerBound >= 2 { lambda[range.lowerBound &- 2] = next }
  }
}

extension Kernel {
  /// The value of the local function at position `p` (a feedback constraint of a
  /// cyclic block) and the size of its terms, `Σ_k |∂g/∂z_{a_k} · z_{a_k}|`, in
  /// one pass over its arguments for `linear`, `affine` and `sum` (whose partials
  /// are their coefficients); partials written unless `valuesOnly` (then the
  /// stored partials, unchanged since the block's partials are constant, give
  /// the terms) or, for those three, `constantPartialsWritten` (a re-evaluation
  /// of the block: their coefficients are in place already).
  ///
  /// - Complexity: O(fan-in).
  /// - Throws: as `evaluate(_:values:partials:)`.
  @inline(__always)
  func evaluateWithTerms(
    _ p: Int, values v: UnsafeMutableBufferPointer<Double>,
    partials dp: UnsafeMutableBufferPointer<Double>, valuesOnly: Bool,
    constantPartialsWritten: Bool = false
  ) throws(LagrangePropError) -> (value: Double, terms: Double) {
    // `linear`, `affine` and `sum` partials are their coefficients: once written
    // (the block's first evaluation), re-evaluations leave them as they are.
    let writesCoefficients = !valuesOnly && !constantPartialsWritten
    let s = Int(argumentStart[p])
    let e = Int(argumentStart[p &+ 1])
    var total = 0.0
    var terms = 0.0
    switch opCodes[p] {
    case .linear, .affine:
      var c = Int(payloads[p])
      if opCodes[p] == .affine {
        total = constants[c]
        c &+= 1
      }
      for k in s..<e {
        let a = constants[c]
        let t = a * v[Int(arguments[k])]
        total += t
        terms += abs(t)
        if writesCoefficients { dp[k] = a }
        c &+= 1
      }
    case .sum:
      for k in s..<e {
        let t = v[Int(arguments[k])]
        total += t
        terms += abs(t)
        if writesCoefficients { dp[k] = 1 }
      }
    default:
      let value =
        valuesOnly ? try evaluateValue(p, values: v) : try evaluate(p, values: v, partials: dp)
      for k in s..<e { terms += abs(dp[k] * v[Int(arguments[k])]) }
      return (value, terms)
    }
    guard total.isFinite else { throw valueError(p, value: total, values: v) }
    return (total, terms)
  }
}
