// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "wardboard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wardboard", targets: ["wardboard"]),
        .library(name: "PQ", targets: ["PQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "PQ",
            dependencies: [
                "CLibPQ",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "WardCore", swiftSettings: swiftSettings),
        .executableTarget(
            name: "wardboard",
            dependencies: [
                "PQ",
                "WardCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pq-bench",
            dependencies: [
                "PQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/pq-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PQTests", dependencies: ["PQ"], swiftSettings: swiftSettings),
        .testTarget(name: "WardCoreTests", dependencies: ["WardCore"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
