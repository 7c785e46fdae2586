import CollabModel
import CollabStore
import Foundation

/// The standard charts of reports, drawn with ``SVGChart`` and written in one reader's language: titles,
/// axis titles, legends, group labels such as `(no department)` and the no-data text come from the
/// shared catalog (`chart.*`, `report.*` keys of `CollabModel.MessageCatalog`).
///
/// Get the reader's with ``ReportGenerator/charts(for:)``, which also carries the generator's host
/// catalog, or make one for a locale:
///
/// ```swift
/// let charts = try await generator.charts(for: reader)            // 各部门完成率, 部门, 暂无数据 …
/// let byDepartment = try await generator.report(ReportSpec(grouping: .department), as: reader)
/// let svg = charts.completionByDepartment(byDepartment)
/// ```
///
/// A group without data is shown as such, never as 0%: a department with nothing created gets no bar and
/// a `–`, and a week in which nothing was created is a gap in the trend lines (`ReportMetrics.rates`).
public struct ReportCharts: Sendable {
    /// The texts and the reader's locale.
    public let text: MessageFormatter

    /// Charts written with `text`.
    public init(text: MessageFormatter) {
        self.text = text
    }

    /// Charts for a reader of `locale`, with `messages` layered over the standard texts.
    public init(locale: CollabLocale, messages: MessageCatalog? = nil) {
        self.init(text: MessageFormatter(catalog: messages, locale: locale))
    }

    /// The completion rate of each group of `report` (grouped by department) as bars, in the report's order:
    /// completed ÷ created, with the axis to 100%.
    ///
    /// - Parameters:
    ///   - report: a report grouped by department.
    ///   - width: the chart's width in pixels.
    ///   - title: The title; `nil`: `chart.completion_by_department.title` (`Completion rate by department`).
    public func completionByDepartment(_ report: Report, title: String? = nil, width: Int = 640) -> String {
        departmentBars(report.groups, title: title ?? text.string("chart.completion_by_department.title"), width: width)
    }

    /// The completion and overdue rates of the items created each week of `report` (grouped by week), as
    /// two lines with a legend; a week in which nothing was created is a gap in both.
    ///
    /// - Parameters:
    ///   - report: a report grouped by week.
    ///   - width: the chart's width in pixels.
    ///   - height: the chart's height in pixels.
    ///   - title: The title; `nil`: `chart.trend.title` (`Completion and overdue rate by week`).
    public func completionTrend(_ report: Report, title: String? = nil, width: Int = 640, height: Int = 320) -> String {
        trendLines(report.groups, title: title ?? text.string("chart.trend.title"), width: width, height: height)
    }

    /// A dashboard's departments as ``completionByDepartment(_:title:width:)`` draws them, titled with its
    /// name (`chart.completion_by_department.title_of`).
    public func completionByDepartment(of dashboard: Dashboard, width: Int = 640) -> String {
        departmentBars(
            dashboard.departments,
            title: text.string("chart.completion_by_department.title_of", ["name": .text(dashboard.title)]),
            width: width)
    }

    /// A dashboard's weekly trend as ``completionTrend(_:title:width:height:)`` draws it, titled with its name
    /// (`chart.trend.title_of`).
    public func completionTrend(of dashboard: Dashboard, width: Int = 640, height: Int = 320) -> String {
        trendLines(
            dashboard.trend, title: text.string("chart.trend.title_of", ["name": .text(dashboard.title)]), width: width,
            height: height)
    }

    private func departmentBars(_ groups: [Report.Group], title: String, width: Int) -> String {
        let points = groups.map { group in
            SVGChart.Point(
                group.label.isEmpty ? text.string("report.no_department") : group.label, group.metrics.rates.completion)
        }
        return SVGChart.bars(
            title: title, points, format: .percent,
            axes: SVGChart.Axes(
                category: text.string("chart.axis.department"), value: text.string("chart.axis.completion_rate")),
            noData: text.string("chart.no_data"), width: width)
    }

    private func trendLines(_ groups: [Report.Group], title: String, width: Int, height: Int) -> String {
        SVGChart.trend(
            title: title, labels: groups.map(\.label),
            series: [
                SVGChart.Series(text.string("chart.series.completion_rate"), groups.map(\.metrics.rates.completion)),
                SVGChart.Series(text.string("chart.series.overdue_rate"), groups.map(\.metrics.rates.overdue)),
            ],
            format: .percent,
            axes: SVGChart.Axes(category: text.string("chart.axis.week"), value: text.string("chart.axis.share_of_created")),
            noData: text.string("chart.no_data"), width: width, height: height)
    }
}

extension ReportGenerator {
    /// The standard charts in `reader`'s language — their own choice, else their organization's
    /// (`CollabModel.Member.readingLocale(in:)`) — with the generator's ``messages``.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown reader or organization.
    public func charts(for reader: Member.ID) async throws(CollabError) -> ReportCharts {
        ReportCharts(text: try await formatter(for: reader))
    }

    /// The generator's texts in `reader`'s language, with dates in their organization's time zone.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown reader or organization.
    public func formatter(for reader: Member.ID) async throws(CollabError) -> MessageFormatter {
        guard let member = try await store.member(reader) else { throw CollabError.notFound("member", reader.rawValue) }
        guard let organization = try await store.organization(member.organizationID) else {
            throw CollabError.notFound("organization", member.organizationID.rawValue)
        }
        return formatter(member.readingLocale(in: organization), zone: organization.timeZone ?? .gmt)
    }
}
