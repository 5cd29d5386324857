import LagrangeProp

/// `v_i = r_i + β·(v₀ + v₁)/2`, objective `Σv`: a two-state Markov reward
/// process whose `I − βP` has the eigenvalue `1 − β`, so `κ ≈ 1/(1 − β)` and
/// `∂Σv/∂r_i = 1/(1 − β)` exactly.
struct TwoStateMarkov {
  let program: Program
  let rewards: [Variable]
  let values: [Variable]

  init(beta: Double) throws {
    var graph = ConstraintGraph()
    let r = (0..<2).map { graph.input("r\($0)") }
    let v = (0..<2).map { graph.unknown("v\($0)") }
    for i in 0..<2 {
      try graph.define(v[i], .linear([1, beta / 2, beta / 2]), r[i], v[0], v[1])
    }
    let total = try graph.define("Σv", .sum, v)
    program = try graph.compile(objective: .variable(total))
    rewards = r
    values = v
  }
}
