import CollabReports
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct ChartTests {
    /// Whether `svg` is well-formed XML; collects the text of every `<text>` element.
    final class Reader: NSObject, XMLParserDelegate {
        var texts: [String] = []
        var rects: [[String: String]] = []
        private var inText = false
        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            if element == "text" { inText = true; texts.append("") }
            if element == "rect", attributes["fill"] == "#3B82F6" { rects.append(attributes) }
        }
        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
            if element == "text" { inText = false }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inText, !texts.isEmpty { texts[texts.count - 1] += string }
        }
    }

    func read(_ svg: String) -> Reader? {
        let parser = XMLParser(data: Data(svg.utf8))
        let reader = Reader()
        parser.delegate = reader
        return parser.parse() ? reader : nil
    }

    @Test("bars by department: Chinese labels kept verbatim, lengths proportional to the values, well-formed")
    func departmentBars() throws {
        let svg = SVGChart.bars(title: "各部门完成率", [
            .init("生产部", 0.9), .init("设备部", 0.45), .init("仓储部", 0), .init("Sales & <Marketing>", 0.3),
        ], format: .percent)
        let reader = try #require(read(svg))
        #expect(reader.texts.contains("各部门完成率"))
        #expect(reader.texts.contains("生产部") && reader.texts.contains("Sales & <Marketing>"))
        #expect(reader.texts.contains("90%") && reader.texts.contains("45%") && reader.texts.contains("0%"))
        let widths = reader.rects.compactMap { $0["width"].flatMap(Double.init) }
        #expect(widths.count == 4)
        #expect(abs(widths[0] / widths[1] - 2) < 0.01, "a bar's length is proportional to its value: \(widths)")
        #expect(widths[2] == 0)
        #expect(svg.contains("Noto Sans CJK SC"), "a font that has Chinese glyphs comes first")
        #expect(!svg.contains("<script") && !svg.contains("href"))
    }

    @Test("a completion trend: one dot per point, labels thinned to fit, the axis to 100%")
    func completionTrend() throws {
        let points = (1...52).map { SVGChart.Point("第\($0)周", Double($0) / 52) }
        let svg = SVGChart.trend(title: "完成率趋势", points, width: 480)
        let reader = try #require(read(svg))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 52)
        let weekLabels = reader.texts.filter { $0.hasPrefix("第") }
        #expect(weekLabels.first == "第1周" && weekLabels.count < 52 && weekLabels.count > 3)
        #expect(reader.texts.contains("100%") && reader.texts.contains("0%"))
    }

    @Test("hostile labels and values: escaped, controls dropped, NaN and infinity drawn as 0, the same bytes twice")
    func hostileInput() throws {
        let points = [
            SVGChart.Point("</text><script>alert(1)</script>", .nan), .init("a\u{0}b\u{1B}c\u{FFFF}", .infinity),
            .init(String(repeating: "长", count: 10_000), -5), .init("=cmd|' /C calc'!A0", 1e300),
        ]
        for svg in [SVGChart.bars(title: "\"t\" & 'q'", points), SVGChart.trend(title: "<x>", points, format: .count)] {
            let reader = try #require(read(svg), "not well-formed:\n\(svg)")
            #expect(!svg.contains("<script>"))
            #expect(svg.contains("abc") && !svg.contains("\u{1B}") && !svg.contains("\u{0}"))
            #expect(!svg.contains("nan") && !svg.contains("inf"))
            #expect(reader.texts.allSatisfy { $0.count < 200 }, "huge numbers are written short")
        }
        #expect(SVGChart.bars(title: "t", points) == SVGChart.bars(title: "t", points))
        let long = try #require(read(SVGChart.bars(title: "t", points)))
        #expect(long.texts.contains { $0.hasPrefix("长长") && $0.hasSuffix("…") && $0.count < 100 })
    }

    @Test("no data is said, not drawn")
    func empty() throws {
        for svg in [SVGChart.bars(title: "空", []), SVGChart.trend(title: "空", [])] {
            let reader = try #require(read(svg))
            #expect(reader.texts.contains("No data"))
        }
    }
}
