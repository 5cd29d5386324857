/// Splits a cyclic block into an acyclic part `A`, in evaluation order, and a
/// set of feedback variables `F` whose removal leaves the block acyclic.
///
/// Residual-owned variables are always in `F` (their constraint does not
/// evaluate them). The rest are found by a depth-first search along "reads"
/// edges (consumer → argument) among the block's other members, roots in
/// declaration order: the target of every back edge joins `F`. Every cycle
/// holds a back edge of any depth-first search, so removing their targets
/// breaks them all; a ring of any length costs one feedback variable, and
/// `v = r + γ·Σ P_ij·v_j` written with product terms costs the `n` values.
/// The search's postorder lists arguments before consumers, so it is an
/// evaluation order of `A`. (Finding a *minimum* feedback set is NP-hard; this
/// is the usual linear-time heuristic.)
///
/// - Parameters:
///   - members: the block's variables (declaration indices, increasing).
///   - graph: the dependency graph in declaration order.
/// - Returns: `A` in evaluation order and `F` in declaration order.
/// - Complexity: O(block size + block edges), iterative (no recursion).
func feedbackSplit(members: ArraySlice<Int32>, graph: DependencyGraph) -> (
  acyclic: [Int32], feedback: [Int32]
) {
  let m = members.count
  var local = [Int32: Int](minimumCapacity: m)
  for (l, v) in members.enumerated() { local[v] = l }
  let vertex = Array(members)
  var isFeedback = vertex.map { graph.isResidual[Int($0)] }
  // 0: not visited, 1: on the search stack, 2: finished.
  var state = [UInt8](repeating: 0, count: m)
  var postorder: [Int32] = []
  postorder.reserveCapacity(m)
  var stack: [(vertex: Int, next: Int)] = []

  for root in 0..<m where !isFeedback[root] && state[root] == 0 {
    state[root] = 1
    stack.append((root, graph.argumentStart[Int(vertex[root])]))
    while let (v, next) = stack.last {
      let end = graph.argumentStart[Int(vertex[v]) + 1]
      var k = next
      var descended = false
      while k < end {
        let w = local[graph.arguments[k]] ?? -1
        k += 1
        guard w >= 0, !isFeedback[w] else { continue }
        if state[w] == 1 {
          isFeedback[w] = true  // back edge v → w: cut it at w
        } else if state[w] == 0 {
          stack[stack.count - 1].next = k
          state[w] = 1
          stack.append((w, graph.argumentStart[Int(vertex[w])]))
          descended = true
          break
        }
      }
      if descended { continue }
      stack.removeLast()
      state[v] = 2
      if !isFeedback[v] { postorder.append(vertex[v]) }
    }
  }
  let feedback = (0..<m).filter { isFeedback[$0] }.map { vertex[$0] }
  return (postorder, feedback)
}
