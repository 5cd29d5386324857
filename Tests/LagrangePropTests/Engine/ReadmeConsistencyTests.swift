import Foundation
import XCTest

/// Every Swift code block of the README must appear, token for token (whitespace
/// and imports aside), in a test that runs it — so the README cannot drift from code that works.
final class ReadmeConsistencyTests: XCTestCase {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The code without imports and without any whitespace, so that reformatting
  /// (line breaks, alignment of comments) does not count as drift.
  static func squeezed(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("import ") }
      .joined()
      .filter { !$0.isWhitespace }
  }

  func testEveryReadmeSwiftBlockIsRunByATest() throws {
    let readme = try String(
      contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
    var blocks: [String] = []
    var current: [String]?
    for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
      if current == nil, line.hasPrefix("```swift") {
        current = []
      } else if current != nil, line.hasPrefix("```") {
        blocks.append(Self.squeezed(current!.joined(separator: "\n")))
        current = nil
      } else if current != nil {
        current!.append(String(line))
      }
    }
    XCTAssertGreaterThanOrEqual(blocks.count, 4, "the README's examples were not found")
    let testFiles = [
      "Tests/LagrangePropTests/Engine/ReadmeExampleTests.swift",
      "Tests/LagrangePropTests/Cyclic/CyclicDocumentationExampleTests.swift",
      "Tests/LagrangePropTests/Banded/BandedArticleExampleTests.swift",
      "Tests/LagrangePropTests/Tracing/TracingDocumentationExampleTests.swift",
    ]
    let sources = try testFiles.map {
      Self.squeezed(try String(contentsOf: Self.root.appendingPathComponent($0), encoding: .utf8))
    }
    for block in blocks {
      XCTAssertTrue(
        sources.contains { $0.contains(block) },
        "README block starting with '\(block.prefix(60))' is not run by a test")
    }
  }
}
