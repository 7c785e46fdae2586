import CollabModel

/// Delivers notifications outside Collab: e-mail, instant messaging, a webhook, SMS.
///
/// The host implements it and hands it to a ``NotificationDispatcher``. Each notification is re-authorized
/// when it is delivered: a recipient who lost access in between (removed, moved department, partner access
/// revoked) gets nothing, and ``NoticeDelivery/item`` carries only what the recipient may see. Delivery is
/// at least once:
/// a notification may arrive again after a failure or a crash, always with the same
/// ``NoticeDelivery/idempotencyKey``, so a receiver can drop repeats.
///
/// ```swift
/// struct MailHook: NotificationHook {
///     let name = "mail"
///     func deliver(_ delivery: NoticeDelivery) async throws {
///         try await mailer.send(to: delivery.notice.recipientID, subject: delivery.notice.title,
///                               body: delivery.notice.body, messageID: delivery.idempotencyKey)
///     }
/// }
/// ```
public protocol NotificationHook: Sendable {
    /// A stable name, unique among the dispatcher's hooks: which hooks already accepted a notification
    /// is recorded under it, so renaming a hook redelivers what is pending.
    var name: String { get }

    /// Delivers one notification. Throw to have it retried later; return only once it is accepted.
    func deliver(_ delivery: NoticeDelivery) async throws
}

/// One attempt to deliver a notification through a hook.
public struct NoticeDelivery: Hashable, Sendable {
    /// The same on every attempt of this notification: use it to drop repeats.
    public var idempotencyKey: String
    /// The notification.
    public var notice: Notice
    /// Which attempt this is, from 1.
    public var attempt: Int
    /// The item the notification concerns, as the recipient may see it *now* (an outside member gets its
    /// external parts only), or `nil` when it concerns no item.
    public var item: WorkItem?

    /// Creates a delivery.
    public init(idempotencyKey: String, notice: Notice, attempt: Int, item: WorkItem? = nil) {
        self.idempotencyKey = idempotencyKey
        self.notice = notice
        self.attempt = attempt
        self.item = item
    }
}
