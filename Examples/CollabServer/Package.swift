// swift-tools-version:6.1
// The example server: Collab behind an HTTP API (generated from openapi.yaml), a web dashboard, server-sent
// notifications and Prometheus metrics. A package of its own so that Collab's users never resolve Hummingbird.
import PackageDescription

let package = Package(
    name: "CollabServer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "collab-server", targets: ["CollabServerApp"]),
        .library(name: "CollabServer", targets: ["CollabServer"]),
    ],
    dependencies: [
        .package(name: "Collab", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "CollabServer",
            dependencies: [
                .product(name: "CollabModel", package: "Collab"),
                .product(name: "CollabPermissions", package: "Collab"),
                .product(name: "CollabStore", package: "Collab"),
                .product(name: "CollabStorePostgres", package: "Collab"),
                .product(name: "CollabWorkflow", package: "Collab"),
                .product(name: "CollabReports", package: "Collab"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Public")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]),
        .executableTarget(name: "CollabServerApp", dependencies: ["CollabServer"]),
        .testTarget(
            name: "CollabServerTests",
            dependencies: [
                "CollabServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ]
)
