extension StandardMessages {
    /// The notices' titles and bodies: `notice.<variant>.title` and `notice.<variant>.body`.
    static let notices: [StandardMessage] = []
}
