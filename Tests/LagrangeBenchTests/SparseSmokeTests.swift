import ArgumentParser
import Foundation
import LagrangeProp
import XCTest

@testable import LagrangeBench

/// `lagrange-bench sparse` on tiny sizes: the output parses, every path's answer
/// check passes, a corrupted answer is caught, bad arguments are refused, and
/// the benchmark's independent references (value iteration, the PDE residual, a
/// direct UMFPACK solve) agree with the dense LU. No timing is asserted.
final class SparseSmokeTests: XCTestCase {
  func testSparseOutputsParseAndAnswersAgree() throws {
    let report = try runSparse(
      markovSizes: [30], poisson2dSizes: [5], poisson3dSizes: [4], harness: smokeHarness())
    assertAnswersAgree(report)
    let rows = jsonRows(try decodedJSON(report))
    XCTAssertEqual(rows.count, 3)
    for row in rows {
      for key in [
        "forward_ms", "automatic_ms", "automatic_workspace_ms", "krylov_ms", "sparse_lu_ms",
        "dense_lu_ms",
      ] {
        XCTAssertGreaterThan(row[key] as? Double ?? 0, 0, key)
      }
      XCTAssertGreaterThan(row["lu_nonzeros"] as? Int ?? 0, 0)
      XCTAssertGreaterThan(row["wrapper_over_direct"] as? Double ?? 0, 0)
    }
    let paths = Set(report.checks.map(\.path))
    XCTAssertEqual(paths, ["forward", "automatic", "automatic ws", "krylov", "sparseLU", "lu"])
  }

  func testSparseDetectsACorruptedAnswer() throws {
    for path in ["forward", "automatic", "automatic ws", "krylov", "sparseLU", "lu"] {
      let report = try runSparse(
        markovSizes: [20], poisson2dSizes: [4], poisson3dSizes: [],
        harness: smokeHarness(corrupting: path))
      assertCorruptionDetected(report, path: path)
    }
  }

  func testSparseArguments() {
    XCTAssertTrue(parseFails(Sparse.self, ["--parts", "markov,grid"]))
    XCTAssertTrue(parseFails(Sparse.self, ["--markov-sizes", "0"]))
    XCTAssertFalse(parseFails(Sparse.self, ["--parts", "poisson3d", "--poisson3d-sizes", "4,6"]))
  }

  func testDirectUMFPACKMatchesDenseLU() throws {
    let markov = try SparseMarkovReward(states: 40, transitions: 8, seed: 3)
    let a = markov.systemMatrix()
    let x = try directUMFPACKSolve(
      order: 40, columnStart: a.columnStart, rowIndices: a.rowIndices, values: a.values,
      rightHandSide: markov.rewards, transpose: false)
    let reference = markov.referenceValues()
    XCTAssertLessThan(relativeDifference(x, reference), 1e-12)
  }
}
