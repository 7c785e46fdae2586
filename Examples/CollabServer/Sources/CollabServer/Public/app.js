// Collab example server: the web dashboard.
//
// A single-page app without a build step. Routes live in the URL hash (#/todo, #/items/ID, ...). Every page is
// built from the JSON API described in openapi.yaml; the bearer token from POST /api/sessions is kept in
// sessionStorage (per browser tab). Notices arrive live from the server-sent events stream GET /api/events, read
// with fetch() because EventSource cannot send an Authorization header.
//
// Elements that the browser test (Scripts/browser_test.py) uses carry stable `id` or `data-test` attributes.
'use strict';

(() => {
  // ---------------------------------------------------------------------------------------------------------------
  // Texts, in English and Simplified Chinese. `t(key, {name: value})` fills {name} placeholders.
  // ---------------------------------------------------------------------------------------------------------------
  const I18N = {
    en: {
      'app.title': 'Collab',
      'nav.todo': 'To-do', 'nav.items': 'My items', 'nav.newItem': 'New item', 'nav.notices': 'Messages',
      'nav.announcements': 'Announcements', 'nav.board': 'Board', 'nav.orders': 'Orders', 'nav.tickets': 'Tickets',
      'header.signOut': 'Sign out', 'header.toggle': '中文',
      'events.open': 'Live updates connected', 'events.connecting': 'Connecting to live updates…',
      'events.closed': 'Live updates disconnected; reconnecting in {s} s',
      'loading': 'Loading…', 'save': 'Save', 'cancel': 'Cancel', 'none': '(none)', 'empty': 'Nothing here.',
      'yes': 'yes', 'no': 'no', 'open': 'Open', 'back': 'Back',
      'err.network': 'The server cannot be reached.', 'err.title': 'The request failed',
      'err.required': '{field} is required.', 'err.session': 'Your session has ended; please sign in again.',
      'notFound.title': 'Not found', 'notFound.body': 'This page does not exist, or you may not see it.',
      'signin.title': 'Sign in', 'signin.member': 'Member', 'signin.passcode': 'Passcode', 'signin.submit': 'Sign in',
      'signin.hint': 'Every demo member signs in with the passcode the server was started with (default: collab).',
      'signin.internal': 'Acme (internal)', 'signin.other': 'Globex (another company)',
      'signin.outside': 'Suppliers and customers (outside)',
      'role.zhao.lei': 'marketing head', 'role.chen.jing': 'marketing', 'role.wang.fang': 'technology head',
      'role.li.wei': 'technology', 'role.liu.yang': 'production head', 'role.sun.hao': 'production',
      'role.gao.min': 'purchasing head, buyer', 'role.qian.yu': 'sales head', 'role.song.jia': 'after-sales head',
      'role.he.ping': 'administrator, plant director', 'role.wu.old': 'technology, deactivated',
      'role.eve.li': 'globex', 'role.ma.lin': 'supplier ningbo-precision', 'role.he.tao': 'supplier suzhou-thermal',
      'role.zhu.lan': 'customer hz-home',
      'todo.title': 'To-do', 'todo.reasons': 'Why',
      'reason.submit_draft': 'submit your draft', 'reason.accept': 'accept it', 'reason.start': 'start it',
      'reason.work': 'work on it', 'reason.review': 'review it', 'reason.decide_adjustment': 'decide a deadline request',
      'items.title': 'My items', 'items.scope': 'Show', 'items.stateFilter': 'State', 'items.anyState': 'any state',
      'scope.assigned': 'assigned to me', 'scope.initiated': 'initiated by me', 'scope.review': 'to review',
      'scope.all': 'all I may see', 'items.overdue': 'overdue',
      'col.title': 'Title', 'col.state': 'State', 'col.priority': 'Priority', 'col.due': 'Due',
      'col.assignees': 'Assignees', 'col.initiator': 'Initiator', 'col.reviewer': 'Reviewer', 'col.at': 'When',
      'col.actor': 'Who', 'col.action': 'Action', 'col.detail': 'Detail', 'col.status': 'Status',
      'col.reason': 'Reason', 'col.newDue': 'New due date', 'col.requester': 'Requested by',
      'new.title': 'New item', 'new.fTitle': 'Title', 'new.description': 'Description', 'new.assignee': 'Assignee',
      'new.reviewer': 'Reviewer', 'new.due': 'Due date', 'new.priority': 'Priority', 'new.submit': 'Create item',
      'new.choose': 'Choose…', 'new.created': 'Item created.',
      'state.draft': 'Draft', 'state.assigned': 'Assigned', 'state.accepted': 'Accepted',
      'state.in_progress': 'In progress', 'state.in_review': 'In review', 'state.completed': 'Completed',
      'state.cancelled': 'Cancelled',
      'priority.high': 'High', 'priority.medium': 'Medium', 'priority.low': 'Low',
      'item.description': 'Description', 'item.progress': 'Progress', 'item.departments': 'Departments',
      'item.tags': 'Tags', 'item.attachments': 'Files', 'item.actions': 'What you can do',
      'item.noActions': 'Nothing for you to do on this item now.', 'item.progressLog': 'Progress reports',
      'item.adjustments': 'Deadline adjustment requests', 'item.audit': 'Audit trail', 'item.created': 'Created',
      'item.closed': 'Closed', 'item.version': 'Version', 'item.pendingAdjustment': 'A deadline change is pending.',
      'action.accept': 'Accept', 'action.report_progress': 'Report progress',
      'action.submit_for_review': 'Submit for review', 'action.approve': 'Approve', 'action.reject': 'Reject',
      'action.request_adjustment': 'Request a new deadline', 'action.decide_adjustment': 'Decide deadline requests',
      'action.reassign': 'Reassign',
      'done.accept': 'Accepted.', 'done.report_progress': 'Progress reported.',
      'done.submit_for_review': 'Submitted for review.', 'done.approve': 'Approved.', 'done.reject': 'Rejected.',
      'done.request_adjustment': 'Deadline change requested.', 'done.reassign': 'Reassigned.',
      'done.adjustmentApproved': 'Deadline change approved.', 'done.adjustmentRejected': 'Deadline change rejected.',
      'progress.text': 'What was done', 'progress.percent': 'Percent complete', 'progress.file': 'Attach a file',
      'progress.submit': 'Send report',
      'reject.reason': 'Reason for rejecting (required)', 'reject.submit': 'Reject',
      'adjust.date': 'New due date', 'adjust.reason': 'Reason', 'adjust.submit': 'Request',
      'adjust.approve': 'Approve', 'adjust.reject': 'Reject', 'adjust.rejectReason': 'Reason for rejecting',
      'reassign.from': 'From', 'reassign.to': 'To', 'reassign.reason': 'Reason', 'reassign.submit': 'Reassign',
      'audit.create': 'created', 'audit.submit': 'sent to the assignees', 'audit.accept': 'accepted',
      'audit.start': 'started', 'audit.report_progress': 'reported progress', 'audit.submit_for_review': 'submitted for review',
      'audit.approve': 'approved', 'audit.reject': 'rejected', 'audit.request_adjustment': 'asked for a new deadline',
      'audit.approve_adjustment': 'approved the deadline change', 'audit.reject_adjustment': 'rejected the deadline change',
      'audit.withdraw_adjustment': 'deadline request withdrawn', 'audit.reassign': 'reassigned', 'audit.cancel': 'cancelled',
      'audit.comment': 'commented', 'audit.share': 'shared', 'audit.unshare': 'stopped sharing', 'audit.watch': 'followed',
      'audit.unwatch': 'stopped following', 'audit.wait_external': 'waiting for an outside party',
      'audit.resume_external': 'resumed', 'audit.withdraw_review': 'review withdrawn',
      'audit.upload_document': 'attached a file', 'audit.upload_document_version': 'attached a new version',
      'notices.title': 'Message center', 'notices.markRead': 'Mark read', 'notices.markAll': 'Mark all read',
      'notices.unreadOnly': 'Unread only', 'notices.new': 'New message', 'notices.marked': '{n} marked read.',
      'notices.openRecord': 'Open',
      'ann.title': 'Announcements', 'ann.pinned': 'Pinned', 'ann.ackNeeded': 'Please acknowledge',
      'ann.ackBy': 'Acknowledge by {d}', 'ann.acknowledged': 'Acknowledged', 'ann.acknowledge': 'Acknowledge',
      'ann.by': 'From {name}, {d}', 'ann.publish': 'Publish an announcement', 'ann.fTitle': 'Title',
      'ann.body': 'Text', 'ann.departments': 'Departments (none: everyone)', 'ann.requireAck': 'Ask for acknowledgement by',
      'ann.fPinned': 'Pin it', 'ann.submit': 'Publish', 'ann.published': 'Published.',
      'ann.reach': 'Reach', 'ann.recipients': 'Recipients', 'ann.delivered': 'Delivered', 'ann.read': 'Read',
      'ann.acks': 'Acknowledged', 'col.department': 'Department',
      'board.title': 'Department board', 'board.department': 'Department', 'board.organization': 'Whole organization',
      'board.created': 'Created', 'board.open': 'Open', 'board.completed': 'Completed',
      'board.onTime': 'Completed on time', 'board.overdue': 'Overdue and open', 'board.completionRate': 'Completion rate',
      'board.onTimeRate': 'On-time rate', 'board.byDepartment': 'By department', 'board.charts': 'Charts',
      'board.topOverdue': 'Most overdue', 'board.generated': 'Generated {d}', 'board.xlsx': 'Download workbook (.xlsx)',
      'board.csv': 'Download items (.csv)', 'board.downloaded': 'Downloaded {name} ({size} bytes).',
      'board.chartInvalid': 'The chart could not be read.', 'board.label': 'Label',
      'dept.marketing': 'Marketing', 'dept.technology': 'Technology', 'dept.production': 'Production',
      'dept.purchasing': 'Purchasing', 'dept.sales': 'Sales', 'dept.after_sales': 'After-sales',
      'orders.title': 'Purchase orders', 'orders.number': 'Number', 'orders.buyer': 'Buyer', 'orders.supplier': 'Supplier',
      'orders.lines': 'Lines', 'orders.line': 'Line', 'orders.description': 'Description', 'orders.quantity': 'Quantity',
      'orders.requested': 'Required by', 'orders.confirmed': 'Confirmed', 'orders.proposals': 'Delivery-date proposals',
      'orders.side': 'Side', 'orders.author': 'By', 'orders.note': 'Note', 'orders.dates': 'Dates',
      'orders.propose': 'Propose delivery dates', 'orders.submitProposal': 'Send proposal',
      'orders.confirm': 'Confirm', 'orders.proposed': 'Proposal sent.', 'orders.confirmedDone': 'Proposal confirmed.',
      'orders.needDate': 'Give at least one date.',
      'tickets.title': 'Tickets', 'tickets.new': 'Open a ticket', 'tickets.fTitle': 'Title', 'tickets.body': 'Describe the request',
      'tickets.category': 'Category', 'tickets.priority': 'Priority', 'tickets.submit': 'Open ticket',
      'tickets.customer': 'Customer', 'tickets.opened': 'Opened', 'tickets.messages': 'Messages',
      'tickets.reply': 'Reply', 'tickets.internal': 'Internal note (the customer never sees it)',
      'tickets.sendReply': 'Send', 'tickets.replied': 'Reply sent.', 'tickets.internalTag': 'internal',
      'tickets.openedDone': 'Ticket opened.',
      'ostatus.awaiting_proposal': 'awaiting a proposal', 'ostatus.proposed': 'dates proposed',
      'ostatus.countered': 'counter-proposed', 'ostatus.confirmed': 'confirmed', 'ostatus.cancelled': 'cancelled',
      'pstatus.open': 'open', 'pstatus.countered': 'countered', 'pstatus.superseded': 'superseded',
      'pstatus.confirmed': 'confirmed', 'side.supplier': 'supplier', 'side.buyer': 'buyer',
      'tstatus.open': 'open', 'tstatus.waiting_for_customer': 'waiting for the customer', 'tstatus.resolved': 'resolved',
      'tstatus.closed': 'closed', 'adjstatus.pending': 'pending', 'adjstatus.approved': 'approved',
      'adjstatus.rejected': 'rejected', 'adjstatus.withdrawn': 'withdrawn',
    },
    zh: {
      'app.title': 'Collab 协同',
      'nav.todo': '待办', 'nav.items': '我的事项', 'nav.newItem': '新建事项', 'nav.notices': '消息',
      'nav.announcements': '公告', 'nav.board': '部门看板', 'nav.orders': '采购订单', 'nav.tickets': '工单',
      'header.signOut': '退出登录', 'header.toggle': 'English',
      'events.open': '实时通知已连接', 'events.connecting': '正在连接实时通知…',
      'events.closed': '实时通知已断开，{s} 秒后重连',
      'loading': '加载中…', 'save': '保存', 'cancel': '取消', 'none': '（无）', 'empty': '暂无内容。',
      'yes': '是', 'no': '否', 'open': '打开', 'back': '返回',
      'err.network': '无法连接服务器。', 'err.title': '请求失败',
      'err.required': '请填写{field}。', 'err.session': '登录已失效，请重新登录。',
      'notFound.title': '未找到', 'notFound.body': '该页面不存在，或您无权查看。',
      'signin.title': '登录', 'signin.member': '成员', 'signin.passcode': '口令', 'signin.submit': '登录',
      'signin.hint': '演示成员均使用服务器启动时设定的口令登录（默认：collab）。',
      'signin.internal': 'Acme（内部）', 'signin.other': 'Globex（其他公司）', 'signin.outside': '供应商与客户（外部）',
      'role.zhao.lei': '市场部负责人', 'role.chen.jing': '市场部', 'role.wang.fang': '技术部负责人',
      'role.li.wei': '技术部', 'role.liu.yang': '生产部负责人', 'role.sun.hao': '生产部',
      'role.gao.min': '采购部负责人，采购员', 'role.qian.yu': '销售部负责人', 'role.song.jia': '售后部负责人',
      'role.he.ping': '管理员，厂长', 'role.wu.old': '技术部，已停用',
      'role.eve.li': 'globex', 'role.ma.lin': '供应商 ningbo-precision', 'role.he.tao': '供应商 suzhou-thermal',
      'role.zhu.lan': '客户 hz-home',
      'todo.title': '待办', 'todo.reasons': '原因',
      'reason.submit_draft': '提交草稿', 'reason.accept': '待接受', 'reason.start': '待开始',
      'reason.work': '办理中', 'reason.review': '待审核', 'reason.decide_adjustment': '审批期限调整',
      'items.title': '我的事项', 'items.scope': '范围', 'items.stateFilter': '状态', 'items.anyState': '全部状态',
      'scope.assigned': '指派给我的', 'scope.initiated': '我发起的', 'scope.review': '待我审核的',
      'scope.all': '我可见的全部', 'items.overdue': '已逾期',
      'col.title': '标题', 'col.state': '状态', 'col.priority': '优先级', 'col.due': '截止',
      'col.assignees': '负责人', 'col.initiator': '发起人', 'col.reviewer': '审核人', 'col.at': '时间',
      'col.actor': '操作人', 'col.action': '操作', 'col.detail': '详情', 'col.status': '状态',
      'col.reason': '原因', 'col.newDue': '新截止日期', 'col.requester': '申请人',
      'new.title': '新建事项', 'new.fTitle': '标题', 'new.description': '描述', 'new.assignee': '负责人',
      'new.reviewer': '审核人', 'new.due': '截止日期', 'new.priority': '优先级', 'new.submit': '创建事项',
      'new.choose': '请选择…', 'new.created': '事项已创建。',
      'state.draft': '草稿', 'state.assigned': '已指派', 'state.accepted': '已接受',
      'state.in_progress': '进行中', 'state.in_review': '待审核', 'state.completed': '已完成',
      'state.cancelled': '已取消',
      'priority.high': '高', 'priority.medium': '中', 'priority.low': '低',
      'item.description': '描述', 'item.progress': '进度', 'item.departments': '部门',
      'item.tags': '标签', 'item.attachments': '附件', 'item.actions': '可执行的操作',
      'item.noActions': '您当前对此事项无可执行的操作。', 'item.progressLog': '进度汇报',
      'item.adjustments': '期限调整申请', 'item.audit': '审计记录', 'item.created': '创建时间',
      'item.closed': '关闭时间', 'item.version': '版本', 'item.pendingAdjustment': '有待审批的期限调整。',
      'action.accept': '接受', 'action.report_progress': '汇报进度',
      'action.submit_for_review': '提交审核', 'action.approve': '通过', 'action.reject': '驳回',
      'action.request_adjustment': '申请调整期限', 'action.decide_adjustment': '审批期限调整',
      'action.reassign': '转派',
      'done.accept': '已接受。', 'done.report_progress': '进度已汇报。',
      'done.submit_for_review': '已提交审核。', 'done.approve': '已通过。', 'done.reject': '已驳回。',
      'done.request_adjustment': '已申请调整期限。', 'done.reassign': '已转派。',
      'done.adjustmentApproved': '已批准期限调整。', 'done.adjustmentRejected': '已驳回期限调整。',
      'progress.text': '完成情况', 'progress.percent': '完成百分比', 'progress.file': '附加文件',
      'progress.submit': '提交汇报',
      'reject.reason': '驳回原因（必填）', 'reject.submit': '驳回',
      'adjust.date': '新截止日期', 'adjust.reason': '原因', 'adjust.submit': '提交申请',
      'adjust.approve': '批准', 'adjust.reject': '驳回', 'adjust.rejectReason': '驳回原因',
      'reassign.from': '原负责人', 'reassign.to': '新负责人', 'reassign.reason': '原因', 'reassign.submit': '转派',
      'audit.create': '创建', 'audit.submit': '下发给负责人', 'audit.accept': '接受',
      'audit.start': '开始', 'audit.report_progress': '汇报进度', 'audit.submit_for_review': '提交审核',
      'audit.approve': '审核通过', 'audit.reject': '驳回', 'audit.request_adjustment': '申请调整期限',
      'audit.approve_adjustment': '批准期限调整', 'audit.reject_adjustment': '驳回期限调整',
      'audit.withdraw_adjustment': '期限申请已撤回', 'audit.reassign': '转派', 'audit.cancel': '取消',
      'audit.comment': '评论', 'audit.share': '共享', 'audit.unshare': '取消共享', 'audit.watch': '关注',
      'audit.unwatch': '取消关注', 'audit.wait_external': '等待外部方', 'audit.resume_external': '恢复',
      'audit.withdraw_review': '撤回审核', 'audit.upload_document': '上传附件', 'audit.upload_document_version': '上传新版本',
      'notices.title': '消息中心', 'notices.markRead': '标为已读', 'notices.markAll': '全部标为已读',
      'notices.unreadOnly': '仅看未读', 'notices.new': '新消息', 'notices.marked': '已将 {n} 条标为已读。',
      'notices.openRecord': '查看',
      'ann.title': '公告', 'ann.pinned': '置顶', 'ann.ackNeeded': '请确认已阅',
      'ann.ackBy': '请于 {d} 前确认', 'ann.acknowledged': '已确认', 'ann.acknowledge': '确认已阅',
      'ann.by': '{name}，{d}', 'ann.publish': '发布公告', 'ann.fTitle': '标题',
      'ann.body': '正文', 'ann.departments': '部门（不选：全员）', 'ann.requireAck': '要求确认的截止时间',
      'ann.fPinned': '置顶', 'ann.submit': '发布', 'ann.published': '已发布。',
      'ann.reach': '触达情况', 'ann.recipients': '接收人数', 'ann.delivered': '已送达', 'ann.read': '已读',
      'ann.acks': '已确认', 'col.department': '部门',
      'board.title': '部门看板', 'board.department': '部门', 'board.organization': '全公司',
      'board.created': '新建', 'board.open': '未完成', 'board.completed': '已完成',
      'board.onTime': '按期完成', 'board.overdue': '逾期未完成', 'board.completionRate': '完成率',
      'board.onTimeRate': '按期率', 'board.byDepartment': '各部门', 'board.charts': '图表',
      'board.topOverdue': '逾期最久', 'board.generated': '生成于 {d}', 'board.xlsx': '下载报表（.xlsx）',
      'board.csv': '下载事项（.csv）', 'board.downloaded': '已下载 {name}（{size} 字节）。',
      'board.chartInvalid': '图表无法读取。', 'board.label': '名称',
      'dept.marketing': '市场部', 'dept.technology': '技术部', 'dept.production': '生产部',
      'dept.purchasing': '采购部', 'dept.sales': '销售部', 'dept.after_sales': '售后服务部',
      'orders.title': '采购订单', 'orders.number': '订单号', 'orders.buyer': '采购方', 'orders.supplier': '供应商',
      'orders.lines': '订单行', 'orders.line': '行号', 'orders.description': '描述', 'orders.quantity': '数量',
      'orders.requested': '需求日期', 'orders.confirmed': '确认交期', 'orders.proposals': '交期提案',
      'orders.side': '提出方', 'orders.author': '提出人', 'orders.note': '备注', 'orders.dates': '日期',
      'orders.propose': '提出交货日期', 'orders.submitProposal': '发送提案',
      'orders.confirm': '确认', 'orders.proposed': '提案已发送。', 'orders.confirmedDone': '提案已确认。',
      'orders.needDate': '请至少填写一个日期。',
      'tickets.title': '工单', 'tickets.new': '新建工单', 'tickets.fTitle': '标题', 'tickets.body': '请描述需求',
      'tickets.category': '类别', 'tickets.priority': '优先级', 'tickets.submit': '提交工单',
      'tickets.customer': '客户', 'tickets.opened': '创建时间', 'tickets.messages': '沟通记录',
      'tickets.reply': '回复', 'tickets.internal': '内部备注（客户不可见）',
      'tickets.sendReply': '发送', 'tickets.replied': '已回复。', 'tickets.internalTag': '内部',
      'tickets.openedDone': '工单已创建。',
      'ostatus.awaiting_proposal': '待供应商提案', 'ostatus.proposed': '已提交交期', 'ostatus.countered': '已还价',
      'ostatus.confirmed': '已确认', 'ostatus.cancelled': '已取消',
      'pstatus.open': '待确认', 'pstatus.countered': '已还价', 'pstatus.superseded': '已被取代', 'pstatus.confirmed': '已确认',
      'side.supplier': '供应商', 'side.buyer': '采购方',
      'tstatus.open': '处理中', 'tstatus.waiting_for_customer': '等待客户', 'tstatus.resolved': '已解决', 'tstatus.closed': '已关闭',
      'adjstatus.pending': '待审批', 'adjstatus.approved': '已批准', 'adjstatus.rejected': '已驳回', 'adjstatus.withdrawn': '已撤回',
    },
  };

  // The demo's members (IDs from the seed), grouped as on the sign-in page.
  const DEMO_MEMBERS = [
    ['signin.internal', ['zhao.lei', 'chen.jing', 'wang.fang', 'li.wei', 'liu.yang', 'sun.hao', 'gao.min', 'qian.yu',
      'song.jia', 'he.ping', 'wu.old']],
    ['signin.other', ['eve.li']],
    ['signin.outside', ['ma.lin', 'he.tao', 'zhu.lan']],
  ];
  const DEPARTMENTS = ['marketing', 'technology', 'production', 'purchasing', 'sales', 'after_sales'];
  const ITEM_ACTIONS = ['accept', 'report_progress', 'submit_for_review', 'approve', 'reject', 'request_adjustment',
    'decide_adjustment', 'reassign'];

  // ---------------------------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------------------------
  const state = {
    token: sessionStorage.getItem('collab.token'),
    me: null,
    // An explicit choice from the header toggle wins over the member's locale.
    langChoice: sessionStorage.getItem('collab.lang'),
    lang: 'en',
    members: null,  // GET /api/members, internal members only
    unread: 0,
    flash: null,    // a success message shown once on the next page
  };
  state.lang = state.langChoice || (/^zh/i.test(navigator.language || '') ? 'zh' : 'en');

  function t(key, vars) {
    let s = I18N[state.lang][key] ?? I18N.en[key] ?? key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }
  // A translated label for a value from the API (a state, an action, ...), or the value itself when unknown.
  function tv(prefix, value) {
    const key = prefix + '.' + value;
    return (I18N[state.lang][key] ?? I18N.en[key]) || value;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // DOM helpers. Text from the API always goes in as text nodes (never as markup), except the server's SVG charts.
  // ---------------------------------------------------------------------------------------------------------------
  const $ = (sel, root = document) => root.querySelector(sel);

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'value') el.value = v;
      else if (k === 'checked' || k === 'selected') el[k] = !!v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c == null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  function link(href, text, attrs = {}) { return h('a', { href, ...attrs }, text); }
  function field(labelText, control, extra) {
    return h('label', { class: 'field' }, h('span', { class: 'label' }, labelText), control, extra);
  }
  function table(headers, rows, attrs = {}) {
    return h('table', attrs,
      h('thead', null, h('tr', null, headers.map((x) => h('th', null, x)))),
      h('tbody', null, rows));
  }
  function option(value, text, selected) { return h('option', { value, selected }, text); }

  function fmtDateTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return new Intl.DateTimeFormat(state.lang === 'zh' ? 'zh-CN' : 'en-GB',
      { dateStyle: 'medium', timeStyle: 'short' }).format(d);
  }
  function isoDay(d) {
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  }
  function daysFromNow(n) { const d = new Date(); d.setDate(d.getDate() + n); return isoDay(d); }
  function pct(x) { return x == null ? '–' : `${Math.round(x * 1000) / 10}%`; }
  function nameOf(id, names) {
    if (names && names[id]) return names[id];
    const m = state.members && state.members.find((x) => x.id === id);
    return m ? m.name : id;
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The API
  // ---------------------------------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, message, problems) {
      super(message);
      this.status = status; this.code = code; this.problems = problems || [];
    }
  }

  // Calls the API; answers the decoded JSON (or the Response itself with raw), throws ApiError otherwise.
  // Writes send a fresh Idempotency-Key.
  async function api(method, path, body, { raw = false } = {}) {
    // A file download accepts any type (the server checks Accept against the type it answers).
    const headers = { Accept: raw ? '*/*' : 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method === 'POST') headers['Idempotency-Key'] = newKey();
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, 'network', t('err.network'));
    }
    if (!res.ok) {
      let err = { code: 'http_' + res.status, message: `HTTP ${res.status} ${res.statusText}` };
      try { err = await res.json(); } catch (e) { /* not JSON: keep the status line */ }
      if (res.status === 401 && state.token) sessionExpired();
      throw new ApiError(res.status, err.code, err.message || err.code, err.problems);
    }
    if (raw) return res;
    if (res.status === 204) return null;
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }

  // An error box for an API error (its message and each problem), or for a plain message.
  function errorBox(err, attrs = {}) {
    const box = h('div', { class: 'error', role: 'alert', 'data-test': 'error', ...attrs });
    if (err instanceof ApiError) {
      box.dataset.code = err.code || '';
      box.dataset.status = String(err.status);
      append(box, [h('strong', null, err.message || t('err.title')),
        err.code && err.status ? h('span', { class: 'code' }, ` (${err.code})`) : null]);
      if (err.problems && err.problems.length) {
        append(box, [h('ul', null, err.problems.map((p) => h('li', null, p.field ? `${p.field}: ${p.message}` : p.message)))]);
      }
    } else {
      append(box, [String(err && err.message ? err.message : err)]);
    }
    return box;
  }
  // Shows an error in `slot` (an element emptied first); logs unexpected ones to the console too.
  function showError(slot, err) {
    if (!(err instanceof ApiError) && !(err instanceof InputError)) console.error(err);
    slot.replaceChildren(errorBox(err));
  }

  // Runs `work` for a form: disables its button while it runs and shows any error in the form's error slot.
  async function submitting(form, work) {
    const slot = $('.form-error', form);
    const buttons = form.querySelectorAll('button');
    slot.replaceChildren();
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await work();
    } catch (err) {
      showError(slot, err);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }
  function formError() { return h('div', { class: 'form-error' }); }
  // A problem found before anything is sent (shown like the API's errors, not logged).
  class InputError extends Error {}
  function requireValue(value, label) {
    if (!String(value || '').trim()) throw new InputError(t('err.required', { field: label }));
  }

  // Reads a chosen file as base64 (without the data: URL prefix).
  function fileBase64(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  // Fetches a protected file with the token and saves it through an object URL.
  async function download(path, fallbackName, statusSlot) {
    const res = await api('GET', path, undefined, { raw: true });
    const blob = await res.blob();
    const cd = res.headers.get('Content-Disposition') || '';
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
    const name = m ? decodeURIComponent(m[1]) : fallbackName;
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    if (statusSlot) {
      statusSlot.replaceChildren(h('span', { class: 'ok', 'data-test': 'download-done', 'data-name': name,
        'data-size': blob.size }, t('board.downloaded', { name, size: blob.size })));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Session
  // ---------------------------------------------------------------------------------------------------------------
  function applyLocale() {
    if (!state.langChoice && state.me) state.lang = /^zh/i.test(state.me.locale || '') ? 'zh' : 'en';
    document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('app.title');
  }

  async function signIn(memberID, passcode) {
    const session = await api('POST', '/api/sessions', { member: memberID, passcode });
    state.token = session.token;
    sessionStorage.setItem('collab.token', session.token);
    state.me = session.member;
    await afterSignIn();
  }

  async function afterSignIn() {
    applyLocale();
    state.members = null;
    if (!state.me.outside) state.members = await api('GET', '/api/members');
    renderHeader();
    startEvents();
    refreshUnread();
  }

  function clearSession() {
    stopEvents();
    state.token = null; state.me = null; state.members = null; state.unread = 0;
    // The next member in this tab starts afresh: their own locale, default filters and board.
    for (const key of ['collab.token', 'collab.lang', 'collab.scope', 'collab.stateFilter', 'collab.unreadOnly',
      'collab.boardDepartment']) sessionStorage.removeItem(key);
    state.langChoice = null;
    renderHeader();
  }

  async function signOut() {
    let failure = null;
    try { await api('DELETE', '/api/sessions/current'); } catch (err) { failure = err; }
    clearSession();
    // Signed out here either way; say so if the server could not end the session.
    if (failure && failure.status !== 401) toast(t('err.title'), failure.message, 'error');
    location.hash = '#/signin';
  }

  // A 401 on a request that carried a token: the session is gone.
  function sessionExpired() {
    clearSession();
    state.flash = { error: t('err.session') };
    if (location.hash !== '#/signin') location.hash = '#/signin';
  }

  function homeRoute() { return state.me && state.me.outside ? '#/orders' : '#/todo'; }

  // ---------------------------------------------------------------------------------------------------------------
  // Header, unread badge and toasts
  // ---------------------------------------------------------------------------------------------------------------
  function renderHeader() {
    const nav = $('#nav');
    nav.replaceChildren();
    const signedIn = !!state.me;
    $('#unread-link').hidden = !signedIn;
    $('#sign-out').hidden = !signedIn;
    $('#events-status').hidden = !signedIn;
    $('#sign-out').textContent = t('header.signOut');
    $('#lang-toggle').textContent = t('header.toggle');
    $('#unread-label').textContent = t('nav.notices');
    $('#me-name').textContent = signedIn ? `${state.me.name} · ${state.me.organizationName}` : '';
    $('#brand').textContent = t('app.title');
    if (signedIn) {
      const entries = state.me.outside
        ? [['#/orders', 'nav.orders'], ['#/tickets', 'nav.tickets']]
        : [['#/todo', 'nav.todo'], ['#/items', 'nav.items'], ['#/items/new', 'nav.newItem'],
          ['#/announcements', 'nav.announcements'], ['#/board', 'nav.board'], ['#/orders', 'nav.orders'],
          ['#/tickets', 'nav.tickets']];
      for (const [href, key] of entries) {
        nav.append(link(href, t(key), { 'data-test': 'nav-' + key.slice(4), class: 'nav-link' }));
      }
      markActiveNav();
    }
    setBadge(state.unread);
    setEventsStatus($('#events-status').dataset.state);
  }
  function markActiveNav() {
    const hash = location.hash || '';
    document.querySelectorAll('#nav a').forEach((a) => {
      const href = a.getAttribute('href');
      a.classList.toggle('active', hash === href || (href !== '#/items' && hash.startsWith(href + '/') &&
        !(href === '#/items' && hash === '#/items/new')));
    });
  }

  function setBadge(n) {
    state.unread = n;
    const badge = $('#unread-badge');
    badge.textContent = String(n);
    badge.dataset.count = String(n);
    badge.hidden = !(n > 0);
  }

  async function refreshUnread() {
    if (!state.token) return;
    try {
      const page = await api('GET', '/api/notices?unread=true&limit=1');
      setBadge(page.unreadCount);
    } catch (err) {
      if (err.status !== 401) toast(t('err.title'), err.message, 'error');
    }
  }

  // A small message in the corner for a few seconds; `onclick` opens what it is about.
  function toast(title, body, kind = 'info', onclick) {
    const el = h('div', { class: 'toast ' + kind, 'data-test': 'toast', role: 'status' },
      h('strong', null, title), body ? h('div', { class: 'toast-body' }, body) : null);
    if (onclick) { el.classList.add('clickable'); el.addEventListener('click', () => { el.remove(); onclick(); }); }
    $('#toasts').append(el);
    setTimeout(() => el.remove(), 8000);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The live stream: GET /api/events as server-sent events over fetch(), so that the Authorization header can be sent.
  // Events are blocks of `field: value` lines separated by a blank line; lines starting with ':' are keep-alives.
  // ---------------------------------------------------------------------------------------------------------------
  const stream = { ctrl: null, retries: 0, timer: null, lastEventID: null };

  function setEventsStatus(s, seconds) {
    const dot = $('#events-status');
    dot.dataset.state = s;
    document.body.dataset.events = s;  // the browser test waits for "open" before causing a notice
    dot.title = s === 'open' ? t('events.open') : s === 'connecting' ? t('events.connecting')
      : t('events.closed', { s: seconds ?? '…' });
  }

  function stopEvents() {
    if (stream.ctrl) stream.ctrl.abort();
    stream.ctrl = null;
    clearTimeout(stream.timer);
    stream.retries = 0;
    setEventsStatus('closed');
  }

  function startEvents() {
    stopEvents();
    connectEvents();
  }

  async function connectEvents() {
    const ctrl = new AbortController();
    stream.ctrl = ctrl;
    setEventsStatus('connecting');
    try {
      const headers = { Authorization: 'Bearer ' + state.token, Accept: 'text/event-stream' };
      if (stream.lastEventID) headers['Last-Event-ID'] = stream.lastEventID;
      const res = await fetch('/api/events', { headers, signal: ctrl.signal, cache: 'no-store' });
      if (res.status === 401) { sessionExpired(); return; }
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      // "open" once the first bytes arrive: the server's first event ("ready") says the stream is subscribed.
      await readEvents(res.body, ctrl.signal, () => {
        setEventsStatus('open');
        stream.retries = 0;
        refreshUnread();  // whatever arrived while the stream was down
      });
    } catch (err) {
      if (ctrl.signal.aborted) return;  // signed out or restarted on purpose
      console.warn('event stream:', err);
    }
    if (ctrl.signal.aborted || stream.ctrl !== ctrl) return;
    // The stream ended or failed: reconnect with exponential backoff (1 s, 2 s, 4 s ... at most 30 s, plus jitter).
    const delay = Math.min(30000, 1000 * 2 ** stream.retries) + Math.floor(Math.random() * 500);
    stream.retries += 1;
    setEventsStatus('closed', Math.round(delay / 1000));
    stream.timer = setTimeout(() => { if (stream.ctrl === ctrl) connectEvents(); }, delay);
  }

  async function readEvents(body, signal, onFirstBytes) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { type: 'message', data: [] };
    let first = true;
    for (;;) {
      const { value, done } = await reader.read();
      if (done || signal.aborted) return;
      if (first && value) { first = false; onFirstBytes(); }
      buffer += value;
      const lines = buffer.split('\n');
      buffer = lines.pop();  // an incomplete last line waits for the next chunk
      for (let line of lines) {
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {  // a blank line ends the event
          if (event.data.length) dispatchEvent(event.type, event.data.join('\n'));
          event = { type: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;  // a comment: the server's keep-alive
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? '' : line.slice(colon + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (name === 'event') event.type = val;
        else if (name === 'data') event.data.push(val);
        else if (name === 'id') stream.lastEventID = val;
      }
    }
  }

  function dispatchEvent(type, data) {
    if (type !== 'notice') return;
    let notice;
    try { notice = JSON.parse(data); } catch (e) { notice = { title: data }; }
    setBadge(state.unread + 1);  // at once; the server's count follows
    refreshUnread();
    toast(notice.title || t('notices.new'), notice.body, 'info', () => { location.hash = recordRoute(notice) || '#/notices'; });
    if (currentPath().startsWith('/notices')) render();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Router
  // ---------------------------------------------------------------------------------------------------------------
  const routes = [
    [/^\/signin$/, viewSignIn],
    [/^\/todo$/, viewTodo],
    [/^\/items$/, viewItems],
    [/^\/items\/new$/, viewNewItem],
    [/^\/items\/([^/]+)$/, viewItem],
    [/^\/notices$/, viewNotices],
    [/^\/announcements$/, viewAnnouncements],
    [/^\/announcements\/([^/]+)$/, viewAnnouncement],
    [/^\/board$/, viewBoard],
    [/^\/orders$/, viewOrders],
    [/^\/orders\/([^/]+)$/, viewOrder],
    [/^\/tickets$/, viewTickets],
    [/^\/tickets\/new$/, viewNewTicket],
    [/^\/tickets\/([^/]+)$/, viewTicket],
  ];
  let renderSeq = 0;

  function currentPath() { return (location.hash || '').replace(/^#/, '') || '/'; }

  async function render() {
    const seq = ++renderSeq;
    const path = currentPath();
    const main = $('#main');
    if (!state.token || !state.me) {
      if (path !== '/signin') { location.hash = '#/signin'; return; }
    } else if (path === '/' || path === '/signin') {
      location.hash = homeRoute();
      return;
    }
    markActiveNav();
    let view = null;
    let name = 'not-found';
    const route = routes.find(([re]) => re.test(path));
    // Outside members' menu shows only their portal; an internal page's address still asks the API, which answers
    // them 404 as for a missing record, so the page says "not found" (the rule is the server's, not this page's).
    if (route) {
      const params = path.match(route[0]).slice(1).map(decodeURIComponent);
      name = route[1].name.replace(/^view/, '').toLowerCase();
      main.dataset.view = 'loading';
      try {
        view = await route[1](...params);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) { view = null; name = 'not-found'; } else {
          view = h('section', null, h('h1', null, t('err.title')), errorBox(err));
          name = 'error';
        }
      }
    }
    if (seq !== renderSeq) return;  // a newer navigation won
    if (!view) view = viewNotFound();
    const flash = state.flash;
    state.flash = null;
    const flashBox = flash ? (flash.error ? errorBox(flash.error, { 'data-test': 'flash-error' })
      : h('div', { class: 'flash', 'data-test': 'flash', role: 'status' }, flash.ok)) : null;
    const moved = main.dataset.path !== path;
    main.replaceChildren(...[flashBox, view].filter(Boolean));
    main.dataset.view = name;
    main.dataset.path = path;
    if (moved || flashBox) window.scrollTo(0, 0);  // a new page (or a result message) starts at the top
  }

  function viewNotFound() {
    return h('section', { class: 'not-found', 'data-test': 'not-found' },
      h('h1', null, t('notFound.title')), h('p', null, t('notFound.body')),
      state.me ? link(homeRoute(), t('back')) : null);
  }

  function pageTitle(text, ...extra) {
    return h('div', { class: 'page-head' }, h('h1', { 'data-test': 'page-title' }, text), ...extra);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sign-in
  // ---------------------------------------------------------------------------------------------------------------
  async function viewSignIn() {
    const select = h('select', { id: 'signin-member', name: 'member', 'data-test': 'signin-member' },
      DEMO_MEMBERS.map(([groupKey, ids]) => h('optgroup', { label: t(groupKey) },
        ids.map((id) => option(id, `${id} — ${t('role.' + id)}`)))));
    const passcode = h('input', { id: 'signin-passcode', type: 'password', value: 'collab', autocomplete: 'off',
      'data-test': 'signin-passcode' });
    const form = h('form', { id: 'signin-form', class: 'card narrow' },
      h('h1', { 'data-test': 'page-title' }, t('signin.title')),
      field(t('signin.member'), select),
      field(t('signin.passcode'), passcode),
      h('p', { class: 'hint' }, t('signin.hint')),
      formError(),
      h('button', { type: 'submit', id: 'signin-submit', class: 'primary', 'data-test': 'signin-submit' }, t('signin.submit')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(form, async () => {
        await signIn(select.value, passcode.value);
        location.hash = homeRoute();
      });
    });
    return h('section', { class: 'signin' }, form);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // To-do and items
  // ---------------------------------------------------------------------------------------------------------------
  function stateBadge(s, attrs = {}) {
    return h('span', { class: 'state state-' + s, 'data-state': s, ...attrs }, tv('state', s));
  }
  function itemRow(item, extraCells = []) {
    return h('tr', { 'data-item-id': item.id, 'data-test': 'item-row', class: item.overdue ? 'overdue' : null },
      h('td', null, link('#/items/' + encodeURIComponent(item.id), item.title, { 'data-test': 'item-link' })),
      h('td', null, stateBadge(item.state)),
      h('td', null, tv('priority', item.priority)),
      h('td', null, fmtDateTime(item.dueAt), item.overdue ? h('span', { class: 'tag warn' }, t('items.overdue')) : null),
      h('td', null, (item.assignees || []).map((a) => nameOf(a)).join(', ')),
      extraCells);
  }
  const itemHeaders = () => [t('col.title'), t('col.state'), t('col.priority'), t('col.due'), t('col.assignees')];

  async function viewTodo() {
    const page = await api('GET', '/api/todo?limit=100');
    const rows = page.items.map((e) => itemRow(e.item, [h('td', null, e.reasons.map((r) => h('span', { class: 'tag' }, tv('reason', r))))]));
    return h('section', null,
      pageTitle(t('todo.title'), link('#/items/new', t('nav.newItem'), { class: 'button', 'data-test': 'todo-new-item' })),
      rows.length ? table([...itemHeaders(), t('todo.reasons')], rows, { id: 'todo-table', 'data-test': 'todo-table' })
        : h('p', { class: 'empty', id: 'todo-empty' }, t('empty')));
  }

  async function viewItems() {
    const scope = sessionStorage.getItem('collab.scope') || 'assigned';
    const stateFilter = sessionStorage.getItem('collab.stateFilter') || '';
    const q = new URLSearchParams({ scope, limit: '100' });
    if (stateFilter) q.set('state', stateFilter);
    const page = await api('GET', '/api/items?' + q);
    const scopeSel = h('select', { id: 'items-scope', 'data-test': 'items-scope' },
      ['assigned', 'initiated', 'review', 'all'].map((s) => option(s, t('scope.' + s), s === scope)));
    const stateSel = h('select', { id: 'items-state' }, option('', t('items.anyState'), !stateFilter),
      ['assigned', 'accepted', 'in_progress', 'in_review', 'completed', 'cancelled'].map((s) => option(s, tv('state', s), s === stateFilter)));
    scopeSel.addEventListener('change', () => { sessionStorage.setItem('collab.scope', scopeSel.value); render(); });
    stateSel.addEventListener('change', () => { sessionStorage.setItem('collab.stateFilter', stateSel.value); render(); });
    return h('section', null,
      pageTitle(t('items.title'), link('#/items/new', t('nav.newItem'), { class: 'button' })),
      h('div', { class: 'filters' }, field(t('items.scope'), scopeSel), field(t('items.stateFilter'), stateSel)),
      page.items.length ? table(itemHeaders(), page.items.map((i) => itemRow(i)), { id: 'items-table' })
        : h('p', { class: 'empty' }, t('empty')));
  }

  function memberSelect(attrs, { allowNone = false, choose = false, selected = '' } = {}) {
    const members = state.members || [];
    return h('select', attrs,
      allowNone ? option('', t('none'), !selected) : null,
      choose ? option('', t('new.choose'), !selected) : null,
      members.map((m) => option(m.id, `${m.name} (${m.id})`, m.id === selected)));
  }

  async function viewNewItem() {
    if (!state.members) state.members = await api('GET', '/api/members');
    const title = h('input', { id: 'new-title', 'data-test': 'new-title', maxlength: 500 });
    const description = h('textarea', { id: 'new-description', 'data-test': 'new-description', rows: 4 });
    const assignee = memberSelect({ id: 'new-assignee', 'data-test': 'new-assignee' }, { choose: true });
    const reviewer = memberSelect({ id: 'new-reviewer', 'data-test': 'new-reviewer' }, { allowNone: true });
    const due = h('input', { id: 'new-due', type: 'date', value: daysFromNow(7), 'data-test': 'new-due' });
    const priority = h('select', { id: 'new-priority', 'data-test': 'new-priority' },
      ['high', 'medium', 'low'].map((p) => option(p, tv('priority', p), p === 'medium')));
    const form = h('form', { id: 'new-item-form', class: 'card' },
      field(t('new.fTitle'), title), field(t('new.description'), description),
      h('div', { class: 'row' }, field(t('new.assignee'), assignee), field(t('new.reviewer'), reviewer)),
      h('div', { class: 'row' }, field(t('new.due'), due), field(t('new.priority'), priority)),
      formError(),
      h('button', { type: 'submit', class: 'primary', id: 'new-submit', 'data-test': 'new-submit' }, t('new.submit')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(form, async () => {
        requireValue(title.value, t('new.fTitle'));
        requireValue(assignee.value, t('new.assignee'));
        const body = { title: title.value.trim(), description: description.value, assignees: [assignee.value],
          priority: priority.value };
        if (reviewer.value) body.reviewer = reviewer.value;
        if (due.value) body.dueDate = due.value;
        const item = await api('POST', '/api/items', body);
        state.flash = { ok: t('new.created') };
        location.hash = '#/items/' + encodeURIComponent(item.id);
      });
    });
    return h('section', null, pageTitle(t('new.title')), form);
  }

  // The item page: its fields, the actions the API offers this member, progress, adjustments and the audit trail.
  async function viewItem(id) {
    const path = '/api/items/' + encodeURIComponent(id);
    const [detail, audit] = await Promise.all([api('GET', path), api('GET', path + '/audit')]);
    const { item, actions, progress, adjustments, names } = detail;
    const nm = (x) => nameOf(x, names);
    const vpath = (suffix) => path + suffix;

    // After a successful action: a message and the page anew.
    const done = (key) => { state.flash = { ok: t(key) }; render(); };
    // Writes carry the version this page shows, so that a change made meanwhile answers 409 instead of being
    // overwritten (on an accepted item the server checks it against the start it makes first).
    const versioned = (_action) => ({ expectedVersion: item.version });
    const panel = h('div', { id: 'action-panel', 'data-test': 'action-panel' });
    const actionError = h('div', { id: 'action-error', class: 'form-error' });

    // Actions without input run at once; the others open their form in the panel.
    const simple = { accept: '/accept', submit_for_review: '/submit', approve: '/approve' };
    const forms = {
      report_progress: progressForm, reject: rejectForm, request_adjustment: adjustmentForm, reassign: reassignForm,
    };
    const buttons = ITEM_ACTIONS.filter((a) => actions.includes(a)).map((a) => {
      const b = h('button', { type: 'button', 'data-test': 'action-' + a, 'data-action': a,
        class: a === 'reject' ? 'danger' : (a === 'approve' || a === 'accept' || a === 'submit_for_review' ? 'primary' : '') },
      tv('action', a));
      b.addEventListener('click', async () => {
        actionError.replaceChildren();
        if (a === 'decide_adjustment') {
          // The pending requests are decided in their table, further down.
          const target = document.getElementById('adjustments-table');
          if (target) target.scrollIntoView({ behavior: 'smooth', block: 'center' });
          const input = target && target.querySelector('[data-test=adjust-approve]');
          if (input) input.focus();
        } else if (simple[a]) {
          b.disabled = true;
          try {
            await api('POST', vpath(simple[a]), versioned(a));
            done('done.' + a);
          } catch (err) { showError(actionError, err); b.disabled = false; }
        } else {
          panel.replaceChildren(forms[a]());
          const first = panel.querySelector('textarea, input, select');
          if (first) first.focus();
        }
      });
      return b;
    });
    // Actions the API names that this page does not know still show, disabled, so that none is hidden.
    const unknown = actions.filter((a) => !ITEM_ACTIONS.includes(a));

    function progressForm() {
      const text = h('textarea', { id: 'progress-text', 'data-test': 'progress-text', rows: 3 });
      const percent = h('input', { id: 'progress-percent', 'data-test': 'progress-percent', type: 'number', min: 0,
        max: 100, value: item.progressPercent ?? '' });
      const file = h('input', { id: 'progress-file', 'data-test': 'progress-file', type: 'file' });
      const form = h('form', { id: 'progress-form', class: 'card' }, h('h3', null, tv('action', 'report_progress')),
        field(t('progress.text'), text), h('div', { class: 'row' }, field(t('progress.percent'), percent),
          field(t('progress.file'), file)), formError(),
        h('button', { type: 'submit', class: 'primary', id: 'progress-submit', 'data-test': 'progress-submit' }, t('progress.submit')));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        submitting(form, async () => {
          requireValue(text.value, t('progress.text'));
          const body = { text: text.value.trim(), ...versioned('report_progress') };
          if (percent.value !== '') body.percent = Number(percent.value);
          if (file.files.length) {
            body.attachments = await Promise.all([...file.files].map(async (f) => ({ fileName: f.name, contentBase64: await fileBase64(f) })));
          }
          await api('POST', vpath('/progress'), body);
          done('done.report_progress');
        });
      });
      return form;
    }
    function rejectForm() {
      const reason = h('textarea', { id: 'reject-reason', 'data-test': 'reject-reason', rows: 3 });
      const form = h('form', { id: 'reject-form', class: 'card' }, h('h3', null, tv('action', 'reject')),
        field(t('reject.reason'), reason), formError(),
        h('button', { type: 'submit', class: 'danger', id: 'reject-submit', 'data-test': 'reject-submit' }, t('reject.submit')));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        submitting(form, async () => {
          requireValue(reason.value, t('col.reason'));
          await api('POST', vpath('/reject'), { reason: reason.value.trim(), expectedVersion: item.version });
          done('done.reject');
        });
      });
      return form;
    }
    function adjustmentForm() {
      const date = h('input', { id: 'adjust-date', 'data-test': 'adjust-date', type: 'date', value: daysFromNow(14) });
      const reason = h('textarea', { id: 'adjust-reason', 'data-test': 'adjust-reason', rows: 2 });
      const form = h('form', { id: 'adjust-form', class: 'card' }, h('h3', null, tv('action', 'request_adjustment')),
        field(t('adjust.date'), date), field(t('adjust.reason'), reason), formError(),
        h('button', { type: 'submit', class: 'primary', id: 'adjust-submit', 'data-test': 'adjust-submit' }, t('adjust.submit')));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        submitting(form, async () => {
          requireValue(date.value, t('adjust.date'));
          requireValue(reason.value, t('adjust.reason'));
          await api('POST', vpath('/adjustments'), { dueDate: date.value, reason: reason.value.trim() });
          done('done.request_adjustment');
        });
      });
      return form;
    }
    function reassignForm() {
      const from = h('select', { id: 'reassign-from', 'data-test': 'reassign-from' },
        item.assignees.map((a) => option(a, `${nm(a)} (${a})`)));
      const to = memberSelect({ id: 'reassign-to', 'data-test': 'reassign-to' }, { choose: true });
      const reason = h('textarea', { id: 'reassign-reason', rows: 2 });
      const form = h('form', { id: 'reassign-form', class: 'card' }, h('h3', null, tv('action', 'reassign')),
        h('div', { class: 'row' }, field(t('reassign.from'), from), field(t('reassign.to'), to)),
        field(t('reassign.reason'), reason), formError(),
        h('button', { type: 'submit', class: 'primary', id: 'reassign-submit' }, t('reassign.submit')));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        submitting(form, async () => {
          requireValue(to.value, t('reassign.to'));
          const body = { from: from.value, to: to.value, expectedVersion: item.version };
          if (reason.value.trim()) body.reason = reason.value.trim();
          await api('POST', vpath('/reassign'), body);
          done('done.reassign');
        });
      });
      return form;
    }
    if (actions.includes('reassign') && !state.members) state.members = await api('GET', '/api/members');

    // Adjustment requests; the initiator decides the pending ones.
    const canDecide = actions.includes('decide_adjustment');
    const adjRows = adjustments.map((adj) => {
      const cell = h('td', { class: 'adj-decide' });
      if (canDecide && /^(pending|requested|open)$/i.test(adj.status)) {
        const slot = h('div', { class: 'form-error' });
        const reason = h('input', { placeholder: t('adjust.rejectReason'), 'data-test': 'adjust-reject-reason' });
        const approve = h('button', { type: 'button', class: 'primary', 'data-test': 'adjust-approve' }, t('adjust.approve'));
        const reject = h('button', { type: 'button', class: 'danger', 'data-test': 'adjust-reject' }, t('adjust.reject'));
        const adjPath = '/api/adjustments/' + encodeURIComponent(adj.id);
        approve.addEventListener('click', async () => {
          slot.replaceChildren();
          try { await api('POST', adjPath + '/approve', { expectedVersion: item.version }); done('done.adjustmentApproved'); } catch (err) { showError(slot, err); }
        });
        reject.addEventListener('click', async () => {
          slot.replaceChildren();
          try {
            requireValue(reason.value, t('adjust.rejectReason'));
            await api('POST', adjPath + '/reject', { reason: reason.value.trim(), expectedVersion: item.version });
            done('done.adjustmentRejected');
          } catch (err) { showError(slot, err); }
        });
        append(cell, [approve, ' ', reason, ' ', reject, slot]);
      }
      return h('tr', { 'data-adjustment-id': adj.id, 'data-status': adj.status },
        h('td', null, fmtDateTime(adj.createdAt)), h('td', null, nm(adj.requester)),
        h('td', null, adj.newDueAt ? fmtDateTime(adj.newDueAt) : '–'), h('td', null, adj.reason),
        h('td', null, tv('adjstatus', adj.status)), cell);
    });

    const attachmentList = (list) => (list && list.length ? h('ul', { class: 'files' }, list.map((f) => h('li', null,
      f.documentID ? h('a', { href: '#', 'data-test': 'attachment', onclick: (e) => {
        e.preventDefault();
        download('/api/documents/' + encodeURIComponent(f.documentID), f.fileName).catch((err) => toast(t('err.title'), err.message, 'error'));
      } }, f.fileName) : f.fileName,
      h('span', { class: 'muted' }, ` (${f.mediaType}, ${f.size} B)`)))) : null);

    return h('section', { class: 'item', 'data-item-id': item.id, 'data-version': item.version },
      pageTitle(item.title, stateBadge(item.state, { id: 'item-state', 'data-test': 'item-state' })),
      h('dl', { class: 'facts', id: 'item-facts' },
        h('dt', null, t('col.priority')), h('dd', { id: 'item-priority' }, tv('priority', item.priority)),
        h('dt', null, t('col.due')), h('dd', { id: 'item-due' }, fmtDateTime(item.dueAt)),
        h('dt', null, t('col.assignees')), h('dd', { id: 'item-assignees', 'data-test': 'item-assignees' },
          item.assignees.map(nm).join(', ')),
        h('dt', null, t('col.initiator')), h('dd', { id: 'item-initiator' }, nm(item.initiator)),
        h('dt', null, t('col.reviewer')), h('dd', { id: 'item-reviewer' }, item.reviewer ? nm(item.reviewer) : t('none')),
        h('dt', null, t('item.departments')), h('dd', null, item.departments.map((d) => tv('dept', d)).join(', ') || '–'),
        item.tags && item.tags.length ? [h('dt', null, t('item.tags')), h('dd', null, item.tags.join(', '))] : null,
        h('dt', null, t('item.progress')), h('dd', { id: 'item-progress' },
          item.progressPercent != null ? h('progress', { max: 100, value: item.progressPercent }) : null,
          item.progressPercent != null ? ` ${item.progressPercent}%` : '–'),
        h('dt', null, t('item.created')), h('dd', null, fmtDateTime(item.createdAt)),
        item.closedAt ? [h('dt', null, t('item.closed')), h('dd', null, fmtDateTime(item.closedAt))] : null,
        h('dt', null, t('item.version')), h('dd', null, String(item.version))),
      item.pendingAdjustment ? h('p', { class: 'notice-line' }, t('item.pendingAdjustment')) : null,
      item.description ? h('div', { class: 'description' }, h('h2', null, t('item.description')), h('p', null, item.description)) : null,
      item.attachments.length ? [h('h2', null, t('item.attachments')), attachmentList(item.attachments)] : null,
      h('h2', null, t('item.actions')),
      h('div', { id: 'item-actions', class: 'actions', 'data-test': 'item-actions', 'data-actions': actions.join(',') },
        buttons.length || unknown.length ? [buttons, unknown.map((a) => h('button', { type: 'button', disabled: true, 'data-action': a }, a))]
          : h('p', { class: 'muted', id: 'no-actions' }, t('item.noActions'))),
      actionError, panel,
      h('h2', null, t('item.progressLog')),
      progress.length ? h('ol', { id: 'progress-list', class: 'log', 'data-test': 'progress-list' }, progress.map((p) => h('li', null,
        h('div', { class: 'muted' }, `${fmtDateTime(p.at)} · ${nm(p.author)}${p.percent != null ? ` · ${p.percent}%` : ''}`),
        h('div', null, p.text), attachmentList(p.attachments))))
        : h('p', { class: 'empty' }, t('empty')),
      h('h2', null, t('item.adjustments')),
      adjRows.length ? table([t('col.at'), t('col.requester'), t('col.newDue'), t('col.reason'), t('col.status'), ''], adjRows,
        { id: 'adjustments-table' }) : h('p', { class: 'empty' }, t('empty')),
      h('h2', null, t('item.audit')),
      table([t('col.at'), t('col.actor'), t('col.action'), t('col.detail')], audit.map(auditRow), { id: 'audit-table', 'data-test': 'audit-table' }));

    // An audit entry's action is the command's name, followed by " → state" when the item's state changed.
    function auditRow(a) {
      const m = /^(.*?)\s*→\s*(\S+)$/.exec(a.action);
      const command = m ? m[1] : a.action;
      const toState = m ? m[2] : '';
      return h('tr', { 'data-action': command, 'data-to-state': toState, 'data-test': 'audit-row' },
        h('td', null, fmtDateTime(a.at)), h('td', null, a.actorName || nm(a.actor)),
        h('td', null, tv('audit', command), toState ? [' → ', stateBadge(toState)] : null),
        h('td', { class: 'detail' }, a.detail || ''));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Message center
  // ---------------------------------------------------------------------------------------------------------------
  // The page a notice is about, when it names a record.
  function recordRoute(n) {
    if (!n || !n.recordID) return null;
    const kind = String(n.recordKind || '').toLowerCase();
    const id = encodeURIComponent(n.recordID);
    if (kind.includes('order')) return '#/orders/' + id;
    if (kind.includes('ticket')) return '#/tickets/' + id;
    if (kind.includes('announcement')) return state.me && state.me.outside ? null : '#/announcements/' + id;
    if (kind.includes('item') || kind.includes('adjustment')) return state.me && state.me.outside ? null : '#/items/' + id;
    return null;
  }

  async function viewNotices() {
    const unreadOnly = sessionStorage.getItem('collab.unreadOnly') === '1';
    const page = await api('GET', '/api/notices?limit=100' + (unreadOnly ? '&unread=true' : ''));
    setBadge(page.unreadCount);
    const errSlot = h('div', { class: 'form-error', id: 'notices-error' });
    const markAll = h('button', { type: 'button', id: 'mark-all-read', 'data-test': 'mark-all-read', disabled: page.unreadCount === 0 },
      t('notices.markAll'));
    markAll.addEventListener('click', async () => {
      errSlot.replaceChildren();
      try {
        const r = await api('POST', '/api/notices/read', { all: true });
        state.flash = { ok: t('notices.marked', { n: r.count }) };
        render();
      } catch (err) { showError(errSlot, err); }
    });
    const only = h('input', { type: 'checkbox', id: 'unread-only', checked: unreadOnly });
    only.addEventListener('change', () => { sessionStorage.setItem('collab.unreadOnly', only.checked ? '1' : '0'); render(); });
    const list = h('ul', { id: 'notices-list', class: 'notices', 'data-test': 'notices-list' }, page.items.map((n) => {
      const target = recordRoute(n);
      const markOne = n.read ? null : h('button', { type: 'button', class: 'link', 'data-test': 'mark-read' }, t('notices.markRead'));
      if (markOne) {
        markOne.addEventListener('click', async () => {
          errSlot.replaceChildren();
          try { await api('POST', '/api/notices/read', { ids: [n.id] }); render(); } catch (err) { showError(errSlot, err); }
        });
      }
      return h('li', { class: 'notice' + (n.read ? '' : ' unread'), 'data-id': n.id, 'data-kind': n.kind,
        'data-record-id': n.recordID || '', 'data-read': String(n.read), 'data-test': 'notice' },
      h('div', { class: 'notice-head' }, h('strong', { class: 'notice-title' }, n.title),
        h('span', { class: 'muted' }, fmtDateTime(n.createdAt))),
      h('div', { class: 'notice-body' }, n.body),
      h('div', { class: 'notice-actions' }, target ? link(target, t('notices.openRecord'), { 'data-test': 'notice-open' }) : null, ' ', markOne));
    }));
    return h('section', null,
      pageTitle(t('notices.title'), h('label', { class: 'inline' }, only, ' ', t('notices.unreadOnly')), markAll),
      errSlot,
      page.items.length ? list : h('p', { class: 'empty', id: 'notices-empty' }, t('empty')));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Announcements
  // ---------------------------------------------------------------------------------------------------------------
  function ackLine(a) {
    if (!a.requiresAcknowledgement) return null;
    if (a.acknowledged) return h('span', { class: 'tag ok', 'data-test': 'ann-acknowledged' }, t('ann.acknowledged'));
    return h('span', { class: 'tag warn' }, a.acknowledgeBy ? t('ann.ackBy', { d: fmtDateTime(a.acknowledgeBy) }) : t('ann.ackNeeded'));
  }

  async function viewAnnouncements() {
    const page = await api('GET', '/api/announcements?limit=100');
    const list = h('ul', { id: 'announcements-list', class: 'cards' }, page.items.map((a) => h('li', { 'data-id': a.id, 'data-test': 'announcement' },
      h('div', null, a.pinned ? h('span', { class: 'tag' }, t('ann.pinned')) : null, ' ',
        link('#/announcements/' + encodeURIComponent(a.id), a.title, { class: 'strong' })),
      h('div', { class: 'muted' }, t('ann.by', { name: nameOf(a.author), d: fmtDateTime(a.publishedAt) }), ' ', ackLine(a)))));
    return h('section', null, pageTitle(t('ann.title')),
      page.items.length ? list : h('p', { class: 'empty' }, t('empty')),
      state.me.administrator ? publishForm() : null);
  }

  function publishForm() {
    const title = h('input', { id: 'ann-title', maxlength: 500 });
    const body = h('textarea', { id: 'ann-body', rows: 4 });
    const depts = h('select', { id: 'ann-departments', multiple: true, size: 6 }, DEPARTMENTS.map((d) => option(d, tv('dept', d))));
    const ackBy = h('input', { id: 'ann-ack-by', type: 'date' });
    const pinned = h('input', { id: 'ann-pinned', type: 'checkbox' });
    const form = h('form', { id: 'publish-form', class: 'card' }, h('h2', null, t('ann.publish')),
      field(t('ann.fTitle'), title), field(t('ann.body'), body),
      h('div', { class: 'row' }, field(t('ann.departments'), depts),
        h('div', null, field(t('ann.requireAck'), ackBy), h('label', { class: 'inline' }, pinned, ' ', t('ann.fPinned')))),
      formError(), h('button', { type: 'submit', class: 'primary', id: 'ann-submit' }, t('ann.submit')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(form, async () => {
        requireValue(title.value, t('ann.fTitle'));
        requireValue(body.value, t('ann.body'));
        const payload = { title: title.value.trim(), body: body.value, pinned: pinned.checked,
          departments: [...depts.selectedOptions].map((o) => o.value) };
        // The end of the chosen day, local time.
        if (ackBy.value) payload.acknowledgeBy = new Date(ackBy.value + 'T23:59:59').toISOString();
        const a = await api('POST', '/api/announcements', payload);
        state.flash = { ok: t('ann.published') };
        location.hash = '#/announcements/' + encodeURIComponent(a.id);
      });
    });
    return form;
  }

  async function viewAnnouncement(id) {
    const path = '/api/announcements/' + encodeURIComponent(id);
    const a = await api('GET', path);
    const errSlot = h('div', { class: 'form-error' });
    let ack = null;
    if (a.requiresAcknowledgement && !a.acknowledged) {
      ack = h('button', { type: 'button', class: 'primary', id: 'acknowledge', 'data-test': 'acknowledge' }, t('ann.acknowledge'));
      ack.addEventListener('click', async () => {
        errSlot.replaceChildren();
        ack.disabled = true;
        try { await api('POST', path + '/acknowledge'); state.flash = { ok: t('ann.acknowledged') }; render(); } catch (err) { showError(errSlot, err); ack.disabled = false; }
      });
    }
    // The author and administrators see how far it reached.
    let reach = null;
    if (state.me.administrator || a.author === state.me.id) {
      try {
        const r = await api('GET', path + '/reach');
        reach = h('div', { id: 'announcement-reach' }, h('h2', null, t('ann.reach')),
          h('p', null, `${t('ann.recipients')}: ${r.recipients} · ${t('ann.delivered')}: ${r.delivered} · ${t('ann.read')}: ${r.read} · ${t('ann.acks')}: ${r.acknowledged}`),
          table([t('col.department'), t('ann.recipients'), t('ann.read'), t('ann.acks')], r.departments.map((d) =>
            h('tr', null, h('td', null, tv('dept', d.department)), h('td', null, d.recipients), h('td', null, d.read), h('td', null, d.acknowledged)))));
      } catch (err) { reach = errorBox(err); }
    }
    return h('section', { class: 'announcement', 'data-id': a.id },
      pageTitle(a.title, ackLine(a)),
      h('p', { class: 'muted' }, t('ann.by', { name: nameOf(a.author), d: fmtDateTime(a.publishedAt) })),
      h('div', { id: 'announcement-body', class: 'body-text' }, a.body),
      ack, errSlot, reach,
      h('p', null, link('#/announcements', t('back'))));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Department board and exports
  // ---------------------------------------------------------------------------------------------------------------
  // The server's SVG chart as an element. It is parsed as SVG (not HTML) and anything active is dropped first.
  function svgChart(markup, id) {
    const doc = new DOMParser().parseFromString(markup || '', 'image/svg+xml');
    const svg = doc.documentElement;
    if (!svg || svg.nodeName.toLowerCase() !== 'svg' || doc.getElementsByTagName('parsererror').length) {
      return h('p', { class: 'error', id }, t('board.chartInvalid'));
    }
    svg.querySelectorAll('script, foreignObject').forEach((n) => n.remove());
    for (const el of [svg, ...svg.querySelectorAll('*')]) {
      for (const attr of [...el.attributes]) {
        if (/^on/i.test(attr.name) || /^\s*javascript:/i.test(attr.value)) el.removeAttribute(attr.name);
      }
    }
    // Scale to the card's width while keeping the proportions.
    if (!svg.getAttribute('viewBox') && svg.getAttribute('width') && svg.getAttribute('height')) {
      svg.setAttribute('viewBox', `0 0 ${parseFloat(svg.getAttribute('width'))} ${parseFloat(svg.getAttribute('height'))}`);
    }
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    return h('div', { class: 'chart', id, 'data-test': id }, document.importNode(svg, true));
  }

  function defaultDepartment() {
    const heads = (state.me.departments || []).filter((d) => d.head);
    if (heads.length) return heads[0].id;
    if (state.me.administrator) return '';
    return (state.me.departments[0] || {}).id || '';
  }

  async function viewBoard() {
    let department = sessionStorage.getItem('collab.boardDepartment');
    if (department == null) department = defaultDepartment();
    const q = department ? '?department=' + encodeURIComponent(department) : '';
    const deptSel = h('select', { id: 'board-department', 'data-test': 'board-department' },
      option('', t('board.organization'), department === ''), DEPARTMENTS.map((d) => option(d, tv('dept', d), d === department)));
    deptSel.addEventListener('change', () => { sessionStorage.setItem('collab.boardDepartment', deptSel.value); render(); });
    const dlStatus = h('div', { id: 'download-status', 'data-test': 'download-status' });
    const dl = (id, href, label, name) => h('a', { href, id, 'data-test': id, class: 'button', onclick: (e) => {
      e.preventDefault();
      dlStatus.replaceChildren();
      download(href, name, dlStatus).catch((err) => showError(dlStatus, err));
    } }, label);
    const head = pageTitle(t('board.title'), field(t('board.department'), deptSel));
    const downloads = h('div', { class: 'downloads' },
      dl('download-xlsx', '/api/exports/report.xlsx', t('board.xlsx'), 'report.xlsx'), ' ',
      dl('download-csv', '/api/exports/items.csv', t('board.csv'), 'items.csv'), dlStatus);
    let board;
    try {
      board = await api('GET', '/api/board' + q);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw err;  // the page says "not found"
      // A board the member may not see (403): say so here and keep the department choice usable.
      return h('section', null, head, errorBox(err, { id: 'board-error' }), downloads);
    }
    const f = board.figures;
    const figure = (label, value, id) => h('div', { class: 'figure', 'data-test': id }, h('div', { class: 'value' }, value), h('div', { class: 'muted' }, label));
    const figRow = (x) => h('tr', null, h('td', null, x.label), h('td', null, x.created), h('td', null, x.open),
      h('td', null, x.completed), h('td', null, x.completedOnTime ?? '–'), h('td', null, x.overdueOpen),
      h('td', null, pct(x.completionRate)), h('td', null, pct(x.onTimeRate)));
    const figHeaders = [t('board.label'), t('board.created'), t('board.open'), t('board.completed'), t('board.onTime'),
      t('board.overdue'), t('board.completionRate'), t('board.onTimeRate')];
    return h('section', { class: 'board' }, head,
      h('p', { class: 'muted' }, board.title, ' · ', t('board.generated', { d: fmtDateTime(board.generatedAt) })),
      downloads,
      h('div', { class: 'figures', id: 'board-figures', 'data-test': 'board-figures' },
        figure(t('board.created'), f.created, 'fig-created'), figure(t('board.open'), f.open, 'fig-open'),
        figure(t('board.completed'), f.completed, 'fig-completed'), figure(t('board.overdue'), f.overdueOpen, 'fig-overdue'),
        figure(t('board.completionRate'), pct(f.completionRate), 'fig-completion'), figure(t('board.onTimeRate'), pct(f.onTimeRate), 'fig-ontime')),
      h('h2', null, t('board.charts')),
      h('div', { class: 'charts' }, svgChart(board.departmentChartSVG, 'chart-department'), svgChart(board.trendChartSVG, 'chart-trend')),
      h('h2', null, t('board.byDepartment')),
      table(figHeaders, board.departments.map(figRow), { id: 'board-table', 'data-test': 'board-table' }),
      h('h2', null, t('board.topOverdue')),
      board.topOverdue.length ? table(itemHeaders(), board.topOverdue.map((i) => itemRow(i)), { id: 'top-overdue' })
        : h('p', { class: 'empty', id: 'top-overdue' }, t('empty')));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Purchase orders (buyers and suppliers)
  // ---------------------------------------------------------------------------------------------------------------
  async function viewOrders() {
    const page = await api('GET', '/api/orders?limit=100');
    const rows = page.items.map((o) => h('tr', { 'data-order-id': o.id, 'data-order-number': o.number, 'data-test': 'order-row' },
      h('td', null, link('#/orders/' + encodeURIComponent(o.id), o.number, { 'data-test': 'order-link' })),
      h('td', null, o.title), h('td', null, o.buyer), h('td', null, o.supplier), h('td', null, tv('ostatus', o.status)),
      h('td', null, String(o.lines.length))));
    return h('section', null, pageTitle(t('orders.title')),
      rows.length ? table([t('orders.number'), t('col.title'), t('orders.buyer'), t('orders.supplier'), t('col.status'), t('orders.lines')],
        rows, { id: 'orders-table', 'data-test': 'orders-table' }) : h('p', { class: 'empty', id: 'orders-empty' }, t('empty')));
  }

  async function viewOrder(id) {
    const path = '/api/orders/' + encodeURIComponent(id);
    const { order, proposals } = await api('GET', path);
    const mySide = state.me.outside ? 'supplier' : 'buyer';
    const errSlot = h('div', { class: 'form-error', id: 'proposals-error' });
    const lineRows = order.lines.map((l) => h('tr', { 'data-line': l.number },
      h('td', null, l.number), h('td', null, l.description), h('td', null, `${l.quantity}${l.unit ? ' ' + l.unit : ''}`),
      h('td', null, l.requiredDate), h('td', { class: 'confirmed' }, l.confirmedDate || '–')));
    const propRows = proposals.map((p) => {
      let confirm = null;
      // The other side confirms an open proposal; the server decides, and says why not if it refuses.
      if (!/confirm|supersed|reject|withdrawn|declined|closed/i.test(p.status) && p.side.toLowerCase() !== mySide) {
        confirm = h('button', { type: 'button', class: 'primary', 'data-test': 'confirm-proposal', 'data-number': p.number }, t('orders.confirm'));
        confirm.addEventListener('click', async () => {
          errSlot.replaceChildren();
          confirm.disabled = true;
          try { await api('POST', `${path}/proposals/${p.number}/confirm`); state.flash = { ok: t('orders.confirmedDone') }; render(); } catch (err) { showError(errSlot, err); confirm.disabled = false; }
        });
      }
      return h('tr', { 'data-proposal': p.number, 'data-status': p.status },
        h('td', null, p.number), h('td', null, tv('side', p.side)), h('td', null, p.author), h('td', null, tv('pstatus', p.status)),
        h('td', null, p.lines.map((l) => `#${l.line}: ${l.date}`).join(', ')), h('td', null, p.note || ''), h('td', null, confirm));
    });
    // One date per line; lines left empty are not proposed.
    const dateInputs = order.lines.map((l) => h('input', { type: 'date', 'data-line': l.number, 'data-test': 'proposal-date', value: l.confirmedDate || l.requiredDate }));
    const note = h('input', { id: 'proposal-note', 'data-test': 'proposal-note' });
    const form = h('form', { id: 'proposal-form', class: 'card' }, h('h2', null, t('orders.propose')),
      h('div', { class: 'row wrap' }, order.lines.map((l, i) => field(`${t('orders.line')} ${l.number}: ${l.description}`, dateInputs[i]))),
      field(t('orders.note'), note), formError(),
      h('button', { type: 'submit', class: 'primary', id: 'proposal-submit', 'data-test': 'proposal-submit' }, t('orders.submitProposal')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(form, async () => {
        const lines = dateInputs.filter((x) => x.value).map((x) => ({ line: Number(x.dataset.line), date: x.value }));
        if (!lines.length) throw new InputError(t('orders.needDate'));
        const body = { lines, expectedVersion: order.version };
        if (note.value.trim()) body.note = note.value.trim();
        await api('POST', path + '/proposals', body);
        state.flash = { ok: t('orders.proposed') };
        render();
      });
    });
    return h('section', { class: 'order', 'data-order-number': order.number },
      pageTitle(`${order.number} · ${order.title}`, h('span', { class: 'tag', id: 'order-status', 'data-status': order.status }, tv('ostatus', order.status))),
      h('p', { class: 'muted' }, `${t('orders.buyer')}: ${order.buyer} · ${t('orders.supplier')}: ${order.supplier}`),
      h('h2', null, t('orders.lines')),
      table([t('orders.line'), t('orders.description'), t('orders.quantity'), t('orders.requested'), t('orders.confirmed')], lineRows, { id: 'order-lines', 'data-test': 'order-lines' }),
      h('h2', null, t('orders.proposals')), errSlot,
      propRows.length ? table(['#', t('orders.side'), t('orders.author'), t('col.status'), t('orders.dates'), t('orders.note'), ''], propRows, { id: 'proposals' })
        : h('p', { class: 'empty', id: 'proposals' }, t('empty')),
      form, h('p', null, link('#/orders', t('back'))));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Tickets (customers and after-sales)
  // ---------------------------------------------------------------------------------------------------------------
  async function viewTickets() {
    const page = await api('GET', '/api/tickets?limit=100');
    const rows = page.items.map((x) => h('tr', { 'data-ticket-id': x.id, 'data-test': 'ticket-row' },
      h('td', null, link('#/tickets/' + encodeURIComponent(x.id), x.title, { 'data-test': 'ticket-link' })),
      h('td', null, tv('tstatus', x.status)), h('td', null, x.priority ? tv('priority', x.priority) : ''), h('td', null, x.customer), h('td', null, fmtDateTime(x.openedAt))));
    return h('section', null,
      pageTitle(t('tickets.title'), link('#/tickets/new', t('tickets.new'), { class: 'button', id: 'ticket-new', 'data-test': 'ticket-new' })),
      rows.length ? table([t('col.title'), t('col.status'), t('tickets.priority'), t('tickets.customer'), t('tickets.opened')], rows,
        { id: 'tickets-table', 'data-test': 'tickets-table' }) : h('p', { class: 'empty', id: 'tickets-empty' }, t('empty')));
  }

  async function viewNewTicket() {
    const title = h('input', { id: 'ticket-title', maxlength: 500 });
    const body = h('textarea', { id: 'ticket-body', rows: 5 });
    const category = h('input', { id: 'ticket-category', maxlength: 100 });
    const priority = h('select', { id: 'ticket-priority' }, ['low', 'medium', 'high'].map((p) => option(p, tv('priority', p), p === 'medium')));
    const form = h('form', { id: 'new-ticket-form', class: 'card' },
      field(t('tickets.fTitle'), title), field(t('tickets.body'), body),
      h('div', { class: 'row' }, field(t('tickets.category'), category), field(t('tickets.priority'), priority)),
      formError(), h('button', { type: 'submit', class: 'primary', id: 'ticket-submit' }, t('tickets.submit')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(form, async () => {
        requireValue(title.value, t('tickets.fTitle'));
        requireValue(body.value, t('tickets.body'));
        const payload = { title: title.value.trim(), body: body.value, priority: priority.value };
        if (category.value.trim()) payload.category = category.value.trim();
        const d = await api('POST', '/api/tickets', payload);
        state.flash = { ok: t('tickets.openedDone') };
        location.hash = '#/tickets/' + encodeURIComponent(d.ticket.id);
      });
    });
    return h('section', null, pageTitle(t('tickets.new')), form);
  }

  async function viewTicket(id) {
    const path = '/api/tickets/' + encodeURIComponent(id);
    const { ticket, messages } = await api('GET', path);
    const reply = h('textarea', { id: 'reply-body', rows: 3 });
    const internal = state.me.outside ? null : h('input', { type: 'checkbox', id: 'reply-internal' });
    const form = h('form', { id: 'reply-form', class: 'card' }, h('h2', null, t('tickets.reply')), field(t('tickets.reply'), reply),
      internal ? h('label', { class: 'inline' }, internal, ' ', t('tickets.internal')) : null,
      formError(), h('button', { type: 'submit', class: 'primary', id: 'reply-submit' }, t('tickets.sendReply')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(form, async () => {
        requireValue(reply.value, t('tickets.reply'));
        await api('POST', path + '/replies', { body: reply.value, internal: internal ? internal.checked : false });
        state.flash = { ok: t('tickets.replied') };
        render();
      });
    });
    return h('section', { class: 'ticket', 'data-ticket-id': ticket.id },
      pageTitle(ticket.title, h('span', { class: 'tag', id: 'ticket-status', 'data-status': ticket.status }, tv('tstatus', ticket.status))),
      h('p', { class: 'muted' }, [ticket.customer, ticket.category, ticket.priority && tv('priority', ticket.priority),
        ticket.department && tv('dept', ticket.department), fmtDateTime(ticket.openedAt)].filter(Boolean).join(' · ')),
      h('h2', null, t('tickets.messages')),
      h('ol', { id: 'ticket-messages', class: 'log' }, messages.map((m) => h('li', { class: m.internal ? 'internal' : '' },
        h('div', { class: 'muted' }, `${fmtDateTime(m.at)} · ${m.authorName || m.author}`, m.internal ? h('span', { class: 'tag warn' }, t('tickets.internalTag')) : null),
        h('div', { class: 'body-text' }, m.body)))),
      form, h('p', null, link('#/tickets', t('back'))));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Start
  // ---------------------------------------------------------------------------------------------------------------
  async function start() {
    $('#lang-toggle').addEventListener('click', () => {
      state.lang = state.lang === 'zh' ? 'en' : 'zh';
      state.langChoice = state.lang;
      sessionStorage.setItem('collab.lang', state.lang);
      applyLocale();
      renderHeader();
      render();
    });
    $('#sign-out').addEventListener('click', signOut);
    window.addEventListener('hashchange', render);
    applyLocale();
    if (state.token) {
      // A token from earlier in this tab: still good?
      try {
        state.me = await api('GET', '/api/me');
        await afterSignIn();
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) {
          clearSession();
          state.flash = { error: err };
        }
      }
    }
    renderHeader();
    render();
  }

  start();
})();
