/// A structural bound on the bandwidth of a cyclic block's reduced Jacobian
/// `S = ∂r_F/∂z_F` (the Schur complement of its acyclic part), in the local
/// numbering of its feedback variables.
///
/// Each variable of the acyclic part depends on an interval (hull) of feedback
/// variables: the union of its in-block arguments' intervals, in evaluation
/// order. Row `r` of `S` can only be non-zero inside the hull of feedback
/// constraint `r`'s arguments (and `r` itself for an assignment). The hull may
/// over-estimate the pattern, never under-estimate it, so a band factorization
/// of that width is exact.
///
/// - Parameters: the block and the program-order CSR arrays.
/// - Returns: `(lower, upper)`: `S[r, c]` may be non-zero only for
///   `r − lower ≤ c ≤ r + upper`.
/// - Complexity: O(block size + block edges).
func reducedJacobianBandwidth(
  of block: BlockLayout, argumentStart: [Int32], arguments: [Int32], isResidual: [Bool]
) -> (lower: Int, upper: Int) {
  var low = [Int](repeating: Int.max, count: block.size)
  var high = [Int](repeating: Int.min, count: block.size)
  var lower = 0
  var upper = 0
  for p in block.start..<block.end {
    let local = p - block.start
    if p >= block.feedbackStart && !isResidual[p] {
      low[local] = p - block.feedbackStart
      high[local] = low[local]
    }
    for k in Int(argumentStart[p])..<Int(argumentStart[p + 1]) {
      let q = Int(arguments[k])
      guard q >= block.start && q < block.end else { continue }
      if q >= block.feedbackStart {
        let c = q - block.feedbackStart
        low[local] = min(low[local], c)
        high[local] = max(high[local], c)
      } else if low[q - block.start] <= high[q - block.start] {
        low[local] = min(low[local], low[q - block.start])
        high[local] = max(high[local], high[q - block.start])
      }
    }
    if p >= block.feedbackStart && low[local] <= high[local] {
      let r = p - block.feedbackStart
      lower = max(lower, r - low[local])
      upper = max(upper, high[local] - r)
    }
  }
  return (lower, upper)
}
