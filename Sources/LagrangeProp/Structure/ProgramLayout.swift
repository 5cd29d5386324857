/// The order in which a compiled program stores its variables, and its cyclic blocks.
///
/// Inputs come first (in declaration order), then the strongly connected
/// components in topological order, each contiguous. An acyclic program whose
/// declaration order is already topological keeps it. In that order the
/// constraint Jacobian `D` is block upper triangular (upper triangular when
/// acyclic).
///
/// Inside a cyclic block the variables are split into an acyclic part `A`
/// (assignments, in evaluation order) followed by feedback variables `F` whose
/// removal leaves the block acyclic (see `feedbackSplit`), so the block's
/// nonlinear and linear systems reduce to `|F| × |F|` (a Schur complement)
/// instead of `|block| × |block|`.
struct ProgramLayout {
  /// Program position → declaration index.
  var order: [Int32]
  /// Cyclic blocks, in program order.
  var blocks: [BlockLayout]

  var isAcyclic: Bool { blocks.isEmpty }
}

/// A cyclic block: program positions `start ..< end`, of which
/// `start ..< feedbackStart` are the acyclic part `A` in evaluation order and
/// `feedbackStart ..< end` the feedback variables `F`.
struct BlockLayout: Sendable, Equatable {
  var start: Int
  var feedbackStart: Int
  var end: Int

  var size: Int { end - start }
  var feedbackCount: Int { end - feedbackStart }
}

extension ProgramLayout {
  /// Lays out a program given its dependency graph (in declaration order) and its inputs.
  ///
  /// - Complexity: O(n + edges), plus sorting within cyclic blocks.
  init(_ graph: DependencyGraph, inputs: [Int32]) {
    let n = graph.count
    var isInput = [Bool](repeating: false, count: n)
    for j in inputs { isInput[Int(j)] = true }

    // Fast path: declaration order is already topological (and acyclic).
    var declarationIsTopological = true
    for i in 0..<n where !isInput[i] {
      if graph.isResidual[i] {
        declarationIsTopological = false
        break
      }
      for k in graph.argumentRange(i) where Int(graph.arguments[k]) >= i {
        declarationIsTopological = false
        break
      }
      if !declarationIsTopological { break }
    }
    if declarationIsTopological {
      var order = inputs
      order.reserveCapacity(n)
      for i in 0..<n where !isInput[i] { order.append(Int32(i)) }
      self.init(order: order, blocks: [])
      return
    }

    let components = StronglyConnectedComponents(graph)
    var order = inputs
    order.reserveCapacity(n)
    var blocks: [BlockLayout] = []
    for c in 0..<components.count {
      let members = components.members(of: c)
      let single = members.count == 1 ? members.first.map { Int($0) } : nil
      if let single, isInput[single] { continue }
      // A lone residual constraint must determine its variable: a block of its own.
      if !components.isCyclic[c] && !(single.map { graph.isResidual[$0] } ?? false) {
        order.append(contentsOf: members)
        continue
      }
      // A cyclic block (or a lone residual constraint, which must determine its variable).
      let split = feedbackSplit(members: members, graph: graph)
      let start = order.count
      order.append(contentsOf: split.acyclic)
      let feedbackStart = order.count
      order.append(contentsOf: split.feedback)
      blocks.append(BlockLayout(start: start, feedbackStart: feedbackStart, end: order.count))
    }
    self.init(order: order, blocks: blocks)
  }
}
