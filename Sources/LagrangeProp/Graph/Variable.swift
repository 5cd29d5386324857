/// A handle on a variable of a `ConstraintGraph`: an input `x_j` or an
/// intermediate `z_i`.
///
/// `index` is the variable's position in declaration order, the order in which
/// every public vector of LagrangeProp (values, adjoints, tangents, the rows of
/// `dz/dx`) is indexed. A handle is only meaningful for the graph that made it,
/// for copies of that graph made after it, and for the programs compiled from
/// them: handing it to another graph — or to a copy that diverged before the
/// handle was made — throws `LagrangePropError.unknownVariable`.
public struct Variable: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The position of the variable in declaration order.
  public let index: Int
  /// The identity of the graph that made the handle.
  let graphID: UInt64

  init(_ index: Int, graph graphID: UInt64) {
    self.index = index
    self.graphID = graphID
  }

  /// Orders handles by declaration (meaningful for handles of one graph).
  public static func < (lhs: Variable, rhs: Variable) -> Bool { lhs.index < rhs.index }

  /// `Variable(index)`.
  public var description: String { "Variable(\(index))" }
}
