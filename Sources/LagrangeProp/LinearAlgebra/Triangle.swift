/// Which triangle of a square matrix holds a triangular matrix.
package enum Triangle: Sendable, Equatable {
  /// Non-zeros on and above the diagonal.
  case upper
  /// Non-zeros on and below the diagonal.
  case lower
}
