// The blog's example with closed forms for its values, dz/dx and D.

import Foundation
import LagrangeProp

/// The blog's example: inputs `x`, `y`; `a = exp(x)`, `b = a²`, `c = a + b + y`,
/// `d = tanh(c)`, `e = sin(c)`, `f = d + e` — with closed forms for its values,
/// its implicit Jacobian `dz/dx` and its constraint Jacobian `D`.
///
/// `inOrder()` declares it in topological order (declaration order = program
/// order); `scrambled()` declares it with `unknown()` + `define` in the order
/// `e, y, c, f, x, a, d, b`, so program order ≠ declaration order and the
/// input vector is `[y, x]`.
struct BlogExample {
  var graph: ConstraintGraph
  let x, y, a, b, c, d, e, f: Variable

  /// The seven variables, by name, in the order `x y a b c d e f` (not declaration order).
  var all: [(String, Variable)] {
    [("x", x), ("y", y), ("a", a), ("b", b), ("c", c), ("d", d), ("e", e), ("f", f)]
  }

  /// The example declared in topological order, as in the README.
  static func inOrder() throws -> BlogExample {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let a = try graph.define("a", .exp, x)
    let b = try graph.define("b", .square, a)
    let c = try graph.define("c", .sum, a, b, y)
    let d = try graph.define("d", .tanh, c)
    let e = try graph.define("e", .sin, c)
    let f = try graph.define("f", .sum, d, e)
    return BlogExample(graph: graph, x: x, y: y, a: a, b: b, c: c, d: d, e: e, f: f)
  }

  /// The example declared out of topological order (`e, y, c, f, x, a, d, b`)
  /// and defined in yet another order.
  static func scrambled() throws -> BlogExample {
    var graph = ConstraintGraph()
    let e = graph.unknown("e")
    let y = graph.input("y")
    let c = graph.unknown("c")
    let f = graph.unknown("f")
    let x = graph.input("x")
    let a = graph.unknown("a")
    let d = graph.unknown("d")
    let b = graph.unknown("b")
    try graph.define(f, .sum, d, e)
    try graph.define(c, .sum, a, b, y)
    try graph.define(e, .sin, c)
    try graph.define(a, .exp, x)
    try graph.define(d, .tanh, c)
    try graph.define(b, .square, a)
    return BlogExample(graph: graph, x: x, y: y, a: a, b: b, c: c, d: d, e: e, f: f)
  }

  /// The input vector (declaration order of the inputs) for `x` and `y`.
  func inputs(x xv: Double, y yv: Double) -> [Double] {
    x.index < y.index ? [xv, yv] : [yv, xv]
  }

  /// The position of `x` (and `y`) in the input vector.
  var xColumn: Int { x.index < y.index ? 0 : 1 }
  var yColumn: Int { 1 - xColumn }

  /// Closed-form values of all variables (declaration order).
  func values(x xv: Double, y yv: Double) -> [Double] {
    let av = Foundation.exp(xv)
    let bv = av * av
    let cv = av + bv + yv
    let dv = Foundation.tanh(cv)
    let ev = Foundation.sin(cv)
    var z = [Double](repeating: 0, count: 8)
    for (v, value) in [(x, xv), (y, yv), (a, av), (b, bv), (c, cv), (d, dv), (e, ev), (f, dv + ev)]
    {
      z[v.index] = value
    }
    return z
  }

  /// Closed-form `dz/dx` (`8 × 2`, rows in declaration order, columns in input order):
  /// `a' = a`, `b' = 2a²`, `c' = a + 2a²` (and `1` in `y`), `d' = (1 − d²)c'`,
  /// `e' = cos(c)·c'`, `f' = d' + e'`.
  func implicitJacobian(x xv: Double, y yv: Double) -> Matrix {
    let av = Foundation.exp(xv)
    let cv = av + av * av + yv
    let dd = 1 - Foundation.tanh(cv) * Foundation.tanh(cv)
    let de = Foundation.cos(cv)
    var z = Matrix(validRows: 8, columns: 2)
    for (column, dc, dx, dy, da, db) in [
      (xColumn, av + 2 * av * av, 1.0, 0.0, av, 2 * av * av), (yColumn, 1.0, 0.0, 1.0, 0.0, 0.0),
    ] {
      z[x.index, column] = dx
      z[y.index, column] = dy
      z[a.index, column] = da
      z[b.index, column] = db
      z[c.index, column] = dc
      z[d.index, column] = dd * dc
      z[e.index, column] = de * dc
      z[f.index, column] = (dd + de) * dc
    }
    return z
  }

  /// Closed-form constraint Jacobian `D[p, i] = ∂c_i/∂z_p` (declaration order):
  /// `−1` on the diagonal, `∂a/∂x = eˣ`, `∂b/∂a = 2a`, `∂c/∂{a,b,y} = 1`,
  /// `∂d/∂c = 1 − tanh²c`, `∂e/∂c = cos c`, `∂f/∂{d,e} = 1`.
  func constraintJacobian(x xv: Double, y yv: Double) -> Matrix {
    let av = Foundation.exp(xv)
    let cv = av + av * av + yv
    var m = Matrix(validRows: 8, columns: 8)
    for (_, v) in all { m[v.index, v.index] = -1 }
    m[x.index, a.index] = av
    m[a.index, b.index] = 2 * av
    m[a.index, c.index] = 1
    m[b.index, c.index] = 1
    m[y.index, c.index] = 1
    m[c.index, d.index] = 1 - Foundation.tanh(cv) * Foundation.tanh(cv)
    m[c.index, e.index] = Foundation.cos(cv)
    m[d.index, f.index] = 1
    m[e.index, f.index] = 1
    return m
  }
}
