// lagrange-bench: timings of LagrangeProp, kept out of the tests.
//
//     swift run -c release lagrange-bench dense-solve --sizes 256,1024 --repeats 5
//
// Add a benchmark as a `ParsableCommand` in its own file and list it in
// `subcommands`; put the measurement in a plain function the tests can call.

import ArgumentParser

/// The root command; each benchmark is a subcommand.
@main
struct LagrangeBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lagrange-bench",
    abstract: "Benchmarks of LagrangeProp's solves (build with -c release).",
    subcommands: [DenseSolve.self]
  )
}
