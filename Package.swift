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
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2")
  ],
  targets: [
    // MARK: - Public API
    .target(
      name: "LagrangeProp",
      dependencies: ["CLAPACKE"],
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
        "CBlogChainBaseline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/lagrange-bench",
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),

    // MARK: - Tests
    .testTarget(
      name: "LagrangePropTests",
      dependencies: ["LagrangeProp", "LagrangeBench"],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
  ]
)
