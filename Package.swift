// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Collab",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CollabModel", targets: ["CollabModel"]),
        .library(name: "CollabPermissions", targets: ["CollabPermissions"]),
        .library(name: "CollabStore", targets: ["CollabStore"]),
        .library(name: "CollabStorePostgres", targets: ["CollabStorePostgres"]),
        .library(name: "CollabWorkflow", targets: ["CollabWorkflow"]),
        .library(name: "CollabReports", targets: ["CollabReports"]),
        .library(name: "CollabTesting", targets: ["CollabTesting"]),
        .executable(name: "collab-demo", targets: ["CollabDemo"]),
        .executable(name: "collab-bench", targets: ["CollabBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // Builds the products' DocC catalogs (`swift package generate-documentation`); no target depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CollabModel"),
        .target(name: "CollabPermissions", dependencies: ["CollabModel"]),
        .target(
            name: "CollabStore",
            dependencies: [
                "CollabModel",
                "CollabPermissions",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "CollabStorePostgres",
            dependencies: [
                "CollabModel",
                "CollabPermissions",
                "CollabStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "CollabWorkflow",
            dependencies: [
                "CollabModel",
                "CollabPermissions",
                "CollabStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "CollabReports",
            dependencies: ["CollabModel", "CollabPermissions", "CollabStore", "CCollabZlib"]),
        // The system's zlib (zlib1g-dev on Debian and Ubuntu), which compresses the .xlsx writer's entries.
        .systemLibrary(name: "CCollabZlib", path: "Sources/CCollabZlib"),
        .target(
            name: "CollabTesting",
            dependencies: [
                "CollabModel", "CollabPermissions", "CollabStore", "CollabWorkflow",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "CollabDemo",
            dependencies: [
                "CollabModel", "CollabStore", "CollabStorePostgres", "CollabWorkflow", "CollabReports",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/CollabDemo"),
        .executableTarget(
            name: "CollabBench",
            dependencies: [
                "CollabModel", "CollabPermissions", "CollabStore", "CollabStorePostgres", "CollabWorkflow",
                "CollabReports",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/CollabBench"),
        // The contention workload the concurrency tests run in tasks of one process and in two processes.
        .target(
            name: "CollabContention",
            dependencies: ["CollabModel", "CollabStore", "CollabWorkflow"],
            path: "Tests/CollabContention"),
        // The child process of the crash-consistency and two-process tests; built with the tests, not a product.
        .executableTarget(
            name: "CollabCrashWorker",
            dependencies: [
                "CollabModel", "CollabStore", "CollabStorePostgres", "CollabWorkflow", "CollabContention",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/CollabCrashWorker"),
        .testTarget(name: "CollabModelTests", dependencies: ["CollabModel", "CollabTesting"]),
        .testTarget(name: "CollabPermissionsTests", dependencies: ["CollabPermissions", "CollabTesting"]),
        .testTarget(name: "CollabStoreTests", dependencies: ["CollabStore", "CollabTesting"]),
        .testTarget(
            name: "CollabStorePostgresTests",
            dependencies: ["CollabStorePostgres", "CollabTesting", "CollabWorkflow"]),
        .testTarget(
            name: "CollabWorkflowTests",
            dependencies: [
                "CollabWorkflow", "CollabTesting", "CollabReports", "CollabContention", "CollabStorePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "CollabReportsTests", dependencies: ["CollabReports", "CollabTesting", "CCollabZlib"]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
