import CollabModel

/// The directory of an OLE compound file (the container of legacy `.doc`, `.xls` and `.ppt` files, and of
/// password-protected Office Open XML files), read as far as telling those apart needs.
///
/// Only the 512-byte header, the FAT sectors that the directory's chain passes through (found through the
/// header's DIFAT and, for large files, the DIFAT chain) and the directory sectors themselves are read; at
/// most ``maximumDirectorySectors`` directory sectors are followed, and a chain that loops or points
/// outside the file is refused as malformed.
struct CompoundFile {
    /// The names of the directory entries (storages and streams), in directory order.
    var names: [String]

    static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    static let maximumDirectorySectors = 1024
    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let headerDIFATCount = 109

    /// Reads the directory of `file`.
    static func read(_ file: StagedFile) throws(CollabError) -> CompoundFile {
        let header = try file.read(at: 0, exactly: 512, what: "the OLE compound file header")
        guard header.hasPrefix(signature) else {
            throw InspectionFailure.malformed("'\(file.displayName.clipped())' has no OLE compound file signature")
        }
        let shift = header.le16(30)
        guard header.le16(28) == 0xFFFE, shift == 9 || shift == 12 else {
            throw InspectionFailure.malformed(
                "the OLE compound file header of '\(file.displayName.clipped())' has a bad byte order mark or sector size")
        }
        let sectorSize = 1 << Int(shift)
        let fatSectorCount = header.le32(44)
        let firstDirectorySector = header.le32(48)
        let firstDIFATSector = header.le32(68)
        let difatSectorCount = header.le32(72)
        let sectorsInFile = file.size > UInt64(sectorSize) ? (file.size - UInt64(sectorSize)) / UInt64(sectorSize) + 1 : 0
        let reader = SectorReader(
            file: file, header: header, sectorSize: sectorSize, sectorsInFile: sectorsInFile,
            fatSectorCount: fatSectorCount, firstDIFATSector: firstDIFATSector, difatSectorCount: difatSectorCount)

        var names: [String] = []
        var sector = firstDirectorySector
        var visited = Set<UInt32>()
        while sector != endOfChain {
            guard visited.count < maximumDirectorySectors else {
                throw InspectionFailure.tooLarge(
                    "the OLE directory of '\(file.displayName.clipped())' is longer than \(maximumDirectorySectors) sectors")
            }
            guard visited.insert(sector).inserted else {
                throw InspectionFailure.malformed("the OLE directory chain of '\(file.displayName.clipped())' loops")
            }
            let bytes = try reader.sector(sector, what: "an OLE directory sector")
            for entryStart in stride(from: 0, to: sectorSize, by: 128) {
                let type = bytes[entryStart + 66]
                guard type == 1 || type == 2 || type == 5 else { continue }
                let nameLength = min(64, Int(bytes.le16(entryStart + 64)))
                var units: [UInt16] = []
                var at = entryStart
                while at + 1 < entryStart + nameLength {
                    let unit = bytes.le16(at)
                    if unit == 0 { break }
                    units.append(unit)
                    at += 2
                }
                names.append(String(decoding: units, as: UTF16.self))
            }
            sector = try reader.next(after: sector)
        }
        guard !names.isEmpty else {
            throw InspectionFailure.malformed("the OLE compound file '\(file.displayName.clipped())' has an empty directory")
        }
        return CompoundFile(names: names)
    }
}

/// Reads sectors and follows FAT chains of a compound file, bounds-checked.
private final class SectorReader {
    let file: StagedFile
    let header: [UInt8]
    let sectorSize: Int
    let sectorsInFile: UInt64
    let fatSectorCount: UInt32
    let firstDIFATSector: UInt32
    let difatSectorCount: UInt32
    private var fatCache: [UInt32: [UInt8]] = [:]
    private var difatSectors: [[UInt8]] = []
    private var nextDIFAT: UInt32

    init(
        file: StagedFile, header: [UInt8], sectorSize: Int, sectorsInFile: UInt64, fatSectorCount: UInt32,
        firstDIFATSector: UInt32, difatSectorCount: UInt32
    ) {
        self.file = file
        self.header = header
        self.sectorSize = sectorSize
        self.sectorsInFile = sectorsInFile
        self.fatSectorCount = fatSectorCount
        self.firstDIFATSector = firstDIFATSector
        self.difatSectorCount = difatSectorCount
        self.nextDIFAT = firstDIFATSector
    }

    func sector(_ number: UInt32, what: String) throws(CollabError) -> [UInt8] {
        guard UInt64(number) < sectorsInFile else {
            throw InspectionFailure.malformed(
                "\(what) of '\(file.displayName.clipped())' is sector \(number), beyond the end of the file")
        }
        return try file.read(at: (UInt64(number) + 1) * UInt64(sectorSize), exactly: sectorSize, what: what)
    }

    /// The sector after `number` in its chain.
    func next(after number: UInt32) throws(CollabError) -> UInt32 {
        let perSector = UInt32(sectorSize / 4)
        let fatIndex = number / perSector
        guard fatIndex < fatSectorCount else {
            throw InspectionFailure.malformed(
                "the OLE chain of '\(file.displayName.clipped())' passes sector \(number), beyond its allocation table")
        }
        let fat = try fatSector(fatIndex)
        return fat.le32(Int(number % perSector) * 4)
    }

    private func fatSector(_ index: UInt32) throws(CollabError) -> [UInt8] {
        if let cached = fatCache[index] { return cached }
        let location: UInt32
        if index < UInt32(CompoundFile.headerDIFATCount) {
            location = header.le32(76 + Int(index) * 4)
        } else {
            let perDIFAT = sectorSize / 4 - 1
            let rest = Int(index) - CompoundFile.headerDIFATCount
            let difatIndex = rest / perDIFAT
            while difatSectors.count <= difatIndex {
                guard difatSectors.count < Int(difatSectorCount), difatSectors.count < CompoundFile.maximumDirectorySectors
                else {
                    throw InspectionFailure.malformed(
                        "the OLE allocation table of '\(file.displayName.clipped())' is missing DIFAT sectors")
                }
                let bytes = try sector(nextDIFAT, what: "an OLE DIFAT sector")
                difatSectors.append(bytes)
                nextDIFAT = bytes.le32(sectorSize - 4)
            }
            location = difatSectors[difatIndex].le32((rest % perDIFAT) * 4)
        }
        let bytes = try sector(location, what: "an OLE allocation table sector")
        if fatCache.count < 4096 { fatCache[index] = bytes }
        return bytes
    }
}
