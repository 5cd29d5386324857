// What the fuzz test demands of every random program, and the tally it keeps.

import Foundation
import LagrangeProp

/// Totals of a fuzz run: programs, solver runs, outcomes.
struct FuzzTally {
  var programs = 0
  var acyclicPrograms = 0
  var cyclicPrograms = 0
  /// `gradient` calls: one per program and solver, one by fixed-point iteration
  /// per cyclic program, two with `minimumReciprocalCondition` per condition reported.
  var solverRuns = 0
  /// Calls that returned a result.
  var accepted = 0
  /// Programs using each local function (by name).
  var functions: [String: Int] = [:]
  /// Refusals by error case (`cyclicProgram`, `bandTooWide`, …).
  var refusals: [String: Int] = [:]
  /// Programs that every solver refused alike because the forward solve failed, by kind.
  var forwardRefusals: [String: Int] = [:]
  /// Programs whose gradient and tangents were checked against central differences.
  var differenceChecks = 0
  /// Programs not checked against differences: reciprocal condition below the
  /// threshold, or a perturbed forward solve that failed.
  var differenceSkips = 0
  /// Calls with `minimumReciprocalCondition` set just above and below the reported condition.
  var conditionRuns = 0
  /// `linearize(at:solution:)` calls, at each accepting solver's own solution.
  var solutionRuns = 0
  /// Cyclic programs also solved by fixed-point iteration.
  var fixedPointRuns = 0
  /// The largest fixed-point vs Newton difference, as a fraction of its tolerance.
  var worstFixedPoint = 0.0
  /// The smallest reciprocal condition estimate any solver reported.
  var smallestReciprocalCondition = 1.0
  /// The largest solver disagreement seen, as a fraction of its tolerance.
  var worstAgreement = 0.0
  /// The largest difference from central differences, as a fraction of its tolerance.
  var worstDifference = 0.0

  /// A few lines for the test log.
  var summary: String {
    let kinds = refusals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
    let functionCounts = functions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
      .joined(separator: ", ")
    let forward = forwardRefusals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
    return """
      fuzz: \(programs) programs (\(acyclicPrograms) acyclic, \(cyclicPrograms) cyclic), \
      \(solverRuns) solver runs, \(accepted) accepted, \(solverRuns - accepted) refused; \
      \(solutionRuns) linearizations at a given solution, \(conditionRuns) runs with \
      minimumReciprocalCondition around the reported condition
      fuzz: refusals by kind: \(kinds.isEmpty ? "none" : kinds.joined(separator: ", "))
      fuzz: programs refused by every solver because the forward solve failed: \
      \(forward.isEmpty ? "none" : forward.joined(separator: ", "))
      fuzz: programs per local function: \(functionCounts)
      fuzz: \(differenceChecks) programs checked against central differences, \
      \(differenceSkips) skipped; smallest reported reciprocal condition \
      \(String(format: "%.2g", smallestReciprocalCondition)); worst solver disagreement \
      \(String(format: "%.2g", worstAgreement)) of its tolerance, worst difference from \
      central differences \(String(format: "%.2g", worstDifference)) of its tolerance
      fuzz: \(fixedPointRuns) cyclic programs also by fixed-point iteration; worst difference \
      from Newton \(String(format: "%.2g", worstFixedPoint)) of its tolerance
      """
  }
}

/// The checks of one random program, through every solver:
///
/// - no trap (the test process survives), and every refusal is a `LagrangePropError`
///   (the API's typed throws guarantee the type; the case is checked here);
/// - an acyclic-only solver refuses a cyclic program with `.cyclicProgram`, and
///   accepts an acyclic one; band solvers may refuse with `.bandTooWide`; a forward
///   solve that fails (`.nonFinite` at the zero starting point of a cyclic block's
///   feedback variables, `.notConverged`) must be refused alike by every solver;
///   any other refusal is a failure;
/// - the structure the engine finds matches the construction (cyclic blocks iff cycles);
/// - results are finite, and accepting solvers agree on the value, the gradient and
///   the tangents for a seed within `1e-9 + 1e3·ε / rcond` relative (normwise),
///   `rcond` the smallest reciprocal condition estimate any of them reports (plus
///   `10·krylovTolerance / rcond` for `.krylov`, which may also refuse with
///   `.krylovNotConverged`), and
///   `linearize(at:solution:)` at each solver's own values gives the same gradient;
/// - `minimumReciprocalCondition` just above a solver's reported condition `r`
///   (`2r`) is refused with `.illConditioned` naming the solver that ran and `r`;
///   just below (`r/2`) the same gradient comes back;
/// - cyclic programs by fixed-point iteration: `.fixedPointNeedsAssignment` when a
///   block has a residual constraint, `.notConverged` allowed only for the nearly
///   singular blocks, otherwise the Newton gradient within `1e-8 / rcond`;
/// - at well-conditioned points (`rcond ≥ 1e-3`), the gradient and the tangents
///   for an input direction match central differences of the forward solve
///   within `differenceTolerance` relative to `max(‖difference quotient‖∞, 1)`.
enum FuzzOracle {
  /// Relative agreement between solvers at `rcond = 1`, and the weight of `ε / rcond`.
  static let agreementFloor = 1e-9
  static let agreementConditionWeight = 1e3
  /// The weight of `krylovTolerance / rcond` for `.krylov`'s answers.
  static let krylovConditionWeight = 10.0
  /// Fixed-point iteration against Newton (relative to `max(‖g‖∞, 1)`, divided by rcond).
  static let fixedPointAgreement = 1e-8
  /// Below this reciprocal condition number, no comparison with differences: the
  /// difference quotient of a forward solve accurate to its tolerance `τ` (relative)
  /// is itself accurate only to about `τ / (rcond·h)`.
  static let differenceConditionThreshold = 1e-3
  /// Against central differences (step `1e-5·max(1, |x|)`): acyclic programs, and
  /// cyclic ones, whose forward solve is accurate only to its tolerance (1e-12,
  /// relative), amplified by `1/h` in the difference quotient.
  static let acyclicDifferenceTolerance = 1e-6
  static let cyclicDifferenceTolerance = 1e-5

  /// One solver's answers.
  struct Answer {
    let solver: Solver
    /// The solver that ran (`GradientResult.solver`: never `.automatic`).
    let solverUsed: Solver
    let value: Double
    let gradient: [Double]
    let tangents: [Double]
    let inputTangents: [Double]
    let reciprocalCondition: Double?
    /// The gradient of `linearize(at:solution:)` given this solver's own values.
    let gradientAtSolution: [Double]
  }

  /// The case name of an error (`cyclicProgram` for `.cyclicProgram(solver:variables:)`).
  static func kind(_ error: LagrangePropError) -> String {
    Mirror(reflecting: error).children.first?.label ?? "\(error)"
  }

  /// Runs every check on the program of `recipe`; returns the failures (empty if none).
  static func check(_ recipe: FuzzRecipe, tally: inout FuzzTally) -> [String] {
    let built: FuzzProgram
    do { built = try FuzzProgram(recipe) } catch {
      return ["the graph of the recipe was refused: \(error)"]
    }
    let program = built.program
    var failures: [String] = []
    tally.programs += 1
    for f in built.functions { tally.functions[f, default: 0] += 1 }
    if recipe.isCyclic { tally.cyclicPrograms += 1 } else { tally.acyclicPrograms += 1 }
    if program.cyclicBlocks.isEmpty == recipe.isCyclic {
      failures.append(
        "the engine found \(program.cyclicBlocks.count) cyclic blocks in a program built "
          + (recipe.isCyclic ? "with cycles" : "without cycles"))
    }

    // A tangent seed on the inputs only: its tangents are the directional derivative.
    var inputSeed = [Double](repeating: 0, count: program.variableCount)
    let direction = built.point.indices.map { Double($0 % 3) - 0.7 }
    for (j, input) in program.inputs.enumerated() { inputSeed[input.index] = direction[j] }

    var answers: [Answer] = []
    var refusals: [(Solver, LagrangePropError)] = []
    for solver in Solver.allCases {
      tally.solverRuns += 1
      do {
        let g = try program.gradient(at: built.point, solver: solver)
        let lin = try program.linearize(at: built.point, solver: solver)
        tally.solutionRuns += 1
        let atSolution = try program.linearize(
          at: built.point, solution: lin.values, solver: solver)
        let answer = Answer(
          solver: solver, solverUsed: g.solver, value: g.value, gradient: g.gradient,
          tangents: try lin.tangents(seed: built.tangentSeed),
          inputTangents: try lin.tangents(seed: inputSeed),
          reciprocalCondition: g.reciprocalCondition,
          gradientAtSolution: try atSolution.gradient().gradient)
        tally.accepted += 1
        let all = [answer.value] + answer.gradient + answer.tangents + answer.inputTangents
        if !all.allSatisfy(\.isFinite) {
          failures.append("\(solver): a non-finite result without an error")
        }
        answers.append(answer)
      } catch {
        tally.refusals[kind(error), default: 0] += 1
        refusals.append((solver, error))
      }
    }

    // Refusals: the expected ones, then the forward solve's.
    var unexpected: [(Solver, LagrangePropError)] = []
    for (solver, error) in refusals {
      switch error {
      case .cyclicProgram(let refusing, _)
      where solver.requiresAcyclic && recipe.isCyclic && refusing == solver:
        continue
      case .bandTooWide where solver == .bandedLU || solver == .bandedTriangular: continue
      // GMRES may not reach its 1e-12 relative residual within 1000 iterations on a
      // nearly singular block: a typed refusal, never an approximate gradient.
      case .krylovNotConverged where solver == .krylov: continue
      // …or, for the same reason, fail its singularity check (a solve with a
      // random right-hand side): refused as singular "or too ill-conditioned for GMRES".
      case .singularJacobian(_, let routine) where solver == .krylov && routine.hasPrefix("GMRES"):
        continue
      default: unexpected.append((solver, error))
      }
    }
    for answer in answers where answer.solver.requiresAcyclic && recipe.isCyclic {
      failures.append("\(answer.solver) accepted a cyclic program instead of refusing it")
    }
    // The forward solve is the same for every solver: when it fails (a domain
    // error at the starting point, no convergence), every solver must refuse alike.
    let forwardKinds: Set<String> = ["nonFinite", "notConverged"]
    if answers.isEmpty, let first = unexpected.first, forwardKinds.contains(kind(first.1)),
      unexpected.allSatisfy({ kind($0.1) == kind(first.1) })
    {
      tally.forwardRefusals[kind(first.1), default: 0] += 1
      return failures
    }
    for (solver, error) in unexpected {
      failures.append("\(solver) refused with .\(kind(error)): \(error)")
    }
    guard let reference = answers.first(where: { $0.solver == .lu }) ?? answers.first else {
      failures.append("no solver accepted the program")
      return failures
    }

    // Agreement, scaled by the worst reported condition.
    let rcond = answers.compactMap(\.reciprocalCondition).min() ?? 1
    tally.smallestReciprocalCondition = Swift.min(tally.smallestReciprocalCondition, rcond)
    let tolerance = agreementFloor + agreementConditionWeight * lapackEpsilon / rcond
    for answer in answers {
      // GMRES stops at a relative residual of `krylovTolerance` (not ε): its error
      // bound is that residual over rcond.
      let tolerance =
        answer.solver == .krylov || reference.solver == .krylov
        ? tolerance + krylovConditionWeight * SolveOptions().krylovTolerance / rcond : tolerance
      var comparisons = [
        ("gradient at its own solution", answer.gradientAtSolution, reference.gradient)
      ]
      if answer.solver != reference.solver {
        comparisons += [
          ("value", [answer.value], [reference.value]),
          ("gradient", answer.gradient, reference.gradient),
          ("tangents", answer.tangents, reference.tangents),
          ("input tangents", answer.inputTangents, reference.inputTangents),
        ]
      }
      for (what, a, b) in comparisons {
        // GMRES's error is relative to its right-hand side (an objective gradient or
        // seed of order one), not to the answer: a gradient of 1e-22 (cancellation)
        // comes back as a few 1e-25. Its answers are compared relative to max(‖b‖∞, 1).
        let krylov = answer.solver == .krylov || reference.solver == .krylov
        let d =
          krylov
          ? (zip(a, b).map { abs($0 - $1) }.max() ?? 0) / Swift.max(b.map(abs).max() ?? 0, 1)
          : relativeDifference(a, b)
        tally.worstAgreement = Swift.max(tally.worstAgreement, d / tolerance)
        if !(d <= tolerance) {
          failures.append(
            "\(answer.solver) vs \(reference.solver): \(what) differs by \(d) (relative) > "
              + "\(tolerance) (rcond \(rcond))")
        }
      }
    }

    // `minimumReciprocalCondition`: a solver that reports `r` refuses with
    // `.illConditioned` (naming itself and `r`) when asked for `2r`, and answers
    // the same gradient when asked for `r/2`. A GMRES certificate's bound `r` is
    // replaced by the solve's estimate (never below it) under a higher threshold:
    // then the solver may answer, reporting at least `2r`, or refuse with an
    // estimate in `[r, 2r)`.
    for answer in answers {
      guard let r = answer.reciprocalCondition, r < 0.45 else { continue }
      var strict = SolveOptions()
      strict.minimumReciprocalCondition = 2 * r
      tally.conditionRuns += 2
      tally.solverRuns += 2
      do {
        let g = try program.gradient(at: built.point, solver: answer.solver, options: strict)
        if !(g.reciprocalCondition.map { $0 >= 2 * r } ?? false) {
          failures.append(
            "\(answer.solver) answered below minimumReciprocalCondition = \(2 * r) "
              + "(reported \(String(describing: g.reciprocalCondition)))")
        }
      } catch .illConditioned(let reported, let threshold, let refusing)
        where refusing == answer.solverUsed && threshold == 2 * r
        && reported >= r * (1 - 1e-12) && reported < 2 * r
      {
        tally.refusals["illConditioned", default: 0] += 1
      } catch {
        failures.append(
          "\(answer.solver) with minimumReciprocalCondition = \(2 * r) (reported \(r)): "
            + "refused with .\(kind(error)): \(error)")
      }
      strict.minimumReciprocalCondition = r / 2
      do {
        let g = try program.gradient(at: built.point, solver: answer.solver, options: strict)
        tally.accepted += 1
        if g.gradient != answer.gradient {
          failures.append("\(answer.solver): a different gradient under minimumReciprocalCondition")
        }
      } catch {
        failures.append(
          "\(answer.solver) refused above minimumReciprocalCondition = \(r / 2): \(error)")
      }
    }

    // Fixed-point iteration instead of Newton: a block with a residual constraint
    // is refused with `.fixedPointNeedsAssignment`; otherwise every block is a
    // contraction, so the iteration converges to the same solution and gradient
    // (within the forward tolerance, 1e-12, times the condition).
    if recipe.isCyclic {
      var options = SolveOptions()
      options.forwardMethod = .fixedPoint
      // Every other block contracts by at least 0.95 per sweep: 2 000 sweeps suffice.
      options.maxIterations = 2_000
      let hasResidual = recipe.blocks.contains {
        $0.kind == .residualLinear || $0.kind == .residualCubic
      }
      let slowlyContracting = recipe.blocks.contains { $0.kind == .nearlySingularMarkov }
      tally.fixedPointRuns += 1
      tally.solverRuns += 1
      do {
        let g = try program.gradient(at: built.point, solver: .blockTriangular, options: options)
        tally.accepted += 1
        if hasResidual {
          failures.append("fixed-point iteration accepted a block with a residual constraint")
        }
        let d = relativeDifference(g.gradient, reference.gradient, floor: 1)
        let fixedPointTolerance = fixedPointAgreement / rcond
        tally.worstFixedPoint = Swift.max(tally.worstFixedPoint, d / fixedPointTolerance)
        if !(d <= fixedPointTolerance) {
          failures.append(
            "fixed-point vs Newton: gradient differs by \(d) > \(fixedPointTolerance)")
        }
      } catch .fixedPointNeedsAssignment where hasResidual {
        tally.refusals["fixedPointNeedsAssignment", default: 0] += 1
      } catch .notConverged where slowlyContracting {
        // γ = 1 − 10⁻ᵘ: fixed-point iteration would need about 28·10ᵘ sweeps.
        tally.refusals["notConverged", default: 0] += 1
      } catch {
        failures.append("fixed-point iteration refused with .\(kind(error)): \(error)")
      }
    }

    // Central differences at well-conditioned points.
    guard rcond >= differenceConditionThreshold else {
      tally.differenceSkips += 1
      return failures
    }
    let differenceTolerance =
      recipe.isCyclic ? cyclicDifferenceTolerance : acyclicDifferenceTolerance
    do {
      let gradient = try FiniteDifferences.gradient(of: program, at: built.point)
      let directional = try FiniteDifferences.directionalDerivative(
        of: program, at: built.point, direction: direction)
      tally.differenceChecks += 1
      for (what, exact, quotient) in [
        ("gradient", reference.gradient, gradient),
        ("input tangents", reference.inputTangents, directional),
      ] {
        let d = relativeDifference(exact, quotient, floor: 1)
        tally.worstDifference = Swift.max(tally.worstDifference, d / differenceTolerance)
        if !(d <= differenceTolerance) {
          failures.append(
            "\(reference.solver): \(what) differs from central differences by \(d) > "
              + "\(differenceTolerance)")
        }
      }
    } catch {
      tally.differenceSkips += 1
    }
    return failures
  }
}
