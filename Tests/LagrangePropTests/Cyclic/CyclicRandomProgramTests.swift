import Foundation
import LagrangeProp
import SeededRandom
import XCTest

/// The equivalence suite on random cyclic programs (seeded): mixtures of small
/// cycles (length 2–6, assignments and residual constraints, built-ins and a
/// custom function) and acyclic parts, optionally one big strongly connected
/// block. `.lu` and `.blockTriangular` must agree to 1e-10 on gradients,
/// multipliers, tangents and implicit Jacobians, match central differences of
/// the forward solve to 1e-6, and satisfy the Lagrangian checks at the solution.
final class CyclicRandomProgramTests: XCTestCase {
  /// A random cyclic program. Every coupling inside a cycle goes through a
  /// bounded function (`tanh`, `sin`, `atan`) with coefficients whose absolute
  /// sum is at most 0.6, so each block is a contraction: Newton (with
  /// backtracking) converges from zero and the Jacobians are well conditioned.
  struct RandomCyclicProgram {
    let program: Program
    let inputCount: Int

    init(seed: UInt64, inputs d: Int, pieces: Int, bigBlock: Int?) throws {
      var builder = Builder(rng: SplitMix64(seed: seed))
      inputCount = d
      builder.available = (0..<d).map { builder.graph.input("x\($0)") }
      for piece in 0..<pieces {
        if Double.random(in: 0...1, using: &builder.rng) < 0.4 {
          try builder.acyclicNode()
        } else {
          try builder.cycle(length: Int.random(in: 2...6, using: &builder.rng), label: "c\(piece)")
        }
        if let bigBlock, piece == pieces / 2 {
          try builder.cycle(length: bigBlock, label: "big", chords: 2)
        }
      }
      for _ in 0..<3 { try builder.acyclicNode() }
      // Objective: random weights, plus a quadratic term for odd seeds.
      let graph = builder.graph
      let n = graph.variableCount
      let weights = randomVector(n, using: &builder.rng)
      if seed % 2 == 1 {
        let curvature = randomVector(n, in: 0...0.5, using: &builder.rng)
        let value: @Sendable ([Double]) -> Double = { z in
          var total = 0.0
          for i in 0..<n { total += weights[i] * z[i] + 0.5 * curvature[i] * z[i] * z[i] }
          return total
        }
        let gradient: @Sendable ([Double]) -> [Double] = { z in
          (0..<n).map { i in weights[i] + curvature[i] * z[i] }
        }
        program = try graph.compile(objective: .custom(value: value, gradient: gradient))
      } else {
        program = try graph.compile(objective: .linear(weights))
      }
    }
  }

  /// Builds the random graph piece by piece.
  struct Builder {
    var graph = ConstraintGraph()
    var available: [Variable] = []
    var rng: SplitMix64

    static let atan = LocalFunction.custom(
      name: "atan", arity: 1, value: { Foundation.atan($0[0]) },
      gradient: { [1 / (1 + $0[0] * $0[0])] })

    mutating func pick() -> Variable { available[Int.random(in: 0..<available.count, using: &rng)] }

    /// `z = f(earlier variables)` with a random bounded or affine function.
    mutating func acyclicNode() throws {
      let a = pick(), b = pick()
      let node: Variable
      switch Int.random(in: 0..<5, using: &rng) {
      case 0: node = try graph.define(.tanh, a)
      case 1: node = try graph.define(.sin, try graph.define(.sum, a, b))
      case 2:
        node = try graph.define(
          .affine(constant: 0.3, coefficients: randomVector(2, using: &rng)), a, b)
      case 3:
        node = try graph.define(.product, try graph.define(.tanh, a), try graph.define(.sigmoid, b))
      default: node = try graph.define(Self.atan, a)
      }
      available.append(node)
    }

    /// A cycle `c_0 … c_{L−1}`: each member reads the next one through a bounded
    /// function, `chords` more random members likewise, and one or two earlier
    /// variables. About a third of the members are written as residual constraints.
    mutating func cycle(length l: Int, label: String, chords: Int = 1) throws {
      var declaration = Array(0..<l)
      declaration.shuffle(using: &rng)  // program order ≠ declaration order
      var members = [Variable?](repeating: nil, count: l)
      for i in declaration { members[i] = graph.unknown("\(label)_\(i)") }
      let c = members.map { $0! }
      for i in 0..<l {
        var reads = [c[(i + 1) % l]]
        for _ in 0..<chords { reads.append(c[Int.random(in: 0..<l, using: &rng)]) }
        let bounded = try reads.map { v -> Variable in
          switch Int.random(in: 0..<4, using: &rng) {
          case 0: return try graph.define(.tanh, v)
          case 1: return try graph.define(.sin, v)
          case 2: return try graph.define(Self.atan, v)
          default:
            return try graph.define(
              .product, try graph.define(.tanh, pick()), try graph.define(.sin, v))
          }
        }
        var coefficients = randomVector(bounded.count, using: &rng)
        let sum = coefficients.map(abs).reduce(0, +)
        coefficients = coefficients.map { 0.6 * $0 / max(sum, 1) }
        let outside = (0..<Int.random(in: 1...2, using: &rng)).map { _ in pick() }
        let outsideCoefficients = randomVector(outside.count, using: &rng)
        let constant = Double.random(in: -1...1, using: &rng)
        if Double.random(in: 0...1, using: &rng) < 0.35 {
          // Residual form of the same equation: c_i − (…) = 0, scaled by a random factor.
          let scale = Double.random(in: 0.5...3, using: &rng) * (Bool.random(using: &rng) ? 1 : -1)
          try graph.constrain(
            c[i],
            residual: .affine(
              constant: -scale * constant,
              coefficients: [scale] + (coefficients + outsideCoefficients).map { -scale * $0 }),
            [c[i]] + bounded + outside)
        } else {
          try graph.define(
            c[i], .affine(constant: constant, coefficients: coefficients + outsideCoefficients),
            bounded + outside)
        }
      }
      available += c
    }
  }

  /// Inputs in `[-1, 1]`.
  func point(_ p: RandomCyclicProgram, seed: UInt64) -> [Double] {
    var rng = SplitMix64(seed: seed ^ 0x9e37_79b9)
    return randomVector(p.inputCount, using: &rng)
  }

  func testSolversAgreeAndMatchFiniteDifferences() throws {
    for seed in UInt64(1)...8 {
      let random = try RandomCyclicProgram(
        seed: seed, inputs: 4, pieces: 7, bigBlock: seed % 3 == 0 ? 60 : nil)
      let program = random.program
      let context = "seed \(seed)"
      XCTAssertFalse(program.isAcyclic, context)
      if seed % 3 == 0 {
        XCTAssertTrue(program.cyclicBlocks.contains { $0.count >= 60 }, "big block. " + context)
      }
      let x = point(random, seed: seed)
      let lu = try program.linearize(at: x, solver: .lu)
      let block = try program.linearize(at: x, solver: .blockTriangular)
      let automatic = try program.linearize(at: x)
      XCTAssertEqual(automatic.solver, .blockTriangular, context)
      XCTAssertEqual(lu.values, block.values, "one forward solve. " + context)

      // Exact paths agree.
      let gLU = try lu.gradient(), gBlock = try block.gradient(), gAuto = try automatic.gradient()
      assertClose(gBlock.gradient, gLU.gradient, relative: 1e-10, context)
      assertClose(gAuto.gradient, gLU.gradient, relative: 1e-10, context)
      assertClose(gBlock.adjoints, gLU.adjoints, relative: 1e-10, context)
      var rng = SplitMix64(seed: seed &* 77)
      let v = randomVector(program.variableCount, using: &rng)
      assertClose(try block.tangents(seed: v), try lu.tangents(seed: v), relative: 1e-10, context)
      assertClose(
        try block.adjoints(objectiveGradient: v), try lu.adjoints(objectiveGradient: v),
        relative: 1e-10, context)
      let zLU = try lu.implicitJacobian()
      assertClose(try block.implicitJacobian(), zLU, relative: 1e-10, context)

      // Against central differences of the forward solve, solved tightly.
      var tight = SolveOptions()
      tight.tolerance = 1e-14
      let fd = try CyclicReference.gradient(at: x) { try program.evaluate(at: $0, options: tight) }
      assertClose(gLU.gradient, fd, relative: 1e-6, context + " gradient vs FD")
      let fdJacobian = try CyclicReference.jacobian(at: x) {
        try program.solveConstraints(at: $0, options: tight)
      }
      for j in 0..<x.count {
        assertClose(
          zLU.column(j), fdJacobian.map { $0[j] }, relative: 1e-6, context + " dz/dx\(j) vs FD")
      }
      // A tangent seeded on the inputs is a directional derivative.
      var direction = [Double](repeating: 0, count: program.variableCount)
      let dx = randomVector(x.count, using: &rng)
      for (j, input) in program.inputs.enumerated() { direction[input.index] = dx[j] }
      let h = 1e-5
      let up = try program.solveConstraints(at: zip(x, dx).map { $0 + h * $1 }, options: tight)
      let down = try program.solveConstraints(at: zip(x, dx).map { $0 - h * $1 }, options: tight)
      assertClose(
        try block.tangents(seed: direction), zip(up, down).map { ($0 - $1) / (2 * h) },
        relative: 1e-6,
        context + " directional derivative")
    }
  }

  /// The Lagrangian block-coordinate checks at the solution: the forward solve
  /// makes `∂L/∂λ = c(z)` vanish, the adjoint solve `∂L/∂z = ∇f + Dλ`, and
  /// `∂L/∂x = λ_x` is the gradient.
  func testLagrangianChecksAtTheSolution() throws {
    for seed in UInt64(11)...16 {
      let random = try RandomCyclicProgram(
        seed: seed, inputs: 4, pieces: 8, bigBlock: seed == 12 ? 60 : nil)
      let x = point(random, seed: seed)
      for solver in [Solver.lu, .blockTriangular] {
        let context = "seed \(seed) \(solver)"
        let lin = try random.program.linearize(at: x, solver: solver)
        let kkt = try lin.kktResiduals()
        XCTAssertLessThan(kkt.primal, 1e-10, context)
        XCTAssertLessThanOrEqual(kkt.relativeDual, 1e-12, context)
        let g = try lin.gradient()
        let dL = try lin.lagrangianGradient(multipliers: g.adjoints)
        XCTAssertEqual(dL.inputs, g.gradient, "∂L/∂x = λ_x. " + context)
        XCTAssertLessThan(infinityNorm(dL.multipliers), 1e-10, "∂L/∂λ = c(z). " + context)
        XCTAssertLessThan(
          infinityNorm(dL.values), 1e-12 * max(1, infinityNorm(g.adjoints)), "∂L/∂z. " + context)
      }
    }
  }

  /// `lagrangianGradient` is the gradient of `lagrangian` at any point, also off
  /// the constraint surface and with residual constraints: central differences
  /// in every `x_j`, `z_i` and `λ_i`.
  func testLagrangianGradientAgainstFiniteDifferencesAtAnyPoint() throws {
    let random = try RandomCyclicProgram(seed: 21, inputs: 3, pieces: 5, bigBlock: nil)
    let program = random.program
    var rng = SplitMix64(seed: 0x6c61_6772)
    let n = program.variableCount
    let x = randomVector(program.inputCount, using: &rng)
    let z = randomVector(n, using: &rng)
    let lambda = randomVector(n, using: &rng)
    let gradient = try program.lagrangianGradient(inputs: x, values: z, multipliers: lambda)
    let dx = try CyclicReference.gradient(at: x) {
      try program.lagrangian(inputs: $0, values: z, multipliers: lambda)
    }
    let dz = try CyclicReference.gradient(at: z) {
      try program.lagrangian(inputs: x, values: $0, multipliers: lambda)
    }
    let dl = try CyclicReference.gradient(at: lambda) {
      try program.lagrangian(inputs: x, values: z, multipliers: $0)
    }
    assertClose(gradient.inputs, dx, relative: 1e-6, "∂L/∂x")
    assertClose(gradient.values, dz, relative: 1e-6, "∂L/∂z")
    assertClose(gradient.multipliers, dl, relative: 1e-6, "∂L/∂λ")
    // ∂L/∂λ is c(z) exactly.
    XCTAssertEqual(gradient.multipliers, try program.constraintResiduals(inputs: x, values: z))
  }
}
