/// A handle on a variable of a `ConstraintGraph`: an input `x_j` or an
/// intermediate `z_i`.
///
/// `index` is the variable's position in declaration order, the order in which
/// every public vector of LagrangeProp (values, adjoints, tangents, the rows of
/// `dz/dx`) is indexed. A handle is only meaningful for the graph that made it.
public struct Variable: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The position of the variable in declaration order.
  public let index: Int

  init(_ index: Int) { self.index = index }

  public static func < (lhs: Variable, rhs: Variable) -> Bool { lhs.index < rhs.index }

  public var description: String { "Variable(\(index))" }
}
