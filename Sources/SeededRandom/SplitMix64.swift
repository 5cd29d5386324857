// The one seeded random number generator of the tests and the benchmarks, so that
// every "random" input is reproducible from its seed.

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, fast, seeded generator
/// with good statistical quality — the seeding generator of xoshiro.
/// Reproducible across platforms and Swift versions, unlike
/// `SystemRandomNumberGenerator`.
///
/// ```swift
/// var rng = SplitMix64(seed: 42)
/// let u = Double.random(in: -1...1, using: &rng)
/// ```
package struct SplitMix64: RandomNumberGenerator, Sendable {
  /// The internal state, advanced by the golden-ratio increment at each draw.
  package private(set) var state: UInt64

  /// A generator whose sequence is determined by `seed`.
  package init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  package mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
