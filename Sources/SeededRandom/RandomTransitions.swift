// Random sparse stochastic matrices: the transition rows of the Markov programs
// the tests and the benchmarks build.

/// A random sparse row-stochastic matrix `P` of `states` rows: each row draws
/// `transitions` destinations uniformly with replacement, each with a weight
/// uniform in `[0.01, 1]`; weights of a repeated destination add up, and the
/// row is normalised to sum 1 and sorted by destination.
package struct RandomTransitions: Sendable {
  /// Row `i`'s destinations, ascending (no duplicates).
  package let destinations: [[Int]]
  /// Row `i`'s probabilities, in the order of `destinations`, summing to 1.
  package let probabilities: [[Double]]

  /// Draws the rows from `rng` (two draws per transition, row by row).
  ///
  /// - Complexity: O(states · transitions · log transitions).
  package init<G: RandomNumberGenerator>(states n: Int, transitions t: Int, using rng: inout G) {
    var destinations: [[Int]] = []
    var probabilities: [[Double]] = []
    destinations.reserveCapacity(n)
    probabilities.reserveCapacity(n)
    for _ in 0..<n {
      var row: [Int: Double] = [:]
      for _ in 0..<t {
        row[Int.random(in: 0..<n, using: &rng), default: 0] += Double.random(
          in: 0.01...1, using: &rng)
      }
      // Summed in destination order: a dictionary's order changes from one
      // process to the next, and the sum's last bits with it.
      let sorted = row.sorted { $0.key < $1.key }
      let total = sorted.reduce(0) { $0 + $1.value }
      destinations.append(sorted.map(\.key))
      probabilities.append(sorted.map { $0.value / total })
    }
    self.destinations = destinations
    self.probabilities = probabilities
  }
}
