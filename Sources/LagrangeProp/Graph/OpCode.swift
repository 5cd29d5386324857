/// The compact code of a local function, shared by the graph builder and the
/// compiled program. Parameters live in side tables indexed by a payload.
enum OpCode: UInt8, Sendable {
  case input
  case exp, log, sin, cos, tanh, sigmoid, square, sqrt, sum, product, quotient
  /// payload: index of `p` in the constant table.
  case power
  /// payload: index of the first coefficient in the constant table.
  case linear
  /// payload: index of the constant term, followed by the coefficients.
  case affine
  /// payload: index in the custom-function table.
  case custom
}

extension OpCode {
  /// The function's name as users write it (`"exp"`, `"power"` without its
  /// exponent, `"custom"`): the case's own name.
  var name: String { String(describing: self) }
}

/// The kind of constraint that owns a variable.
enum ConstraintRole: UInt8, Sendable {
  /// `c_j = x_j − z_j`.
  case input
  /// Declared by `unknown` and not (yet) given a constraint.
  case undefined
  /// `c_i = f_i(z_args) − z_i`.
  case assignment
  /// `c_i = g_i(z_args)`.
  case residual
}
