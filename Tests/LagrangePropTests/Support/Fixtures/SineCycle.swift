import LagrangeProp

/// The smallest nonlinear cycle the engine tests share: two unknowns,
///
///     u = 1 + 0.3·v + 0.2·x,    v = 0.4·sin u + y,
///
/// (`y` is `x` itself with one input), so Newton, a 2 × 2 block LU and the
/// sweep all run. The graph is returned open, for tests that add to it.
struct SineCycle {
  var graph: ConstraintGraph
  let x: Variable
  /// The second input, or `x` when `inputs` is 1.
  let y: Variable
  let u: Variable
  let v: Variable

  init(inputs: Int) throws {
    graph = ConstraintGraph()
    x = graph.input("x")
    y = inputs == 2 ? graph.input("y") : x
    u = graph.unknown("u")
    v = graph.unknown("v")
    try graph.define(u, .affine(constant: 1, coefficients: [0.3, 0.2]), v, x)
    let sv = try graph.define("sv", .sin, u)
    try graph.define(v, .affine(constant: 0, coefficients: [0.4, 1]), sv, y)
  }

  /// The compiled cycle with objective `f = u·v`.
  static func productProgram(inputs: Int) throws -> Program {
    var cycle = try SineCycle(inputs: inputs)
    let f = try cycle.graph.define("f", .product, cycle.u, cycle.v)
    return try cycle.graph.compile(objective: .variable(f))
  }
}
