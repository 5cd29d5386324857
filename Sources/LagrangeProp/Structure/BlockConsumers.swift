/// The in-block edges of every cyclic block, transposed: for each position `q`
/// inside a block, the constraint edges `k` (and their consumer positions `p`,
/// same block) that read `q`. Pushing a tangent from `q` along these edges
/// touches only the non-zeros a seed reaches, which is what makes assembling a
/// block's reduced Jacobian cost O(fill) rather than O(|F| · edges).
///
/// Positions outside blocks have empty lists.
struct BlockConsumers: Sendable {
  /// Consumers of position `q`: entries `start[q] ..< start[q + 1]`.
  let start: [Int32]
  /// The edge (index into the program's `arguments` / partials) of each entry.
  let edge: [Int32]
  /// The consumer position of each entry.
  let consumer: [Int32]

  /// Builds the lists from program-order CSR arrays.
  ///
  /// - Complexity: O(n + edges inside blocks).
  init(count n: Int, blocks: [BlockLayout], argumentStart: [Int32], arguments: [Int32]) {
    var counts = [Int32](repeating: 0, count: n + 1)
    for block in blocks {
      for p in block.start..<block.end {
        for k in Int(argumentStart[p])..<Int(argumentStart[p + 1]) {
          let q = Int(arguments[k])
          if q >= block.start && q < block.end { counts[q + 1] += 1 }
        }
      }
    }
    for q in 0..<n { counts[q + 1] += counts[q] }
    var fill = counts
    var edge = [Int32](repeating: 0, count: Int(counts[n]))
    var consumer = [Int32](repeating: 0, count: Int(counts[n]))
    for block in blocks {
      for p in block.start..<block.end {
        for k in Int(argumentStart[p])..<Int(argumentStart[p + 1]) {
          let q = Int(arguments[k])
          guard q >= block.start && q < block.end else { continue }
          let slot = Int(fill[q])
          edge[slot] = Int32(k)
          consumer[slot] = Int32(p)
          fill[q] += 1
        }
      }
    }
    self.start = counts
    self.edge = edge
    self.consumer = consumer
  }
}
