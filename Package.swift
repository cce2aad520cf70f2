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
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3" ..< "5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
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
        .target(
            name: "WardStore",
            dependencies: ["PQ", "WardCore", .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WardWorker",
            dependencies: [
                "WardStore", "WardCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WardAPI",
            dependencies: [
                "WardStore", "WardCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "wardboard",
            dependencies: [
                "WardCore", "WardStore", "WardWorker", "WardAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
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
        // Shared by the test targets: a fresh migrated database per test, the demo dataset, scripts.
        .target(name: "WardTestSupport", dependencies: ["PQ", "WardStore", "WardCore", .product(name: "Logging", package: "swift-log")],
                path: "Sources/WardTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "PQTests", dependencies: ["PQ", "WardTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "WardCoreTests", dependencies: ["WardCore"], swiftSettings: swiftSettings),
        // Fixtures/layout-0.1: the first layout's migrations, for the upgrade test.
        .testTarget(name: "WardStoreTests", dependencies: ["WardStore", "WardCore", "PQ", "WardTestSupport"], exclude: ["Fixtures"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "WardWorkerTests", dependencies: ["WardWorker", "WardStore", "WardCore", "PQ", "WardTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WardAPITests",
            dependencies: [
                "WardAPI", "WardStore", "WardCore", "PQ", "WardTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
