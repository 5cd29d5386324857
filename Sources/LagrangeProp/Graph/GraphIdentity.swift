/// The identity of a `ConstraintGraph`, shared by its copies until they diverge.
///
/// A `Variable` carries the identity of the graph that made it. Copies of a graph
/// share one `GraphIdentity` object; the first copy that declares a variable while
/// the object is shared *forks*: it takes a fresh identity that remembers its
/// ancestors and how many variables each had at the fork. A graph then accepts a
/// handle with its own identity, or with an ancestor's identity and an index below
/// that ancestor's count at the fork — the handles made before the fork, valid in
/// both copies. Handles made by the other copy after the fork are refused.
///
/// - Complexity: checking a handle of the graph's own identity is one comparison;
///   forking allocates once per fork (never per variable).
final class GraphIdentity: Sendable {
  /// A random 64-bit identity.
  let id: UInt64
  /// The identities this one was forked from, oldest first, each with the number of
  /// variables the graph had when it left that identity.
  let ancestors: [Ancestor]

  /// An identity this one descends from.
  struct Ancestor: Sendable {
    let id: UInt64
    let count: Int
  }

  /// A fresh identity with no ancestors.
  init() {
    id = UInt64.random(in: 1...UInt64.max)
    ancestors = []
  }

  /// A fresh identity forked from `parent` when the graph had `count` variables.
  init(forkedFrom parent: GraphIdentity, count: Int) {
    var fresh = UInt64.random(in: 1...UInt64.max)
    while fresh == parent.id || parent.ancestors.contains(where: { $0.id == fresh }) {
      fresh = UInt64.random(in: 1...UInt64.max)
    }
    id = fresh
    ancestors = parent.ancestors + [Ancestor(id: parent.id, count: count)]
  }

  /// The same identity in a separate object, for a compiled `Program`: the graph
  /// keeps sole ownership of its own object, so compiling does not make its next
  /// variable fork.
  init(snapshotOf other: GraphIdentity) {
    id = other.id
    ancestors = other.ancestors
  }

  /// Whether `variable` is a handle of a graph with this identity and `count` variables.
  @inline(__always)
  func accepts(_ variable: Variable, count: Int) -> Bool {
    guard variable.index >= 0 && variable.index < count else { return false }
    if variable.graphID == id { return true }
    return acceptsAncestor(variable)
  }

  private func acceptsAncestor(_ variable: Variable) -> Bool {
    for ancestor in ancestors where ancestor.id == variable.graphID {
      return variable.index < ancestor.count
    }
    return false
  }
}
