/// The in-block edges of every cyclic block, transposed: for each position `q`
/// inside a block, the constraint edges `k` (and their consumer positions `p`,
/// same block) that read `q`. Pushing a tangent from `q` along these edges
/// touches only the non-zeros a seed reaches, which is what makes assembling a
/// block's reduced Jacobian cost O(fill) rather than O(|F| · edges).
///
/// Positions outside blocks have empty lists (an acyclic program stores none).
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
    if blocks.isEmpty {  // an acyclic program: no list is ever read
      self.start = []
      self.edge = []
      self.consumer = []
      return
    }
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

extension BlockConsumers {
  /// Unsafe views of the lists, for the inner loop of a reduced-Jacobian assembly.
  struct Buffers {
    let start: UnsafeBufferPointer<Int32>
    let edge: UnsafeBufferPointer<Int32>
    let consumer: UnsafeBufferPointer<Int32>

    /// Forward tangent propagation from unit seeds on feedback variables
    /// (`seeds`, local indices) through a block's acyclic part: `tau` receives the
    /// tangents of the acyclic part (local to `block.start`), `rows` the feedback
    /// constraints' rows `Σ_k ∂c_r/∂z_{a_k}·τ_{a_k}` (local to `block.feedbackStart`).
    /// Both are cleared first. Each non-zero tangent is pushed along its
    /// consumers in evaluation order, so the cost is the fill the seeds reach
    /// plus one scan of the acyclic part.
    func propagate(
      seeds: StrideTo<Int>, block: BlockLayout, partials: UnsafeBufferPointer<Double>,
      tau: UnsafeMutableBufferPointer<Double>, rows: UnsafeMutableBufferPointer<Double>
    ) {
      for l in 0..<tau.count { tau[l] = 0 }
      for r in 0..<rows.count { rows[r] = 0 }
      @inline(__always) func push(from q: Int, _ value: Double) {
        for e in Int(start[q])..<Int(start[q + 1]) {
          let p = Int(consumer[e])
          let contribution = partials[Int(edge[e])] * value
          if p < block.feedbackStart {
            tau[p - block.start] += contribution
          } else {
            rows[p - block.feedbackStart] += contribution
          }
        }
      }
      for c in seeds { push(from: block.feedbackStart + c, 1) }
      for p in block.start..<block.feedbackStart {
        let t = tau[p - block.start]
        if t != 0 { push(from: p, t) }
      }
    }
  }

  /// Runs `body` with unsafe views of the lists.
  func withUnsafeBuffers<R>(_ body: (Buffers) -> R) -> R {
    start.withUnsafeBufferPointer { s in
      edge.withUnsafeBufferPointer { e in
        consumer.withUnsafeBufferPointer { c in body(Buffers(start: s, edge: e, consumer: c)) }
      }
    }
  }
}
