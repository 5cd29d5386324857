import Foundation
import LagrangeProp
import XCTest

/// Seeded random programs through every solver (issue 12): acyclic programs over
/// every local function (built-ins and custom functions with and without a
/// gradient) and cyclic ones with well-posed blocks of every kind, with variable,
/// linear and custom objectives; the checks are `FuzzOracle`'s.
///
/// 3 000 programs by default (a debug build runs them well within a minute);
/// `LAGRANGEPROP_FUZZ_COUNT=20000 swift test --filter RandomProgramFuzzTests` runs
/// more, and `LAGRANGEPROP_FUZZ_SEED` changes the base seed. A failing program is
/// shrunk (fewer blocks, smaller blocks, fewer nodes) and reported with its recipe
/// and the seed and index that rebuild it; the totals are printed at the end.
final class RandomProgramFuzzTests: XCTestCase {
  /// The base seed of the committed run.
  static let defaultSeed: UInt64 = 0x4C50_465A_5A31

  func testRandomProgramsThroughEverySolver() {
    let environment = ProcessInfo.processInfo.environment
    let count = environment["LAGRANGEPROP_FUZZ_COUNT"].flatMap { Int($0) } ?? 3_000
    let seed = environment["LAGRANGEPROP_FUZZ_SEED"].flatMap { UInt64($0) } ?? Self.defaultSeed
    var tally = FuzzTally()
    var reported = 0
    for index in 0..<count {
      let recipe = FuzzRecipe.draw(baseSeed: seed, index: index)
      let failures = FuzzOracle.check(recipe, tally: &tally)
      guard !failures.isEmpty else { continue }
      var scratch = FuzzTally()
      let (smallest, steps) = recipe.shrunk { !FuzzOracle.check($0, tally: &scratch).isEmpty }
      let smallestFailures = FuzzOracle.check(smallest, tally: &scratch)
      XCTFail(
        """
        program \(index) of LAGRANGEPROP_FUZZ_SEED=\(seed) \
        (FuzzRecipe.draw(baseSeed: \(seed), index: \(index))) failed:
          \(recipe)
          \(failures.joined(separator: "\n  "))
        shrunk in \(steps) steps to
          \(smallest)
          \(smallestFailures.joined(separator: "\n  "))
        """)
      reported += 1
      if reported == 5 { break }
    }
    print(tally.summary)
    guard reported < 5 else { return }
    XCTAssertEqual(tally.programs, count)
    // The run covered what it claims: both kinds of program, every local function
    // (built-ins, the four custom ones of `RandomDAG` and `FuzzProgram`), and
    // differences on most programs.
    XCTAssertGreaterThan(tally.acyclicPrograms, count / 4)
    XCTAssertGreaterThan(tally.cyclicPrograms, count / 2)
    let expected: Set<String> = [
      "exp", "log", "sin", "cos", "tanh", "sigmoid", "square", "sqrt", "sum", "product", "quotient",
      "power",
      "linear", "affine", "mix", "logSumExp", "damp", "soft",
    ]
    if count >= 1_000 {
      XCTAssertEqual(Set(tally.functions.keys), expected)
      XCTAssertGreaterThan(tally.differenceChecks, count * 3 / 4)
    }
  }
}
