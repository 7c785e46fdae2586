extension StandardMessages {
    /// Report and export headers, sheet names, chart titles, axis labels and legends.
    static let reports: [StandardMessage] = []
}
