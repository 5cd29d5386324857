import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// A random sparse cyclic program (seeded): `n` unknowns `u_i`, each owned by a
/// residual constraint
///
///     g_i = s_i · ( d_i·u_i/c_i + Σ_j a_ij·u_j/c_j + b_i·x_k (+ 0.3·t_i) ) = 0,
///
/// with `perRow` random columns `j` (a non-symmetric pattern), `a_ij` uniform
/// in [−1, 1], `d_i = 2 + Σ_j |a_ij|` (diagonally dominant in the scaled
/// unknowns `u/c`, so well conditioned once equilibrated), row scales `s_i` and
/// unknown scales `c_j` of 10^±`scaleDecades` (badly scaled), and, when
/// `nonlinear`, `t_i = tanh(u_m/c_m)` for a random `m` (an acyclic part inside
/// the block: two intermediates per row). Three inputs; a random linear objective.
struct RandomSparseCyclicProgram {
  let program: Program
  let inputs: [Double]

  init(seed: UInt64, unknowns n: Int, perRow: Int, scaleDecades: Double, nonlinear: Bool) throws {
    var rng = SplitMix64(seed: seed)
    var graph = ConstraintGraph()
    let x = (0..<3).map { graph.input("x\($0)") }
    let u = (0..<n).map { graph.unknown("u\($0)") }
    let rowScale = (0..<n).map { _ in
      pow(10, Double.random(in: -scaleDecades...scaleDecades, using: &rng))
    }
    let unknownScale = (0..<n).map { _ in
      pow(10, Double.random(in: -scaleDecades...scaleDecades, using: &rng))
    }
    for i in 0..<n {
      var arguments = [u[i]]
      var coefficients = [0.0]
      var offDiagonal = 0.0
      for _ in 0..<perRow {
        let j = Int.random(in: 0..<n, using: &rng)
        let a = Double.random(in: -1...1, using: &rng)
        offDiagonal += abs(a)
        arguments.append(u[j])
        coefficients.append(rowScale[i] * a / unknownScale[j])
      }
      coefficients[0] = rowScale[i] * (2.3 + offDiagonal) / unknownScale[i]
      arguments.append(x[Int.random(in: 0..<3, using: &rng)])
      coefficients.append(rowScale[i] * Double.random(in: 0.5...1.5, using: &rng))
      if nonlinear {
        let m = Int.random(in: 0..<n, using: &rng)
        let scaled = try graph.define(.linear([1 / unknownScale[m]]), u[m])
        arguments.append(try graph.define(.tanh, scaled))
        coefficients.append(rowScale[i] * 0.3)
      }
      try graph.constrain(u[i], residual: .linear(coefficients), arguments)
    }
    let weights = randomVector(graph.variableCount, using: &rng)
    program = try graph.compile(objective: .linear(weights))
    inputs = randomVector(3, in: 0.5...1.5, using: &rng)
  }
}

/// Options for exact comparisons of the Krylov path: a tolerance near round-off.
func tightKrylovOptions() -> SolveOptions {
  var options = SolveOptions()
  options.krylovTolerance = 1e-14
  options.krylovMaxIterations = 5000
  return options
}
