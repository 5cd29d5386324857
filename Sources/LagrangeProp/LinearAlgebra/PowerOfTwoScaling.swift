/// Exact rescaling of a right-hand side whose entries are so large or so small
/// that a solve would square them past the range of `Double` (norms) or compute
/// with subnormal numbers (a few significant bits): a linear solve of `2^−e·b`
/// followed by `2^e·x` gives `x` exactly as well as the solve of a
/// normal-sized right-hand side would.
enum PowerOfTwoScaling {
  /// Entries beyond `2^±limit` call for scaling (`2⁴⁰⁰ ≈ 10¹²⁰`: a square of a
  /// sum of up to 2²²³ such entries stays finite).
  static let limit = 400

  /// `e` such that `2^−e·b` has its largest magnitude in `[1, 2)`, when that
  /// magnitude is beyond `2^±limit`; `0` otherwise (also for a zero or
  /// non-finite `b`, which the solve reports itself).
  ///
  /// - Complexity: O(count).
  static func exponent(of b: UnsafeBufferPointer<Double>) -> Int {
    var largest = 0.0
    for value in b where !(abs(value) <= largest) { largest = abs(value) }
    guard largest.isFinite && largest > 0 else { return 0 }
    let e = Int(largest.exponent)
    return abs(e) > limit ? e : 0
  }

  /// `v·2^e`, exact unless it overflows or underflows; applied as two factors so
  /// that `e` may reach ±2 098 (a subnormal entry's `2^−e` is beyond the largest
  /// `Double`).
  @inline(__always)
  static func scaled(_ v: Double, by e: Int) -> Double {
    let half = e / 2
    return v * Double(sign: .plus, exponent: half, significand: 1)
      * Double(sign: .plus, exponent: e - half, significand: 1)
  }

  /// Multiplies every entry of `v` by `2^e` (nothing for `e = 0`).
  ///
  /// - Complexity: O(count).
  static func scale(_ v: UnsafeMutableBufferPointer<Double>, by e: Int) {
    guard e != 0 else { return }
    for i in v.indices { v[i] = scaled(v[i], by: e) }
  }

  /// Whether the non-zero entries of `b` span more than `2^limit` (from the
  /// smallest magnitude to the largest): one scaling cannot serve them all — the
  /// small ones, scaled with the large, go subnormal or to zero in the solve
  /// (objective weights 1e300 and 1: the second one's contributions vanish).
  ///
  /// - Complexity: O(count).
  static func spansBands(_ b: UnsafeBufferPointer<Double>) -> Bool {
    singleScaleExponent(of: b) == nil
  }

  /// `exponent(of: b)`, or `nil` when `b` `spansBands` (then solved band by band,
  /// `bands(of:)`): one pass for both.
  ///
  /// - Complexity: O(count).
  static func singleScaleExponent(of b: UnsafeBufferPointer<Double>) -> Int? {
    var largest = 0.0
    var smallest = Double.infinity
    for value in b where value != 0 {
      guard value.isFinite else { return 0 }  // the solve reports it
      largest = max(largest, abs(value))
      smallest = min(smallest, abs(value))
    }
    guard largest > 0 else { return 0 }
    let e = Int(largest.exponent)
    guard e - Int(smallest.exponent) <= limit else { return nil }
    return abs(e) > limit ? e : 0
  }

  /// `b` as `large + small`: `large` keeps the finite entries within `2^limit` of
  /// the largest, `small` the others (each zero elsewhere). For `b` that
  /// `spansBands`, a linear solve of each, scaled on its own, and the sum of the
  /// solutions give the solve of `b` with every contribution kept.
  ///
  /// - Complexity: O(count).
  static func bands(of b: [Double]) -> (large: [Double], small: [Double]) {
    var largest = 0.0
    for value in b where value.isFinite { largest = max(largest, abs(value)) }
    let cut = Int(largest.exponent) - limit
    var large = b
    var small = [Double](repeating: 0, count: b.count)
    for i in b.indices where b[i] != 0 && b[i].isFinite && Int(b[i].exponent) < cut {
      small[i] = b[i]
      large[i] = 0
    }
    return (large, small)
  }
}
