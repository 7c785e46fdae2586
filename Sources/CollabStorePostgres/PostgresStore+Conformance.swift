import CollabStore

// Every requirement of the storage seam is implemented in the store's files (+Directory, +WorkItems,
// +ItemReads, +Visibility, +Timers, +Messages, +Scenarios, +External, +Reports, +Retention, +Settings).

extension PostgresStore: WorkItemStore {}

extension PostgresStore: CollabStorage {}
