// swift-tools-version:5.4
// Tools version 5.4 on purpose: with 5.5 and later SwiftPM links executables for testability, which
// clashes with libFuzzer's own `main` (swiftlang/swift-package-manager#8731).
import PackageDescription

// libFuzzer targets for Collab's public decoding entry points. Build and run with `Scripts/fuzz.sh`, or:
//
//     swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//     .build/release/FuzzDraft Corpus/FuzzDraft -max_total_time=60
let package = Package(
    name: "CollabFuzz",
    dependencies: [
        .package(name: "Collab", path: ".."),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "CollabModel", package: "Collab")]),
        .executableTarget(
            name: "FuzzDraft",
            dependencies: ["FuzzSupport", .product(name: "CollabModel", package: "Collab")]),
        .executableTarget(
            name: "FuzzCalendar",
            dependencies: ["FuzzSupport", .product(name: "CollabModel", package: "Collab")]),
        .executableTarget(
            name: "FuzzFilter",
            dependencies: [
                "FuzzSupport",
                .product(name: "CollabModel", package: "Collab"),
                .product(name: "CollabPermissions", package: "Collab"),
                .product(name: "CollabStore", package: "Collab"),
                .product(name: "CollabWorkflow", package: "Collab"),
            ]),
    ]
)
