// Benchmark inputs that a factorization may overwrite.

import LagrangeProp

/// A copy of `matrix` that owns its storage, so that a factorization handed
/// the copy overwrites it in place instead of copying inside a timed region.
func uniquelyOwnedCopy(_ matrix: Matrix) -> Matrix {
  var copy = matrix
  if copy.rows > 0 && copy.columns > 0 { copy[0, 0] = matrix[0, 0] }  // triggers copy-on-write
  return copy
}
