/// Strongly connected components of a dependency graph by Tarjan's algorithm,
/// written iteratively so that chains of millions of variables need no deep
/// recursion.
///
/// Components come out in topological order of dependencies: every component
/// appears after the components of all its arguments. Roots are visited in
/// increasing index and arguments in their listed order, so a graph whose
/// declaration order is already topological comes out in declaration order.
///
/// - Complexity: O(n + edges) time, O(n) extra memory.
struct StronglyConnectedComponents {
  /// Members of each component, in emission (topological) order.
  var componentStart: [Int] = [0]
  var members: [Int32] = []
  /// Whether each component has a cycle (more than one member, or a self-loop).
  var isCyclic: [Bool] = []

  var count: Int { isCyclic.count }

  func members(of c: Int) -> ArraySlice<Int32> {
    members[componentStart[c]..<componentStart[c + 1]]
  }

  init(_ graph: DependencyGraph) {
    let n = graph.count
    let unvisited = Int32(-1)
    var index = [Int32](repeating: unvisited, count: n)
    var lowLink = [Int32](repeating: 0, count: n)
    var onStack = [Bool](repeating: false, count: n)
    var stack: [Int32] = []
    // Call stack of (vertex, next argument position).
    var callVertex: [Int32] = []
    var callNext: [Int] = []
    var counter: Int32 = 0
    members.reserveCapacity(n)

    for root in 0..<n where index[root] == unvisited {
      index[root] = counter
      lowLink[root] = counter
      counter += 1
      stack.append(Int32(root))
      onStack[root] = true
      callVertex.append(Int32(root))
      callNext.append(graph.argumentStart[root])

      while let v32 = callVertex.last {
        let v = Int(v32)
        let end = graph.argumentStart[v + 1]
        var descended = false
        while callNext[callNext.count - 1] < end {
          let k = callNext[callNext.count - 1]
          callNext[callNext.count - 1] = k + 1
          let w = Int(graph.arguments[k])
          if index[w] == unvisited {
            index[w] = counter
            lowLink[w] = counter
            counter += 1
            stack.append(Int32(w))
            onStack[w] = true
            callVertex.append(Int32(w))
            callNext.append(graph.argumentStart[w])
            descended = true
            break
          } else if onStack[w] {
            lowLink[v] = min(lowLink[v], index[w])
          }
        }
        if descended { continue }
        // v is finished.
        callVertex.removeLast()
        callNext.removeLast()
        if let parent = callVertex.last {
          lowLink[Int(parent)] = min(lowLink[Int(parent)], lowLink[v])
        }
        if lowLink[v] == index[v] {
          let first = members.count
          while true {
            let w = stack.removeLast()
            onStack[Int(w)] = false
            members.append(w)
            if Int(w) == v { break }
          }
          // Keep members in increasing (declaration) order.
          members[first...].sort()
          componentStart.append(members.count)
          var cyclic = members.count - first > 1
          if !cyclic {
            for k in graph.argumentRange(v) where Int(graph.arguments[k]) == v { cyclic = true }
          }
          isCyclic.append(cyclic)
        }
      }
    }
  }
}
