import CollabModel
import CollabReports
import CollabStore
import CollabWorkflow
import Foundation

// The engine's records as the API's types (openapi.yaml's schemas).

extension Components.Schemas.Item {
    init(_ item: WorkItem) {
        self.init(
            id: item.id.rawValue, title: item.title, description: item.description,
            state: .init(rawValue: item.state.rawValue) ?? .draft, priority: .init(rawValue: item.priority.rawValue) ?? .medium,
            dueAt: item.dueAt, assignees: item.assigneeIDs.map(\.rawValue), initiator: item.initiatorID.rawValue,
            reviewer: item.effectiveReviewerID.rawValue, departments: item.departmentIDs.map(\.rawValue), tags: item.tags,
            progressPercent: item.progressPercent, pendingAdjustment: item.pendingAdjustmentID?.rawValue,
            attachments: item.attachments.map(Components.Schemas.Attachment.init), version: item.version,
            createdAt: item.createdAt, updatedAt: item.updatedAt, closedAt: item.closedAt)
    }
}

extension Components.Schemas.ItemSummary {
    init(_ item: WorkItem, now: Date) {
        self.init(
            id: item.id.rawValue, title: item.title, state: .init(rawValue: item.state.rawValue) ?? .draft,
            priority: .init(rawValue: item.priority.rawValue) ?? .medium, dueAt: item.dueAt,
            overdue: !item.state.isClosed && item.dueAt < now, assignees: item.assigneeIDs.map(\.rawValue),
            initiator: item.initiatorID.rawValue, version: item.version)
    }
}

extension Components.Schemas.Attachment {
    init(_ attachment: FileAttachment) {
        self.init(
            fileName: attachment.fileName, mediaType: attachment.mediaType, size: attachment.size,
            documentID: attachment.documentID?.rawValue)
    }
}

extension Components.Schemas.Adjustment {
    /// `zone`: the organization's, in which an end-of-day deadline falls.
    init(_ request: AdjustmentRequest, zone: TimeZone) {
        self.init(
            id: request.id.rawValue, item: request.itemID.rawValue, requester: request.requesterID.rawValue,
            status: request.status.rawValue, reason: request.reason,
            newDueAt: request.change.deadline?.dueInstant(in: zone),
            createdAt: request.createdAt)
    }
}

extension Components.Schemas.Notice {
    init(_ notice: Notice) {
        self.init(
            id: notice.id.rawValue, kind: notice.kind.rawValue, title: notice.title, body: notice.body,
            recordKind: notice.record?.kind.rawValue ?? notice.itemID.map { _ in "work_item" },
            recordID: notice.record?.id ?? notice.itemID?.rawValue, createdAt: notice.createdAt, read: notice.isRead)
    }
}

extension Components.Schemas.Announcement {
    init(_ announcement: Announcement, acknowledged: Bool) {
        self.init(
            id: announcement.id.rawValue, title: announcement.title, body: announcement.body,
            author: announcement.authorID.rawValue, publishedAt: announcement.publishedAt,
            requiresAcknowledgement: announcement.acknowledgement != nil,
            acknowledgeBy: announcement.acknowledgement?.deadline, acknowledged: acknowledged,
            pinned: announcement.isPinned)
    }
}

extension Components.Schemas.Figures {
    init(_ label: String, _ metrics: ReportMetrics) {
        let rates = metrics.rates
        self.init(
            label: label, created: metrics.created, open: metrics.open, completed: metrics.completed,
            completedOnTime: metrics.completedOnTime, overdueOpen: metrics.overdueOpen,
            completionRate: rates.completion, onTimeRate: rates.onTime)
    }
}

extension Components.Schemas.Order {
    init(_ order: PurchaseOrder) {
        self.init(
            id: order.id.rawValue, number: order.number, title: order.title, buyer: order.buyerID.rawValue,
            supplier: order.supplierID.rawValue, status: order.state.rawValue,
            lines: order.lines.map {
                .init(number: $0.number, description: $0.description, quantity: $0.quantity, unit: $0.unit,
                    requiredDate: $0.requiredDate.description, confirmedDate: $0.confirmedDate?.description)
            },
            version: order.version)
    }
}

extension Components.Schemas.Proposal {
    init(_ proposal: DeliveryProposal) {
        self.init(
            number: proposal.number, side: proposal.side.rawValue, author: proposal.authorID.rawValue,
            status: proposal.status.rawValue, note: proposal.note,
            lines: proposal.lines.map { .init(line: $0.line, date: $0.date.description) })
    }
}

extension Components.Schemas.Ticket {
    init(_ ticket: CollabModel.Ticket) {
        self.init(
            id: ticket.id.rawValue, title: ticket.subject, status: ticket.state.rawValue,
            priority: ticket.priority.rawValue, category: ticket.category, customer: ticket.customerID.rawValue,
            department: ticket.departmentID.rawValue, openedAt: ticket.createdAt, version: ticket.version)
    }

    init(_ view: CustomerTicketView, customer: Organization.ID) {
        self.init(
            id: view.id.rawValue, title: view.subject, status: view.state.rawValue, category: view.category,
            customer: customer.rawValue, department: view.stage, openedAt: view.createdAt)
    }
}
