// lagrange-bench: timings of LagrangeProp, kept out of the tests.
//
//     swift run -c release lagrange-bench triangular-vs-lu
//     swift run -c release lagrange-bench cheap-gradient --format csv
//     swift run -c release lagrange-bench banded --plot banded.svg
//
// Add a benchmark as a `ParsableCommand` in its own file and list it in
// `subcommands`; take the shared options with `@OptionGroup var options:
// HarnessOptions`, time with `Harness.measure`, check every path's answer
// (`AnswerCheck`) and return a `BenchmarkReport` from a plain function the
// tests can call. `HarnessOptions.emit` prints it and fails the command when
// an answer check failed.

import ArgumentParser

/// The root command; each benchmark is a subcommand.
@main
struct LagrangeBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lagrange-bench",
    abstract: "Benchmarks of LagrangeProp's solves (build with -c release).",
    subcommands: [
      TriangularVsLU.self, CheapGradient.self, LapackOverhead.self, Banded.self, Cyclic.self,
      DenseSolve.self, Batched.self, Sparse.self,
    ]
  )
}
