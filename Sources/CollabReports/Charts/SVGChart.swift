import Foundation

/// Charts rendered by the library itself as SVG text, for a web page or an e-mail: bars by department
/// (``bars(title:_:format:axes:noData:width:)``) and trend lines
/// (``trend(title:labels:series:format:axes:noData:width:height:)``).
///
/// These are the low-level charts: every text on them — title, axis titles, series names, the no-data
/// text — is the caller's. ``ReportCharts`` draws the standard charts of a ``Report`` with the texts of
/// the shared catalog, in the reader's language.
///
/// A value may be missing (`nil`): no data, which is not 0. A bar without a value is drawn as no bar with
/// `–` beside it; a line has a gap there (no segment to or from it, no dot).
///
/// The output is self-contained SVG 1.1 with no script, no external reference and no style sheet, so it
/// can be inlined in HTML or attached as a file. Labels may be in any script: the font list names fonts
/// with Chinese glyphs on each system — Noto Sans CJK SC (Linux), PingFang SC (macOS), Microsoft YaHei
/// (Windows) and their kin — before `sans-serif`; label widths are estimated with East Asian characters as
/// wide as the font size. Text is XML-escaped and characters XML forbids are dropped, so any label is
/// safe. The same data always gives the same bytes.
public enum SVGChart {
    /// How values are written on a chart.
    public enum ValueFormat: Hashable, Sendable {
        /// Whole numbers (counts).
        case count
        /// A fraction 0...1 written as a percentage with one decimal (rates); the axis runs to 100%.
        case percent
        /// Numbers with `decimals` decimals.
        case decimal(decimals: Int)
    }

    /// One labelled value.
    public struct Point: Hashable, Sendable {
        /// What the value is about (a department, a day).
        public var label: String
        /// The value; `nil`: no data (no bar, a gap in a line). Negative, infinite and NaN values are drawn
        /// as 0.
        public var value: Double?

        /// Creates a point; a `nil` value is no data.
        public init(_ label: String, _ value: Double?) {
            self.label = label
            self.value = value
        }
    }

    /// One line of a trend chart: its name in the legend and a value per label (`nil`: a gap).
    public struct Series: Hashable, Sendable {
        /// The name the legend shows (a legend is drawn when a chart has more than one series).
        public var name: String
        /// One value per label of the chart, in order; missing values at the end are gaps.
        public var values: [Double?]

        /// Creates a series.
        public init(_ name: String, _ values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    /// The titles of a chart's axes; `nil` draws none.
    public struct Axes: Hashable, Sendable {
        /// What the labels along the categories are: `Department`, `Week (from Monday)`.
        public var category: String?
        /// What the values are: `Completion rate`.
        public var value: String?

        /// Creates axis titles.
        public init(category: String? = nil, value: String? = nil) {
            self.category = category
            self.value = value
        }

        /// No axis titles.
        public static let none = Axes()
    }

    /// Fonts with Chinese glyphs on Linux, macOS and Windows, then any sans-serif font.
    static let fontFamily =
        "'Noto Sans CJK SC','Noto Sans SC','PingFang SC','Hiragino Sans GB','Microsoft YaHei','Source Han Sans SC',"
        + "'WenQuanYi Micro Hei',sans-serif"
    static let barColor = "#3B82F6"
    static let lineColor = "#10B981"
    /// The lines of a trend chart, in order; a chart of more series repeats them.
    static let seriesColors = ["#10B981", "#EF4444", "#3B82F6", "#F59E0B", "#8B5CF6", "#6B7280"]
    static let gridColor = "#E5E7EB"
    static let textColor = "#111827"
    static let mutedColor = "#6B7280"

    /// Horizontal bars, one per point in the order given, each labelled on the left and with its value on
    /// the right (`–` and no bar for a point without a value). The chart's height follows the number of
    /// bars; axis titles, when given, go above the labels and below the bars.
    public static func bars(
        title: String, _ points: [Point], format: ValueFormat = .count, axes: Axes = .none, noData: String = "No data",
        width: Int = 640
    ) -> String {
        let width = min(max(width, 240), 4_000)
        let fontSize = 13.0
        let rowHeight = 28.0
        let top = axes.category == nil ? 44.0 : 62.0
        let labelWidth = min(
            Double(width) * 0.4,
            max(points.map { textWidth($0.label, fontSize) }.max() ?? 0, axes.category.map { textWidth($0, 12) } ?? 0) + 16)
        let valueWidth = 64.0
        let plotWidth = max(Double(width) - labelWidth - valueWidth - 16, 40)
        let bottom = axes.value == nil ? 16.0 : 40.0
        let height = top + max(Double(points.count), 1) * rowHeight + bottom
        let maximum = scaleMaximum(points.compactMap { $0.value.map(clean) }, format: format)

        var svg = header(title: title, width: Double(width), height: height)
        if let category = axes.category {
            svg += text(clipped(category, to: labelWidth - 12, 12), x: labelWidth - 8, y: top - 8, size: 12,
                color: mutedColor, anchor: "end", bold: true)
        }
        if let value = axes.value {
            svg += text(value, x: labelWidth + plotWidth / 2, y: height - 14, size: 12, color: mutedColor,
                anchor: "middle", bold: true)
        }
        if points.isEmpty {
            svg += text(noData, x: Double(width) / 2, y: top + 18, size: fontSize, color: mutedColor, anchor: "middle")
        }
        for (index, point) in points.enumerated() {
            let y = top + Double(index) * rowHeight
            svg += text(clipped(point.label, to: labelWidth - 12, fontSize), x: labelWidth - 8, y: y + 18,
                size: fontSize, color: textColor, anchor: "end")
            guard let raw = point.value else {
                svg += text("–", x: labelWidth + 6, y: y + 18, size: fontSize, color: mutedColor, anchor: "start")
                continue
            }
            let value = clean(raw)
            let length = maximum > 0 ? plotWidth * min(value / maximum, 1) : 0
            svg += "<rect x=\"\(number(labelWidth))\" y=\"\(number(y + 5))\" width=\"\(number(length))\" "
                + "height=\"\(number(rowHeight - 10))\" rx=\"3\" fill=\"\(barColor)\"><title>"
                + escape(point.label) + ": " + formatted(value, format) + "</title></rect>\n"
            svg += text(formatted(value, format), x: labelWidth + length + 6, y: y + 18, size: fontSize,
                color: mutedColor, anchor: "start")
        }
        return svg + "</svg>\n"
    }

    /// A line through the points in the order given (a completion trend by week), with a value axis that
    /// starts at 0, dots on the points, and as many point labels along the bottom as fit. A point without a
    /// value is a gap in the line.
    public static func trend(
        title: String, _ points: [Point], format: ValueFormat = .percent, width: Int = 640, height: Int = 320
    ) -> String {
        trend(
            title: title, labels: points.map(\.label), series: [Series(title, points.map(\.value))], format: format,
            width: width, height: height)
    }

    /// Lines, one per series, over the same labels (weeks): a value axis that starts at 0, dots on the
    /// values, as many labels along the bottom as fit, axis titles when given, and a legend of the series'
    /// names when there is more than one. A missing value is a gap: the line stops before it and resumes
    /// after it, and no dot is drawn; a value alone between gaps is a dot.
    public static func trend(
        title: String, labels: [String], series: [Series], format: ValueFormat = .percent, axes: Axes = .none,
        noData: String = "No data", width: Int = 640, height: Int = 320
    ) -> String {
        let width = Double(min(max(width, 240), 4_000))
        let fontSize = 12.0
        let legend = series.count > 1
        let left = axes.value == nil ? 56.0 : 74.0
        // The last label is centred on the right end of the plot: leave room for its right half.
        let right = min(max(16, (textWidth(labels.last ?? "", fontSize) + 8) / 2), width / 4)
        let top = legend ? 66.0 : 44.0
        let bottom = axes.category == nil ? 36.0 : 56.0
        let height = Double(min(max(height, 160), 4_000)) + (legend ? 22 : 0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let maximum = scaleMaximum(series.flatMap { $0.values.compactMap { $0.map(clean) } }, format: format)

        var svg = header(title: title, width: width, height: height)
        if legend {
            var x = 16.0
            for (index, line) in series.enumerated() {
                let color = seriesColors[index % seriesColors.count]
                svg += "<line x1=\"\(number(x))\" y1=\"44\" x2=\"\(number(x + 18))\" y2=\"44\" stroke=\"\(color)\" "
                    + "stroke-width=\"3\"/>\n"
                svg += text(line.name, x: x + 24, y: 48, size: fontSize, color: textColor, anchor: "start")
                x += 24 + textWidth(line.name, fontSize) + 20
            }
        }
        for tick in 0...4 {
            let fraction = Double(tick) / 4
            let y = top + plotHeight * (1 - fraction)
            svg += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(width - right))\" y2=\"\(number(y))\" "
                + "stroke=\"\(gridColor)\" stroke-width=\"1\"/>\n"
            svg += text(formatted(maximum * fraction, format), x: left - 6, y: y + 4, size: fontSize,
                color: mutedColor, anchor: "end")
        }
        if let value = axes.value {
            let x = 16.0, y = top + plotHeight / 2
            svg += "<text x=\"\(number(x))\" y=\"\(number(y))\" font-size=\"12\" fill=\"\(mutedColor)\" "
                + "text-anchor=\"middle\" font-weight=\"bold\" transform=\"rotate(-90 \(number(x)) \(number(y)))\">"
                + escape(clipped(value, to: plotHeight, 12)) + "</text>\n"
        }
        if let category = axes.category {
            svg += text(category, x: left + plotWidth / 2, y: height - 12, size: 12, color: mutedColor,
                anchor: "middle", bold: true)
        }
        let hasValue = series.contains { $0.values.prefix(labels.count).contains { $0 != nil } }
        guard !labels.isEmpty, hasValue else {
            svg += text(noData, x: left + plotWidth / 2, y: top + plotHeight / 2, size: fontSize, color: mutedColor,
                anchor: "middle")
            return svg + "</svg>\n"
        }
        func x(_ index: Int) -> Double {
            labels.count == 1 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(labels.count - 1)
        }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - (maximum > 0 ? min(value / maximum, 1) : 0)) }
        for (index, line) in series.enumerated() {
            let color = seriesColors[index % seriesColors.count]
            let values = labels.indices.map { $0 < line.values.count ? line.values[$0].map(clean) : nil }
            // One polyline per run of values between gaps.
            var run: [String] = []
            func endRun() {
                if run.count > 1 {
                    svg += "<polyline points=\"\(run.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" "
                        + "stroke-width=\"2\" stroke-linejoin=\"round\"/>\n"
                }
                run = []
            }
            for (index, value) in values.enumerated() {
                if let value { run.append("\(number(x(index))),\(number(y(value)))") } else { endRun() }
            }
            endRun()
            for (index, value) in values.enumerated() {
                guard let value else { continue }
                let name = series.count > 1 ? line.name + ", " : ""
                svg += "<circle cx=\"\(number(x(index)))\" cy=\"\(number(y(value)))\" r=\"3\" fill=\"\(color)\">"
                    + "<title>" + escape(name + labels[index]) + ": " + formatted(value, format) + "</title></circle>\n"
            }
        }
        // Label every n-th point so that labels do not overlap.
        let widest = (labels.map { textWidth($0, fontSize) }.max() ?? 0) + 8
        let every = max(1, Int((widest / max(plotWidth / Double(labels.count), 1)).rounded(.up)))
        for (index, label) in labels.enumerated() where index % every == 0 {
            svg += text(label, x: x(index), y: height - bottom + 18, size: fontSize, color: mutedColor, anchor: "middle")
        }
        return svg + "</svg>\n"
    }

    // MARK: Pieces

    static func header(title: String, width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" "
            + "viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\" aria-label=\"\(escape(title))\" "
            + "font-family=\"\(fontFamily)\">\n"
            + "<title>\(escape(title))</title>\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n"
            + text(title, x: 16, y: 26, size: 16, color: textColor, anchor: "start", bold: true)
    }

    static func text(
        _ content: String, x: Double, y: Double, size: Double, color: String, anchor: String, bold: Bool = false
    ) -> String {
        "<text x=\"\(number(x))\" y=\"\(number(y))\" font-size=\"\(number(size))\" fill=\"\(color)\" "
            + "text-anchor=\"\(anchor)\"\(bold ? " font-weight=\"bold\"" : "")>\(escape(content))</text>\n"
    }

    /// The top of the value axis: 100% for rates, else the largest value rounded up to a round number.
    static func scaleMaximum(_ values: [Double], format: ValueFormat) -> Double {
        if format == .percent { return max(1, values.max() ?? 0) }
        let largest = values.max() ?? 0
        guard largest > 0 else { return 1 }
        let magnitude = pow(10, (log10(largest)).rounded(.down))
        for step in [1.0, 2, 2.5, 5, 10] where step * magnitude >= largest { return step * magnitude }
        return 10 * magnitude
    }

    /// A finite, non-negative value.
    static func clean(_ value: Double) -> Double { value.isFinite ? max(value, 0) : 0 }

    static func formatted(_ value: Double, _ format: ValueFormat) -> String {
        switch format {
        case .count: return number(value.rounded(), decimals: 0)
        case .percent: return number(value * 100, decimals: 1) + "%"
        case .decimal(let decimals): return number(value, decimals: min(max(decimals, 0), 6))
        }
    }

    /// A coordinate or value with up to `decimals` decimals, without a locale and without trailing zeros.
    static func number(_ value: Double, decimals: Int = 2) -> String {
        guard value.isFinite else { return "0" }
        if abs(value) >= 1e15 { return String(format: "%.3e", value) }
        let scale = pow(10, Double(decimals))
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        var text = String(format: "%.\(decimals)f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Estimated width of `text` at `size`: East Asian and other wide characters count a full em.
    static func textWidth(_ text: String, _ size: Double) -> Double {
        text.unicodeScalars.reduce(0) { width, scalar in
            width + (isWide(scalar) ? size : size * 0.58)
        }
    }

    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// `text`, shortened with an ellipsis to fit `width`.
    static func clipped(_ text: String, to width: Double, _ size: Double) -> String {
        guard textWidth(text, size) > width else { return text }
        var kept = ""
        for character in text {
            if textWidth(kept + String(character) + "…", size) > width { break }
            kept.append(character)
        }
        return kept + "…"
    }

    /// XML-escaped text without the characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF).
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
