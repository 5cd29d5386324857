// What a random program of the fuzz test is made of: a seed and a few sizes,
// drawn from the seed, and made smaller by `shrinkCandidates` when a program fails.

import SeededRandom

/// The description of one random program: its seed and its sizes. The program
/// is a pure function of the recipe (`FuzzProgram(recipe)`), so a failing recipe
/// printed by the test rebuilds the same program, and a smaller recipe with the
/// same seed is a smaller program of the same kind.
struct FuzzRecipe: Equatable, CustomStringConvertible {
  /// How a cyclic block is written; every kind is well posed by construction
  /// (a contraction, or a residual whose Jacobian is diagonally dominant).
  enum BlockKind: Int, CaseIterable, CustomStringConvertible {
    /// `v_i = c_i + e_i + γ Σ_j P_ij v_j` with `P` row-stochastic, `γ < 1`, by `.affine`.
    case markovAffine
    /// The same by `.linear` over `(v, e)`, the constant folded into `e`.
    case markovLinear
    /// `v_i = e_i + Σ_j t_ij`, `t_ij = p_ij · v_j` (`.product`), `p_ij = (γ/k)·σ(·)`
    /// computed from the program's earlier variables.
    case markovProducts
    /// `v_i = e_i + Σ_j a_ij φ(v_j)`, `φ ∈ {tanh, sin, sigmoid, cos}`, `Σ_j |a_ij| ≤ 0.9`.
    case nonlinear
    /// The residual `v_i − Σ_{j≠i} a_ij v_j − e_i − c_i = 0`, `Σ |a_ij| ≤ 0.9`.
    case residualLinear
    /// The residual `v_i + v_i³ − Σ_{j≠i} a_ij v_j − e_i = 0` (`.power(3)`): monotone in `v_i`.
    case residualCubic
    /// `v_i = damp(v_{i+1}, e_i) = 0.6·sin(u₀) + u₁`: a custom function with its gradient.
    case customWithGradient
    /// `v_i = soft(v_{i+1}, v_i, e_i) = 0.45·tanh(u₀) + 0.3·σ(u₁) + u₂`: a custom
    /// function without a gradient (the engine takes central differences).
    case customFiniteDifference
    /// `markovAffine` with `γ = 1 − 10⁻ᵘ`, `u ∈ [2, 10]`: regular but ill-conditioned
    /// (reciprocal condition about `1 − γ`), where solvers agree only to `ε / rcond`.
    case nearlySingularMarkov
    /// `v_i = e_i + 0.4·log(1 + v_j²) + 0.2·sqrt(1 + v_j²)`, with `.square`, `.affine`,
    /// `.log`, `.sqrt` inside the block (arguments ≥ 1).
    case logSqrt

    var description: String {
      switch self {
      case .markovAffine: "markovAffine"
      case .markovLinear: "markovLinear"
      case .markovProducts: "markovProducts"
      case .nonlinear: "nonlinear"
      case .residualLinear: "residualLinear"
      case .residualCubic: "residualCubic"
      case .customWithGradient: "customWithGradient"
      case .customFiniteDifference: "customFiniteDifference"
      case .nearlySingularMarkov: "nearlySingularMarkov"
      case .logSqrt: "logSqrt"
      }
    }
  }

  /// One cyclic block: its kind and its number of unknowns.
  struct Block: Equatable, CustomStringConvertible {
    var kind: BlockKind
    var size: Int
    var description: String { "\(kind)×\(size)" }
  }

  /// The objective's form.
  enum ObjectiveKind: Int, CaseIterable, CustomStringConvertible {
    /// `.variable(last)`.
    case lastVariable
    /// `.linear(weights)` over all variables.
    case linear
    /// `.custom`: `Σ_i w_i sin(z_i)` with its gradient.
    case custom

    var description: String {
      switch self {
      case .lastVariable: "variable"
      case .linear: "linear"
      case .custom: "custom"
      }
    }
  }

  /// Seeds every random choice of the program's construction.
  var seed: UInt64
  /// Inputs, `≥ 1`.
  var inputCount: Int
  /// Intermediates of the acyclic part before the blocks (a `RandomDAG`; `≥ 1`).
  var acyclicCount: Int
  /// The cyclic blocks, in order; empty for an acyclic program.
  var blocks: [Block]
  /// Acyclic nodes after the blocks, reading any earlier variable.
  var suffixCount: Int
  /// Whether non-inputs are declared (`unknown`) in a shuffled order, so that
  /// declaration order differs from program order.
  var shuffled: Bool
  /// The objective's form.
  var objective: ObjectiveKind

  /// Whether the program has cycles.
  var isCyclic: Bool { !blocks.isEmpty }

  var description: String {
    "FuzzRecipe(seed: \(seed), inputs: \(inputCount), acyclic: \(acyclicCount), "
      + "blocks: [\(blocks.map(\.description).joined(separator: ", "))], "
      + "suffix: \(suffixCount), shuffled: \(shuffled), objective: \(objective))"
  }

  /// The recipe of program `index` of a run with `baseSeed`: one in three acyclic,
  /// the others with one to three cyclic blocks of one to five unknowns.
  static func draw(baseSeed: UInt64, index: Int) -> FuzzRecipe {
    var rng = SplitMix64(seed: baseSeed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    let seed = rng.next()
    let cyclic = index % 3 != 0
    let blockCount = cyclic ? Int.random(in: 1...3, using: &rng) : 0
    let blocks = (0..<blockCount).map { _ in
      Block(
        kind: BlockKind.allCases.randomElement(using: &rng)!,
        size: Int.random(in: 1...5, using: &rng))
    }
    return FuzzRecipe(
      seed: seed, inputCount: Int.random(in: 1...4, using: &rng),
      acyclicCount: Int.random(in: 1...(cyclic ? 12 : 30), using: &rng), blocks: blocks,
      suffixCount: Int.random(in: 0...5, using: &rng), shuffled: Bool.random(using: &rng),
      objective: ObjectiveKind.allCases.randomElement(using: &rng)!)
  }

  /// Smaller recipes, most reducing first: a block removed, a block made smaller,
  /// fewer acyclic nodes, inputs or suffix nodes, declaration in order, the
  /// simplest objective. The shrinker keeps the first that still fails.
  var shrinkCandidates: [FuzzRecipe] {
    var out: [FuzzRecipe] = []
    for b in blocks.indices {
      var r = self
      r.blocks.remove(at: b)
      out.append(r)
    }
    for b in blocks.indices where blocks[b].size > 1 {
      var r = self
      r.blocks[b].size -= 1
      out.append(r)
    }
    if acyclicCount > 1 {
      var r = self
      r.acyclicCount = Swift.max(1, acyclicCount / 2)
      out.append(r)
      r.acyclicCount = acyclicCount - 1
      out.append(r)
    }
    if suffixCount > 0 {
      var r = self
      r.suffixCount -= 1
      out.append(r)
    }
    if inputCount > 1 {
      var r = self
      r.inputCount -= 1
      out.append(r)
    }
    if shuffled {
      var r = self
      r.shuffled = false
      out.append(r)
    }
    if objective != .lastVariable {
      var r = self
      r.objective = .lastVariable
      out.append(r)
    }
    return out
  }

  /// The smallest recipe, by greedy descent over `shrinkCandidates`, for which
  /// `fails` still holds (at most `limit` candidates tried).
  func shrunk(limit: Int = 500, while fails: (FuzzRecipe) -> Bool) -> (FuzzRecipe, steps: Int) {
    var current = self
    var steps = 0
    var tried = 0
    var progress = true
    while progress && tried < limit {
      progress = false
      for candidate in current.shrinkCandidates {
        tried += 1
        if fails(candidate) {
          current = candidate
          steps += 1
          progress = true
          break
        }
        if tried >= limit { break }
      }
    }
    return (current, steps)
  }
}
