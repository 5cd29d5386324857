// Random vectors and well-conditioned random matrices (dense, triangular, band),
// drawn from any seeded generator.

import LagrangeProp

/// A vector of `count` values uniform in `range`.
package func randomVector<G: RandomNumberGenerator>(
  _ count: Int, in range: ClosedRange<Double> = -1...1, using rng: inout G
) -> [Double] {
  (0..<count).map { _ in Double.random(in: range, using: &rng) }
}

/// A `rows × columns` matrix of values uniform in `range`.
package func randomMatrix<G: RandomNumberGenerator>(
  rows: Int, columns: Int, in range: ClosedRange<Double> = -1...1, using rng: inout G
) -> Matrix {
  // Column-major order, one draw per element.
  var a = Matrix(validRows: rows, columns: columns)
  for j in 0..<columns {
    for i in 0..<rows { a[i, j] = Double.random(in: range, using: &rng) }
  }
  return a
}

/// A random `n × n` matrix, entries uniform in `[-1, 1]`, plus `n + 1` on the
/// diagonal: strictly diagonally dominant by rows and by columns (each
/// diagonal entry exceeds its off-diagonal row and column sums by at least 1),
/// so nonsingular with `‖A⁻¹‖∞ ≤ 1` and the solution well determined.
package func wellConditionedMatrix<G: RandomNumberGenerator>(_ n: Int, using rng: inout G) -> Matrix
{
  var a = randomMatrix(rows: n, columns: n, using: &rng)
  for i in 0..<n { a[i, i] += Double(n + 1) }
  return a
}

/// A random `n × n` triangular matrix (zeros outside `triangle`), off-diagonal
/// entries uniform in `[-1, 1]` and diagonal entries `±(n + u)` with `u ∈ [0, 1]`:
/// strictly diagonally dominant, so well conditioned. (Random triangular matrices
/// without dominance are exponentially ill-conditioned.)
package func wellConditionedTriangular<G: RandomNumberGenerator>(
  _ n: Int, _ triangle: Triangle, using rng: inout G
) -> Matrix {
  var a = Matrix(validRows: n, columns: n)
  for j in 0..<n {
    for i in 0..<n where triangle == .upper ? i < j : i > j {
      a[i, j] = Double.random(in: -1...1, using: &rng)
    }
    let magnitude = Double(n) + Double.random(in: 0...1, using: &rng)
    a[j, j] = Bool.random(using: &rng) ? magnitude : -magnitude
  }
  return a
}

/// A random `n × n` band matrix, as a dense matrix with zeros outside the band
/// (`kl` sub-, `ku` super-diagonals), entries uniform in `[-1, 1]` plus
/// `kl + ku + 2` on the diagonal: strictly diagonally dominant, so well conditioned.
package func wellConditionedBandDense<G: RandomNumberGenerator>(
  _ n: Int, lowerBandwidth kl: Int, upperBandwidth ku: Int, using rng: inout G
) -> Matrix {
  var a = Matrix(validRows: n, columns: n)
  for j in 0..<n {
    for i in Swift.max(0, j - ku)...Swift.min(n - 1, j + kl) {
      a[i, j] = Double.random(in: -1...1, using: &rng)
    }
    a[j, j] += Double(kl + ku + 2)
  }
  return a
}
