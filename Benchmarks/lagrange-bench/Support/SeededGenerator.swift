import LagrangeProp

/// A seeded SplitMix64 generator, so that every benchmark input is reproducible.
struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A random `n × n` matrix, entries uniform in `[-1, 1]`, plus `n + 1` on the
/// diagonal: strictly diagonally dominant (and so is its upper triangle), hence
/// well conditioned, whatever `n`.
func diagonallyDominantMatrix(_ n: Int, using rng: inout SeededGenerator) -> Matrix {
  var elements = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &rng) }
  for i in 0..<n { elements[i + i * n] += Double(n + 1) }
  // Cannot throw: the count is n · n by construction.
  return try! Matrix(rows: n, columns: n, columnMajor: elements)
}

/// A copy of `matrix` that owns its storage, so that a factorization handed
/// the copy overwrites it in place instead of copying inside a timed region.
func uniquelyOwnedCopy(_ matrix: Matrix) -> Matrix {
  var copy = matrix
  if copy.rows > 0 && copy.columns > 0 { copy[0, 0] = matrix[0, 0] }  // triggers copy-on-write
  return copy
}
