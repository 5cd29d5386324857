// swift-tools-version:6.0
//
// LagrangeProp: gradients of programs written as equality constraints,
// by one linear solve on their Lagrange multipliers (LAPACK / OpenBLAS).

import PackageDescription

let package = Package(
  name: "LagrangeProp",
  products: [
    // MARK: - Public API
    .library(name: "LagrangeProp", targets: ["LagrangeProp"]),
    // MARK: - Executables
    .executable(name: "lagrange-bench", targets: ["LagrangeBench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    // `swift package generate-documentation --target LagrangeProp` builds the DocC catalog.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
  ],
  targets: [
    // MARK: - Public API
    .target(
      name: "LagrangeProp",
      dependencies: ["CLAPACKE", "CSuiteSparse"],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),

    // MARK: - Implementation details
    .systemLibrary(
      name: "CLAPACKE",
      pkgConfig: "lapacke",
      providers: [
        .apt(["liblapacke-dev", "libopenblas-dev"]),
        .brew(["lapack", "openblas"]),
      ]
    ),
    // The one seeded generator (SplitMix64) and random well-conditioned data,
    // shared by the tests and the benchmarks; not a product.
    .target(
      name: "SeededRandom",
      dependencies: ["LagrangeProp"],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),

    .systemLibrary(
      name: "CSuiteSparse",
      providers: [
        .apt(["libsuitesparse-dev"]),
        .brew(["suite-sparse"]),
      ]
    ),

    // MARK: - Executables
    // The C baseline of `lagrange-bench cheap-gradient` (a local target: -O2 is
    // stated explicitly so that the floor does not depend on the build configuration).
    .target(
      name: "CBlogChainBaseline",
      path: "Benchmarks/c-baseline",
      cSettings: [.unsafeFlags(["-O2"])],
      linkerSettings: [.linkedLibrary("m")]
    ),
    .executableTarget(
      name: "LagrangeBench",
      dependencies: [
        "LagrangeProp",
        "CLAPACKE",
        "CSuiteSparse",
        "CBlogChainBaseline",
        "SeededRandom",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/lagrange-bench",
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),

    // MARK: - Tests
    // The library's suite: no dependency on the benchmark executable.
    .testTarget(
      name: "LagrangePropTests",
      dependencies: ["LagrangeProp", "SeededRandom"],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
    // Smoke tests of lagrange-bench: outputs parse, answer checks pass and catch
    // a corrupted answer, bad arguments are refused; no timing is asserted.
    .testTarget(
      name: "LagrangeBenchTests",
      dependencies: [
        "LagrangeBench",
        "LagrangeProp",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
  ]
)
