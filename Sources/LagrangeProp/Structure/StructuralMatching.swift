/// The structural check of a cyclic block: can its constraints determine its
/// variables on the sparsity pattern alone?
///
/// Constraint `i` (owned by variable `i`) involves the block's variables among
/// its arguments, and `i` itself when it is an assignment (`f_i − z_i`). The
/// block is structurally regular iff this bipartite graph has a perfect
/// matching; otherwise its Jacobian is singular for every value of the inputs.
///
/// Each assignment is first matched to its own variable; the rest by augmenting
/// paths (breadth-first, so no recursion).
///
/// - Returns: `nil` if a perfect matching exists, else the block's variables
///   (declaration indices) left unmatched.
/// - Complexity: O(m + edges) when every constraint can take its own variable,
///   O(m · edges) in the worst case.
func unmatchedVariables(
  of block: BlockLayout, order: [Int32], position: [Int32], graph: DependencyGraph
) -> [Int32]? {
  let m = block.size
  // Local index of a declaration index inside the block, or -1.
  @inline(__always) func local(_ v: Int32) -> Int {
    let p = Int(position[Int(v)])
    return p >= block.start && p < block.end ? p - block.start : -1
  }
  // Pattern of constraint c (local): local variable indices.
  func pattern(_ c: Int) -> [Int] {
    let v = Int(order[block.start + c])
    var result: [Int] = graph.isResidual[v] ? [] : [c]
    for k in graph.argumentRange(v) {
      let l = local(graph.arguments[k])
      if l >= 0 { result.append(l) }
    }
    return result
  }
  var matchOfVariable = [Int](repeating: -1, count: m)
  var matchOfConstraint = [Int](repeating: -1, count: m)
  var unmatched: [Int] = []
  for c in 0..<m {
    if pattern(c).contains(c) && matchOfVariable[c] == -1 {
      matchOfVariable[c] = c
      matchOfConstraint[c] = c
    } else {
      unmatched.append(c)
    }
  }
  var failed: [Int] = []
  for c0 in unmatched {
    // BFS over alternating paths from constraint c0.
    var parentOfVariable = [Int](repeating: -2, count: m)  // constraint that reached it
    var queue = [c0]
    var head = 0
    var found = -1
    while head < queue.count, found < 0 {
      let c = queue[head]
      head += 1
      for v in pattern(c) where parentOfVariable[v] == -2 {
        parentOfVariable[v] = c
        if matchOfVariable[v] == -1 {
          found = v
          break
        }
        queue.append(matchOfVariable[v])
      }
    }
    if found < 0 {
      failed.append(c0)
      continue
    }
    var v = found
    while v >= 0 {
      let c = parentOfVariable[v]
      let previous = matchOfConstraint[c]
      matchOfVariable[v] = c
      matchOfConstraint[c] = v
      v = c == c0 ? -1 : previous
    }
  }
  if failed.isEmpty { return nil }
  var result: [Int32] = []
  for v in 0..<m where matchOfVariable[v] == -1 { result.append(order[block.start + v]) }
  return result
}
