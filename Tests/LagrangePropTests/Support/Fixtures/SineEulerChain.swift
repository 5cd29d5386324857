// A long explicit-Euler chain with a hand-written chain rule (forward and reverse).

import Foundation
import LagrangeProp

/// A long chain: explicit Euler for `dz/dt = c·sin z`, `z₀ = x`, with step `h`:
/// per step `s_k = sin z_k`, `p_k = s_k·c` (`.product`), `z_{k+1} = z_k + h·p_k`
/// (`.linear([1, h])`), so `n = 2 + 3·steps` variables declared in order `x, c,
/// (s_0, p_0, z_1), …`. Its derivatives stay of order one at any length
/// (`dz_K/dz_0 = Π(1 + h·c·cos z_k)`), and a plain loop with the chain rule
/// gives them independently of the engine.
struct SineEulerChain {
  let steps: Int
  let h: Double
  var graph: ConstraintGraph
  let x: Variable
  let c: Variable
  /// The last state `z_K`.
  let last: Variable

  var count: Int { 2 + 3 * steps }

  init(steps: Int, h: Double) throws {
    self.steps = steps
    self.h = h
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let c = graph.input("c")
    var z = x
    let step = LocalFunction.linear([1, h])
    for _ in 0..<steps {
      let s = try graph.define(.sin, z)
      let p = try graph.define(.product, s, c)
      z = try graph.define(step, z, p)
    }
    self.graph = graph
    self.x = x
    self.c = c
    self.last = z
  }

  /// Declaration index of `s_k`, `p_k`, `z_{k+1}`.
  func sIndex(_ k: Int) -> Int { 2 + 3 * k }
  func pIndex(_ k: Int) -> Int { 3 + 3 * k }
  func zIndex(_ k: Int) -> Int { k == 0 ? x.index : 1 + 3 * k }

  /// All values (declaration order) by a plain loop.
  func referenceValues(x xv: Double, c cv: Double) -> [Double] {
    var v = [Double](repeating: 0, count: count)
    v[0] = xv
    v[1] = cv
    var z = xv
    for k in 0..<steps {
      let s = Foundation.sin(z)
      let p = s * cv
      z = z + h * p
      v[sIndex(k)] = s
      v[pIndex(k)] = p
      v[zIndex(k + 1)] = z
    }
    return v
  }

  /// Forward mode by a plain loop: the derivatives of every variable with
  /// respect to `x` (`wrtX`) or `c`, by the chain rule
  /// `ṡ = cos z·ż`, `ṗ = c·ṡ + s·ċ`, `ż' = ż + h·ṗ`.
  func referenceTangents(x xv: Double, c cv: Double, wrtX: Bool) -> [Double] {
    let v = referenceValues(x: xv, c: cv)
    var t = [Double](repeating: 0, count: count)
    t[0] = wrtX ? 1 : 0
    t[1] = wrtX ? 0 : 1
    for k in 0..<steps {
      let dz = t[zIndex(k)]
      let ds = Foundation.cos(v[zIndex(k)]) * dz
      let dp = cv * ds + v[sIndex(k)] * t[1]
      t[sIndex(k)] = ds
      t[pIndex(k)] = dp
      t[zIndex(k + 1)] = dz + h * dp
    }
    return t
  }

  /// Reverse mode by a plain loop for the objective `Σ w_i z_i`: the total
  /// derivatives of every variable (declaration order); entries 0 and 1 are `∂f/∂x`, `∂f/∂c`.
  func referenceAdjoints(x xv: Double, c cv: Double, weights w: [Double]) -> [Double] {
    let v = referenceValues(x: xv, c: cv)
    var bar = w
    for k in stride(from: steps - 1, through: 0, by: -1) {
      let next = bar[zIndex(k + 1)]
      bar[pIndex(k)] += h * next
      bar[sIndex(k)] += cv * bar[pIndex(k)]
      bar[1] += v[sIndex(k)] * bar[pIndex(k)]
      bar[zIndex(k)] += next + Foundation.cos(v[zIndex(k)]) * bar[sIndex(k)]
    }
    return bar
  }
}
