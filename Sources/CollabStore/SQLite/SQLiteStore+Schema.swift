import GRDB

extension SQLiteStore {
    /// The schema's migrations, in order. Append only: a released migration never changes.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 directory, work items, activity, audit, messages") { db in
            try db.execute(sql: """
                CREATE TABLE organizations (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    time_zone TEXT NOT NULL,
                    external_collaboration INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE departments (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    name TEXT NOT NULL,
                    parent_id TEXT REFERENCES departments(id)
                );
                CREATE INDEX departments_by_organization ON departments(organization_id);
                CREATE TABLE members (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    display_name TEXT NOT NULL,
                    handle TEXT NOT NULL,
                    roles TEXT NOT NULL,
                    is_active INTEGER NOT NULL,
                    kind TEXT NOT NULL DEFAULT 'person',
                    UNIQUE (organization_id, handle)
                );
                CREATE TABLE department_memberships (
                    member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
                    department_id TEXT NOT NULL REFERENCES departments(id),
                    role TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    PRIMARY KEY (member_id, department_id)
                ) WITHOUT ROWID;
                CREATE INDEX memberships_by_department ON department_memberships(department_id);

                CREATE TABLE work_items (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    description TEXT NOT NULL,
                    priority TEXT NOT NULL,
                    initiator_id TEXT NOT NULL,
                    reviewer_id TEXT,
                    review_by TEXT NOT NULL,
                    assignee_ids TEXT NOT NULL,
                    watcher_ids TEXT NOT NULL,
                    department_ids TEXT NOT NULL,
                    partner_ids TEXT NOT NULL,
                    start_at INTEGER NOT NULL,
                    deadline_date TEXT,
                    deadline_at INTEGER,
                    due_at INTEGER NOT NULL,
                    attachments TEXT,
                    tags TEXT NOT NULL,
                    state TEXT NOT NULL,
                    progress INTEGER,
                    pending_adjustment_id TEXT,
                    version INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    closed_at INTEGER
                );
                CREATE INDEX work_items_by_initiator ON work_items(initiator_id, state);
                CREATE INDEX work_items_by_reviewer ON work_items(review_by, state);
                CREATE INDEX work_items_by_organization ON work_items(organization_id, due_at, id);
                -- Who is related to each item, and how: the visibility filter and the to-do list read
                -- ranges of it in deadline order. Rewritten whenever an item's relations or deadline change.
                CREATE TABLE work_item_access (
                    kind TEXT NOT NULL,
                    key TEXT NOT NULL,
                    due_at INTEGER NOT NULL,
                    item_id TEXT NOT NULL REFERENCES work_items(id),
                    PRIMARY KEY (kind, key, due_at, item_id)
                ) WITHOUT ROWID;
                CREATE INDEX access_by_item ON work_item_access(item_id, kind, key);
                CREATE VIRTUAL TABLE work_items_search USING fts5(title, description, tags, tokenize = 'trigram');

                CREATE TABLE comments (
                    id TEXT PRIMARY KEY NOT NULL,
                    item_id TEXT NOT NULL REFERENCES work_items(id),
                    author_id TEXT NOT NULL,
                    body TEXT NOT NULL,
                    mentioned_ids TEXT NOT NULL,
                    visibility TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX comments_by_item ON comments(item_id, created_at);
                CREATE TABLE progress_updates (
                    id TEXT PRIMARY KEY NOT NULL,
                    item_id TEXT NOT NULL REFERENCES work_items(id),
                    author_id TEXT NOT NULL,
                    text TEXT NOT NULL,
                    percent INTEGER,
                    attachments TEXT,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX progress_by_item ON progress_updates(item_id, created_at);
                CREATE TABLE review_decisions (
                    id TEXT PRIMARY KEY NOT NULL,
                    item_id TEXT NOT NULL REFERENCES work_items(id),
                    reviewer_id TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    reason TEXT,
                    decided_at INTEGER NOT NULL
                );
                CREATE INDEX reviews_by_item ON review_decisions(item_id, decided_at);
                CREATE TABLE adjustment_requests (
                    id TEXT PRIMARY KEY NOT NULL,
                    item_id TEXT NOT NULL REFERENCES work_items(id),
                    requester_id TEXT NOT NULL,
                    change TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    status TEXT NOT NULL,
                    decider_id TEXT,
                    decision_reason TEXT,
                    previous_deadline TEXT,
                    created_at INTEGER NOT NULL,
                    decided_at INTEGER
                );
                CREATE INDEX adjustments_by_item ON adjustment_requests(item_id, created_at);

                CREATE TABLE audit_events (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    organization_id TEXT NOT NULL,
                    item_id TEXT,
                    actor_id TEXT NOT NULL,
                    action TEXT NOT NULL,
                    from_state TEXT,
                    to_state TEXT,
                    details TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL
                );
                CREATE INDEX audit_by_item ON audit_events(item_id, sequence);

                CREATE TABLE notifications (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    organization_id TEXT NOT NULL,
                    recipient_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    urgency TEXT NOT NULL,
                    item_id TEXT,
                    actor_id TEXT,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    read_at INTEGER,
                    delivery_state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER,
                    lease_until INTEGER,
                    last_error TEXT,
                    delivered_at INTEGER
                );
                CREATE INDEX notifications_by_recipient ON notifications(recipient_id, sequence);
                CREATE INDEX notifications_unread ON notifications(recipient_id) WHERE read_at IS NULL;
                CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE delivery_state = 'pending';
                CREATE INDEX notifications_parked ON notifications(sequence) WHERE delivery_state = 'parked';
                CREATE TABLE notification_hook_deliveries (
                    notification_id TEXT NOT NULL REFERENCES notifications(id),
                    hook TEXT NOT NULL,
                    delivered_at INTEGER NOT NULL,
                    PRIMARY KEY (notification_id, hook)
                ) WITHOUT ROWID;

                CREATE TABLE idempotency_keys (
                    actor_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    command TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    result BLOB NOT NULL,
                    PRIMARY KEY (actor_id, key)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2 timers, calendars, recurrence") { db in
            try db.execute(sql: """
                ALTER TABLE work_items ADD COLUMN state_changed_at INTEGER;
                UPDATE work_items SET state_changed_at = updated_at;
                ALTER TABLE work_items ADD COLUMN waiting_since INTEGER;
                ALTER TABLE work_items ADD COLUMN external_waits INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE work_items ADD COLUMN recurrence TEXT;
                ALTER TABLE work_items ADD COLUMN series_id TEXT;

                -- Durable timers: reminders, overdue, escalations, decision reminders. A timer fires in the
                -- same transaction as its effect, by moving from 'pending' to 'fired': exactly once.
                CREATE TABLE timers (
                    id TEXT PRIMARY KEY NOT NULL,
                    item_id TEXT NOT NULL REFERENCES work_items(id),
                    organization_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    fire_at INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    fired_at INTEGER
                );
                CREATE INDEX timers_due ON timers(fire_at, id) WHERE state = 'pending';
                CREATE INDEX timers_by_item ON timers(item_id, state);

                CREATE INDEX departments_by_parent ON departments(parent_id);

                -- The to-do list reads each source of work in deadline order.
                DROP INDEX work_items_by_initiator;
                DROP INDEX work_items_by_reviewer;
                CREATE INDEX work_items_review_queue ON work_items(review_by, state, due_at, id);
                CREATE INDEX work_items_drafts ON work_items(initiator_id, due_at, id) WHERE state = 'draft';
                CREATE INDEX work_items_pending_adjustments ON work_items(initiator_id, due_at, id)
                    WHERE pending_adjustment_id IS NOT NULL;

                CREATE TABLE business_calendars (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    department_id TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (organization_id, department_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3 directory revision") { db in
            // Every change of the directory moves the revision, whoever makes it: caches of directory
            // values compare it, and a command's change commits only under the revision it was planned at.
            try db.execute(sql: """
                CREATE TABLE directory_revision (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    value INTEGER NOT NULL
                );
                INSERT INTO directory_revision (id, value) VALUES (1, 0);
                CREATE TRIGGER organizations_insert_revision AFTER INSERT ON organizations
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER organizations_update_revision AFTER UPDATE ON organizations
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER organizations_delete_revision AFTER DELETE ON organizations
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER departments_insert_revision AFTER INSERT ON departments
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER departments_update_revision AFTER UPDATE ON departments
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER departments_delete_revision AFTER DELETE ON departments
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER members_insert_revision AFTER INSERT ON members
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER members_update_revision AFTER UPDATE ON members
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER members_delete_revision AFTER DELETE ON members
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER department_memberships_insert_revision AFTER INSERT ON department_memberships
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER department_memberships_update_revision AFTER UPDATE ON department_memberships
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER department_memberships_delete_revision AFTER DELETE ON department_memberships
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER business_calendars_insert_revision AFTER INSERT ON business_calendars
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER business_calendars_update_revision AFTER UPDATE ON business_calendars
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER business_calendars_delete_revision AFTER DELETE ON business_calendars
                    BEGIN UPDATE directory_revision SET value = value + 1 WHERE id = 1; END;
                """)
        }
        migrator.registerMigration("v4 reports") { db in
            // How often an approved adjustment moved the item's deadline later ("on time after an extension"
            // is told apart from plain "on time"; approved deadline changes made before this migration count
            // as extensions), and how many adjustments were requested and approved: reports read these
            // from the item's row instead of joining every item to its requests.
            try db.execute(sql: """
                ALTER TABLE work_items ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE work_items ADD COLUMN adjustments_requested INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE work_items ADD COLUMN adjustments_approved INTEGER NOT NULL DEFAULT 0;
                UPDATE work_items SET
                    extensions = (SELECT count(*) FROM adjustment_requests r WHERE r.item_id = work_items.id
                        AND r.status = 'approved' AND r.previous_deadline IS NOT NULL),
                    adjustments_requested = (SELECT count(*) FROM adjustment_requests r WHERE r.item_id = work_items.id),
                    adjustments_approved = (SELECT count(*) FROM adjustment_requests r WHERE r.item_id = work_items.id
                        AND r.status = 'approved')
                WHERE id IN (SELECT item_id FROM adjustment_requests);
                -- Reports read only these columns: by creation time for a period, and by lead department
                -- (the first of an item's departments), state and cycle time for the department board, so
                -- that its groups and each department's percentiles come in index order.
                CREATE INDEX work_items_report ON work_items(organization_id, created_at, state, due_at, closed_at,
                    extensions, adjustments_requested, adjustments_approved, department_ids);
                CREATE INDEX work_items_report_by_department ON work_items(organization_id,
                    substr(department_ids, 1, instr(department_ids || char(31), char(31)) - 1), state,
                    closed_at - created_at, due_at, closed_at, created_at, extensions, adjustments_requested,
                    adjustments_approved, department_ids);
                """)
        }
        migrator.registerMigration("v5 announcements, meetings, emergency plans") { db in
            // Scenario records are stored as JSON bodies with the columns their lists and checks read;
            // notifications and audit events can name a record other than a work item.
            try db.execute(sql: """
                ALTER TABLE notifications ADD COLUMN record TEXT;
                ALTER TABLE audit_events ADD COLUMN record TEXT;
                CREATE INDEX audit_by_record ON audit_events(record, sequence) WHERE record IS NOT NULL;

                CREATE TABLE announcements (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL,
                    author_id TEXT NOT NULL,
                    pinned INTEGER NOT NULL,
                    published_at INTEGER NOT NULL,
                    expires_at INTEGER,
                    version INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX announcements_by_organization ON announcements(organization_id, published_at, id);
                CREATE TABLE announcement_receipts (
                    announcement_id TEXT NOT NULL REFERENCES announcements(id),
                    member_id TEXT NOT NULL,
                    department_id TEXT,
                    notice_id TEXT NOT NULL,
                    read_at INTEGER,
                    acknowledged_at INTEGER,
                    PRIMARY KEY (announcement_id, member_id)
                ) WITHOUT ROWID;
                CREATE INDEX receipts_by_member ON announcement_receipts(member_id, announcement_id);

                CREATE TABLE meetings (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL,
                    starts_at INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX meetings_by_organization ON meetings(organization_id, starts_at, id);
                CREATE TABLE meeting_participants (
                    member_id TEXT NOT NULL,
                    meeting_id TEXT NOT NULL REFERENCES meetings(id),
                    PRIMARY KEY (member_id, meeting_id)
                ) WITHOUT ROWID;

                CREATE TABLE emergency_plans (
                    id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    organization_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    saved_at INTEGER NOT NULL,
                    body TEXT NOT NULL,
                    PRIMARY KEY (id, version)
                ) WITHOUT ROWID;
                CREATE INDEX emergency_plans_by_organization ON emergency_plans(organization_id, id, version);
                CREATE TABLE incidents (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL,
                    plan_id TEXT NOT NULL,
                    trigger_key TEXT NOT NULL,
                    state TEXT NOT NULL,
                    triggered_at INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    body TEXT NOT NULL,
                    UNIQUE (organization_id, trigger_key)
                );
                CREATE INDEX incidents_by_organization ON incidents(organization_id, triggered_at, id);
                CREATE TABLE incident_updates (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    incident_id TEXT NOT NULL REFERENCES incidents(id),
                    posted_at INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX incident_updates_by_incident ON incident_updates(incident_id, sequence);
                CREATE TABLE resource_requests (
                    id TEXT PRIMARY KEY NOT NULL,
                    incident_id TEXT NOT NULL REFERENCES incidents(id),
                    department_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX resource_requests_by_incident ON resource_requests(incident_id, created_at, id);

                -- Timers of records other than work items; they fire like item timers, exactly once.
                CREATE TABLE record_timers (
                    id TEXT PRIMARY KEY NOT NULL,
                    record TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    fire_at INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    fired_at INTEGER
                );
                CREATE INDEX record_timers_due ON record_timers(fire_at, id) WHERE state = 'pending';
                """)
        }
        migrator.registerMigration("v6 partners, purchase orders, customers, tickets") { db in
            try db.execute(sql: """
                CREATE TABLE partnerships (
                    organization_id TEXT NOT NULL,
                    partner_id TEXT NOT NULL REFERENCES organizations(id),
                    role TEXT NOT NULL,
                    invited_by TEXT NOT NULL,
                    invited_at INTEGER NOT NULL,
                    PRIMARY KEY (organization_id, partner_id)
                ) WITHOUT ROWID;
                CREATE INDEX partnerships_by_partner ON partnerships(partner_id, organization_id);

                CREATE TABLE purchase_orders (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL,
                    supplier_id TEXT NOT NULL,
                    number TEXT NOT NULL,
                    state TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    body TEXT NOT NULL,
                    UNIQUE (organization_id, number)
                );
                CREATE INDEX purchase_orders_by_organization ON purchase_orders(organization_id, created_at, id);
                CREATE INDEX purchase_orders_by_supplier ON purchase_orders(supplier_id, created_at, id);
                CREATE TABLE delivery_proposals (
                    id TEXT PRIMARY KEY NOT NULL,
                    order_id TEXT NOT NULL REFERENCES purchase_orders(id),
                    number INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    body TEXT NOT NULL,
                    UNIQUE (order_id, number)
                );

                CREATE TABLE customers (
                    id TEXT PRIMARY KEY NOT NULL REFERENCES organizations(id),
                    organization_id TEXT NOT NULL,
                    customer_key TEXT NOT NULL,
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    body TEXT NOT NULL,
                    UNIQUE (organization_id, customer_key)
                );
                CREATE INDEX customers_by_name ON customers(organization_id, name, id);
                CREATE TABLE customer_contracts (
                    organization_id TEXT NOT NULL,
                    contract_id TEXT NOT NULL,
                    customer_id TEXT NOT NULL REFERENCES customers(id),
                    PRIMARY KEY (organization_id, contract_id)
                ) WITHOUT ROWID;

                CREATE TABLE tickets (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL,
                    customer_id TEXT NOT NULL,
                    state TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX tickets_by_organization ON tickets(organization_id, created_at, id);
                CREATE INDEX tickets_by_customer ON tickets(customer_id, created_at, id);
                -- Every department that handled a ticket: its members keep seeing it.
                CREATE TABLE ticket_departments (
                    department_id TEXT NOT NULL,
                    ticket_id TEXT NOT NULL REFERENCES tickets(id),
                    PRIMARY KEY (department_id, ticket_id)
                ) WITHOUT ROWID;
                CREATE TABLE ticket_messages (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    ticket_id TEXT NOT NULL REFERENCES tickets(id),
                    audience TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX ticket_messages_by_ticket ON ticket_messages(ticket_id, sequence);
                """)
        }
        migrator.registerMigration("v7 outbox lease owners, retention times") { db in
            // Each lease names the dispatcher holding it: results are recorded only under the lease they were
            // attempted under. Idempotency keys get the time retention first saw them (older keys have none).
            try db.execute(sql: """
                ALTER TABLE notifications ADD COLUMN lease_owner TEXT;
                ALTER TABLE idempotency_keys ADD COLUMN recorded_at INTEGER;
                CREATE INDEX idempotency_keys_by_time ON idempotency_keys(recorded_at);
                CREATE INDEX notification_hook_deliveries_by_time ON notification_hook_deliveries(delivered_at);
                CREATE INDEX notifications_read ON notifications(created_at) WHERE read_at IS NOT NULL;
                """)
        }
        migrator.registerMigration("v8 organization settings, settings revision") { db in
            // Run-time settings (ticket routing, service targets, timer defaults) are versioned records, one
            // per organization, the settings as JSON. Every change of them moves the settings revision,
            // whoever makes it: caches of settings compare it, and a change planned against settings commits
            // only under the revision it was planned at.
            try db.execute(sql: """
                CREATE TABLE organization_settings (
                    organization_id TEXT PRIMARY KEY NOT NULL REFERENCES organizations(id),
                    version INTEGER NOT NULL,
                    body TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    updated_by TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE settings_revision (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    value INTEGER NOT NULL
                );
                INSERT INTO settings_revision (id, value) VALUES (1, 0);
                CREATE TRIGGER organization_settings_insert_revision AFTER INSERT ON organization_settings
                    BEGIN UPDATE settings_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER organization_settings_update_revision AFTER UPDATE ON organization_settings
                    BEGIN UPDATE settings_revision SET value = value + 1 WHERE id = 1; END;
                CREATE TRIGGER organization_settings_delete_revision AFTER DELETE ON organization_settings
                    BEGIN UPDATE settings_revision SET value = value + 1 WHERE id = 1; END;
                """)
        }
        migrator.registerMigration("v9 one timer table for every record, with claims") { db in
            // Item timers and record timers become one table keyed by the record ("work_item:<id>",
            // "announcement:<id>", ...). A scheduler claims due timers (claim_token, claim_owner, lease_until on
            // the store's clock) and its acknowledgement fires a timer only while its claim holds.
            try db.execute(sql: """
                CREATE TABLE timers_by_record (
                    id TEXT PRIMARY KEY NOT NULL,
                    record TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    detail TEXT NOT NULL DEFAULT '',
                    fire_at INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    fired_at INTEGER,
                    claim_token TEXT,
                    claim_owner TEXT,
                    lease_until INTEGER
                );
                INSERT INTO timers_by_record (id, record, organization_id, kind, detail, fire_at, state, fired_at)
                    SELECT id, 'work_item:' || item_id, organization_id, kind, '', fire_at, state, fired_at FROM timers;
                INSERT OR IGNORE INTO timers_by_record (id, record, organization_id, kind, detail, fire_at, state, fired_at)
                    SELECT id, record, organization_id, kind, detail, fire_at, state, fired_at FROM record_timers;
                DROP TABLE timers;
                DROP TABLE record_timers;
                ALTER TABLE timers_by_record RENAME TO timers;
                CREATE INDEX timers_due ON timers(fire_at, id) WHERE state = 'pending';
                CREATE INDEX timers_by_record ON timers(record, state);
                """)
        }
        migrator.registerMigration("v10 documents") { db in
            // Documents as records: a JSON body with the columns lists, quotas, retention and the orphan
            // collection read; the digests each document's versions name; the text kept for search.
            try db.execute(sql: """
                CREATE TABLE documents (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL,
                    record TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    deleted_at INTEGER,
                    stored_size INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX documents_by_record ON documents(record, updated_at, id) WHERE deleted_at IS NULL;
                CREATE INDEX documents_by_organization ON documents(organization_id, stored_size)
                    WHERE deleted_at IS NULL;
                CREATE INDEX documents_deleted ON documents(deleted_at, id) WHERE deleted_at IS NOT NULL;
                CREATE TABLE document_digests (
                    digest TEXT NOT NULL,
                    document_id TEXT NOT NULL REFERENCES documents(id),
                    PRIMARY KEY (digest, document_id)
                ) WITHOUT ROWID;
                CREATE INDEX document_digests_by_document ON document_digests(document_id);
                CREATE TABLE document_texts (
                    document_id TEXT PRIMARY KEY NOT NULL REFERENCES documents(id),
                    version_number INTEGER NOT NULL,
                    text TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v11 search across records") { db in
            // One search over work items, documents, announcements, meetings, tickets and orders, with the
            // access keys of who may find each; the records already stored are indexed here.
            try db.execute(sql: SQLiteStore.searchSchema)
            _ = try SQLiteStore.rebuildSearch(db)
        }
        migrator.registerMigration("v12 one text index") { db in
            // Work items' text is in the search index since v11; their own trigram table indexed it a second
            // time on every commit.
            try db.execute(sql: "DROP TABLE work_items_search")
        }
        migrator.registerMigration("v13 search from the reader's records") { db in
            // A reader who may see few records is searched from them: their keys, then their entries.
            try db.execute(sql: SQLiteStore.searchReaderIndexes)
        }
        migrator.registerMigration("v14 locales and notices as data") { db in
            // Who reads in which language, and what each notice says as a catalog key with its values.
            try db.execute(sql: """
                ALTER TABLE organizations ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
                ALTER TABLE members ADD COLUMN locale TEXT;
                ALTER TABLE notifications ADD COLUMN message TEXT;
                """)
        }
        migrator.registerMigration("v15 to-do rows, item rowids in the access index") { db in
            // A member's to-do is one range of `work_item_todo`, kept by the commit; it and the access index
            // carry the item's rowid, so a page reads each of its items' rows without the `id` index.
            try db.execute(sql: SQLiteStore.todoSchema)
            try db.execute(sql: SQLiteStore.todoBackfill)
        }
        migrator.registerMigration("v16 search index brought up to date in batches") { db in
            // A commit records the entries it made stale; a batch, or the next search, re-derives them.
            try db.execute(sql: SQLiteStore.searchBacklogSchema)
        }
        migrator.registerMigration("v17 approval flows and requests") { db in
            try db.execute(sql: SQLiteStore.approvalSchema)
        }
        return migrator
    }()

    /// The to-do rows: one per (member, item, reason) where the member must act now, in deadline order.
    /// `item_rowid` is the item's rowid when the row was written; a read checks it against the item's id.
    static let todoSchema = """
        CREATE TABLE work_item_todo (
            member_id TEXT NOT NULL,
            due_at INTEGER NOT NULL,
            item_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            item_rowid INTEGER NOT NULL,
            PRIMARY KEY (member_id, due_at, item_id, reason)
        ) WITHOUT ROWID;
        ALTER TABLE work_item_access ADD COLUMN item_rowid INTEGER;
        """

    /// Fills `work_item_todo` and `work_item_access.item_rowid` from the items already stored, by the rules
    /// of ``SQLiteStore/todoReasons(of:)`` (the to-do query before v15, source by source).
    static let todoBackfill = """
        UPDATE work_item_access SET item_rowid = (SELECT w.rowid FROM work_items w WHERE w.id = item_id);
        INSERT OR IGNORE INTO work_item_todo (member_id, due_at, item_id, reason, item_rowid)
            SELECT a.key, i.due_at, i.id,
                CASE i.state WHEN 'assigned' THEN 'accept' WHEN 'accepted' THEN 'start' ELSE 'work' END, i.rowid
            FROM work_item_access a JOIN work_items i ON i.id = a.item_id
            WHERE a.kind = 'assignee' AND i.state IN ('assigned', 'accepted', 'in_progress');
        INSERT OR IGNORE INTO work_item_todo (member_id, due_at, item_id, reason, item_rowid)
            SELECT review_by, due_at, id, 'review', rowid FROM work_items WHERE state = 'in_review';
        INSERT OR IGNORE INTO work_item_todo (member_id, due_at, item_id, reason, item_rowid)
            SELECT initiator_id, due_at, id, 'submit_draft', rowid FROM work_items WHERE state = 'draft';
        INSERT OR IGNORE INTO work_item_todo (member_id, due_at, item_id, reason, item_rowid)
            SELECT initiator_id, due_at, id, 'decide_adjustment', rowid FROM work_items
            WHERE pending_adjustment_id IS NOT NULL AND state IN ('assigned', 'accepted', 'in_progress', 'in_review');
        """
}
