// Chinese first: zh-CN unless the person switched to English (kept in localStorage).
const STRINGS = {
  app: ['政策落实跟踪', 'Policy implementation tracker'],
  signIn: ['登录', 'Sign in'],
  signOut: ['退出', 'Sign out'],
  username: ['用户名', 'Username'],
  password: ['密码', 'Password'],
  signInFailed: ['登录失败', 'Sign-in failed'],
  sessionEnded: ['会话已结束，请重新登录。', 'Your session has ended; please sign in again.'],
  language: ['English', '中文'],
  myTasks: ['我的任务', 'My tasks'],
  tasks: ['任务', 'Tasks'],
  dashboard: ['总览', 'Dashboard'],
  reports: ['进展报告', 'Progress reports'],
  review: ['审核', 'Review'],
  periods: ['报告期', 'Periods'],
  users: ['用户', 'Users'],
  apiReference: ['API 参考', 'API reference'],
  beijingTime: ['北京时间', 'Beijing time'],
  zoneNote: ['截止日期、逾期和提醒均按此时区的日期计算', 'Due dates, overdue and reminders count the days of this time zone'],
  bulletin: ['情况通报', 'Progress bulletin'],
  search: ['搜索措施文本', 'Search measure text'],
  document: ['文件', 'Document'],
  province: ['省份', 'Province'],
  agency: ['部门', 'Agency'],
  section: ['章节', 'Section'],
  status: ['状态', 'Status'],
  rag: ['红黄绿', 'RAG'],
  overdue: ['逾期', 'Overdue'],
  escalation: ['督办等级', 'Escalation'],
  escalations: ['督办升级', 'Escalations'],
  noEscalation: ['未催办', 'Not escalated'],
  ladder: ['催办规则', 'Escalation ladder'],
  ladderDays: ['距截止日期（天）', 'Days from the due date'],
  ladderRepeat: ['每隔（天）重复', 'Repeat every (days)'],
  addLevel: ['增加一级', 'Add a level'],
  labelZh: ['名称（中文）', 'Name (Chinese)'],
  labelEn: ['名称（英文）', 'Name (English)'],
  copyLeader: ['抄送单位负责人', "copied to the unit's leader"],
  repeatNo: ['第 {n} 次重复', 'repeat {n}'],
  onlyOverdue: ['仅逾期', 'Overdue only'],
  all: ['全部', 'All'],
  measure: ['措施', 'Measure'],
  role: ['角色', 'Role'],
  lead: ['牵头', 'Lead'],
  support: ['配合', 'Support'],
  progress: ['进度', 'Progress'],
  dueDate: ['截止日期', 'Due date'],
  updated: ['更新时间', 'Updated'],
  note: ['说明', 'Note'],
  noteRequired: ['此操作需要填写说明', 'This step needs a note'],
  evidence: ['佐证材料', 'Evidence'],
  history: ['办理记录', 'History'],
  actions: ['可执行操作', 'Actions'],
  save: ['保存', 'Save'],
  saveProgress: ['保存进度', 'Save progress'],
  cancel: ['取消', 'Cancel'],
  retry: ['重试', 'Retry'],
  reload: ['重新加载', 'Reload'],
  more: ['加载更多', 'Load more'],
  none: ['无', 'None'],
  noResults: ['没有符合条件的任务', 'No tasks match'],
  selected: ['已选', 'Selected'],
  batchTo: ['批量改为', 'Change selected to'],
  apply: ['执行', 'Apply'],
  conflict: ['该任务在您打开后已被他人修改', 'Someone else changed this task since you opened it'],
  conflictWhat: ['对方的修改：', 'What changed:'],
  conflictRetry: ['查看最新内容后重试', 'Load the latest and try again'],
  saved: ['已保存', 'Saved'],
  notFound: ['页面不存在', 'Page not found'],
  notFoundText: ['您访问的页面不存在。', 'There is no page at this address.'],
  back: ['返回', 'Back'],
  totals: ['合计', 'Totals'],
  completion: ['完成率', 'Completion'],
  byAgency: ['按部门', 'By agency'],
  byProvince: ['按省份', 'By province'],
  bySection: ['按章节', 'By section'],
  byDocument: ['按文件', 'By document'],
  allDocuments: ['全部文件', 'All documents'],
  matrix: ['措施 × 省份', 'Measures × provinces'],
  trend: ['趋势', 'Trend'],
  overdueTasks: ['逾期任务', 'Overdue tasks'],
  compliance: ['报告报送情况', 'Reporting compliance'],
  downloadCsv: ['下载 CSV', 'Download CSV'],
  live: ['实时', 'Live'],
  notLive: ['未连接：数据可能不是最新', 'Not live: figures may be out of date'],
  period: ['报告期', 'Period'],
  deadline: ['报送截止', 'Deadline'],
  state: ['状态', 'State'],
  print: ['打印', 'Print'],
  loading: ['正在加载…', 'Loading…'],
  error: ['出错了', 'Something went wrong'],
  signedInAs: ['当前用户', 'Signed in as'],
  field: ['字段', 'Field'],
  tasksCount: ['任务数', 'Tasks'],
  measureText: ['措施原文', 'Measure text'],
  englishText: ['英文译文', 'English translation'],
  actor: ['操作人', 'By'],
  when: ['时间', 'When'],
  change: ['变更', 'Change'],
  title: ['标题', 'Title'],
  url: ['链接', 'Link'],
  addEvidence: ['添加佐证', 'Add evidence'],
};

const ROLE_NAMES = {
  admin: ['系统管理员', 'Administrator'],
  coordinator: ['联席会议办公室', 'Coordinator'],
  agency: ['部门联络员', 'Agency officer'],
  province: ['省级办公室', 'Provincial office'],
  observer: ['观察员', 'Observer'],
};

const RAG_NAMES = { red: ['红', 'Red'], amber: ['黄', 'Amber'], green: ['绿', 'Green'] };

// Problem types the API answers, in words a person understands; the API's own
// detail follows them.
const PROBLEM_WORDS = {
  unauthorized: ['请先登录，或登录已过期。', 'Please sign in; your session may have ended.'],
  forbidden: ['您的角色无权执行此操作。', 'Your role may not do this.'],
  'not-found': ['找不到该对象，或您无权查看。', 'Not found, or not visible to you.'],
  validation: ['填写的内容有误，请按提示修改。', 'Some fields are not valid; see below.'],
  'invalid-query': ['筛选条件有误。', 'A filter is not valid.'],
  'ambiguous-filter': ['多个文件有相同编号的章节或措施，请先选择文件。', 'More than one document has this section or measure code; choose a document first.'],
  'ambiguous-measure': ['多个文件有相同编号的措施，请先选择文件。', 'More than one document has a measure of this code; choose a document first.'],
  stale: ['该对象已被他人修改。', 'Someone else changed this since you opened it.'],
  'too-many-attempts': ['登录失败次数过多，请稍后再试。', 'Too many failed sign-ins; try again later.'],
  'invalid-credentials': ['用户名或密码不正确。', 'Wrong username or password.'],
  'database-unavailable': ['服务暂时不可用，请稍后重试。', 'The service is unavailable; retry shortly.'],
  overloaded: ['服务繁忙，请稍后重试。', 'The service is busy; retry shortly.'],
};

let lang = (() => {
  try { return localStorage.getItem('pt.lang') === 'en' ? 'en' : 'zh'; } catch (e) { return 'zh'; }
})();

function t(key) {
  const s = STRINGS[key];
  if (!s) return key;
  return lang === 'en' ? s[1] : s[0];
}

function pick(pair) { return pair ? (lang === 'en' ? pair[1] : pair[0]) : ''; }

// The zh or en field of an API object: nm(agency, 'name') is name_zh or name_en.
function nm(obj, base) {
  if (!obj) return '';
  const zh = obj[base + '_zh'], en = obj[base + '_en'];
  return lang === 'en' ? (en || zh || '') : (zh || en || '');
}

function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  try { localStorage.setItem('pt.lang', lang); } catch (e) { /* private mode: not kept */ }
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}

// The zone whose days deadlines are (the daemon's --time-zone, which
// GET /api/v1/me names): times and today's date are shown in it, whatever the
// browser's zone. Beijing time until /me says otherwise.
let timeZone = 'Asia/Shanghai';

function setTimeZone(zone) { if (zone) timeZone = zone; }

// 北京时间 for Beijing time, else the zone's IANA name.
function zoneName() { return timeZone === 'Asia/Shanghai' ? t('beijingTime') : timeZone; }

// The zone's date offsetDays from today, as YYYY-MM-DD.
function zoneDate(offsetDays) {
  const d = new Date(Date.now() + (offsetDays || 0) * 86400e3);
  const parts = {};
  for (const p of new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d)) {
    parts[p.type] = p.value;
  }
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit',
  });
}

function fmtPct(x) {
  const n = Number(x);
  return isFinite(n) ? n.toFixed(1) + '%' : '';
}

Object.assign(STRINGS, {
  summary: ['总体情况', 'Summary'],
  narrative: ['进展说明', 'Narrative'],
  claimed: ['填报', 'Claimed'],
  recorded: ['系统记录', 'Recorded'],
  disagrees: ['不一致', 'Differs'],
  newReport: ['新建报告', 'New report'],
  saveDraft: ['保存草稿', 'Save draft'],
  submit: ['提交', 'Submit'],
  accept: ['通过', 'Accept'],
  returnReport: ['退回', 'Return'],
  revise: ['更正（新修订）', 'Correct (new revision)'],
  reviewComment: ['审核意见', 'Review comment'],
  reasonRequired: ['退回须说明理由', 'A return needs a reason'],
  revision: ['修订', 'Revision'],
  submittedAt: ['提交时间', 'Submitted'],
  reviewQueue: ['待审核报告', 'Reports to review'],
  noReports: ['暂无报告', 'No reports'],
  openPeriod: ['当前报告期', 'Open period'],
  noOpenPeriod: ['当前没有开放的报告期', 'No period is open'],
  code: ['代码', 'Code'],
  startsOn: ['开始', 'Starts'],
  endsOn: ['结束', 'Ends'],
  dueOn: ['报送截止', 'Due'],
  closed: ['已关闭', 'Closed'],
  open: ['开放', 'Open'],
  close: ['关闭', 'Close'],
  reopen: ['重新开放', 'Reopen'],
  reopenReason: ['重新开放的理由', 'Reason for reopening'],
  create: ['创建', 'Create'],
  displayName: ['显示名称', 'Display name'],
  disabled: ['已停用', 'Disabled'],
  active: ['在用', 'Active'],
  disable: ['停用', 'Disable'],
  enable: ['启用', 'Enable'],
  resetPassword: ['重置密码', 'Reset password'],
  newPassword: ['新密码', 'New password'],
  issueToken: ['签发自动化令牌', 'Issue automation token'],
  tokenShownOnce: ['令牌只显示这一次，请妥善保存：', 'The token is shown this once; keep it safe:'],
  webhooks: ['消息推送', 'Webhooks'],
  webhooksIntro: ['变更和每日提醒推送到钉钉群、企业微信群或接收 JSON 的系统。投递失败会自动重试，多次失败后搁置，在这里查看原因并重新投递。',
    'Changes and daily reminders go to DingTalk or WeCom groups, or to systems that take JSON. A failed delivery is retried, then parked: see why here and replay it.'],
  noWebhooks: ['还没有推送地址。', 'No webhook yet.'],
  newWebhook: ['新增推送地址', 'New webhook'],
  webhookName: ['名称', 'Name'],
  webhookUrl: ['推送地址', 'URL'],
  webhookFormat: ['消息格式', 'Format'],
  webhookEvents: ['事件（逗号分隔，如 task.*）', 'Events (comma-separated, e.g. task.*)'],
  events: ['事件', 'Events'],
  dingtalkSecret: ['钉钉加签密钥（可选）', 'DingTalk signing secret (optional)'],
  dingtalkSigned: ['已加签', 'signed'],
  secretShownOnce: ['签名密钥只显示这一次，请交给接收方妥善保存：', 'the signing secret is shown this once; give it to the receiver:'],
  scope: ['范围', 'Scope'],
  allRecipients: ['全部', 'Everyone'],
  deliveries: ['投递', 'Deliveries'],
  pending: ['待发', 'Pending'],
  delivered: ['已送达', 'Delivered'],
  parked: ['已搁置', 'Parked'],
  sendTest: ['发送测试消息', 'Send a test message'],
  deliveryLog: ['投递记录', 'Delivery log'],
  noneParked: ['没有搁置的投递。', 'No parked deliveries.'],
  noDeliveries: ['没有投递。', 'No deliveries.'],
  createdAt: ['生成时间', 'Created'],
  eventType: ['事件', 'Event'],
  attempts: ['尝试次数', 'Attempts'],
  lastStatus: ['最近状态码', 'Last status'],
  lastError: ['说明', 'Detail'],
  deliveredAt: ['送达于', 'Delivered at'],
  replays: ['重新投递次数', 'Replays'],
  replay: ['重新投递', 'Replay'],
  refresh: ['刷新', 'Refresh'],
  confirmRemove: ['确认删除（连同投递记录）', 'Confirm: remove with its log'],
  days: ['有效天数', 'Days valid'],
  reportingRate: ['报送率', 'Reporting rate'],
  onTimeRate: ['按时报送率', 'On-time rate'],
  onTime: ['按时', 'On time'],
  daysLate: ['逾期天数', 'Days late'],
  reportState: { missing: ['未报送', 'Missing'], draft: ['草稿', 'Draft'], submitted: ['已提交', 'Submitted'], accepted: ['已通过', 'Accepted'], returned: ['已退回', 'Returned'] },
  bulletinTitle: ['政策落实情况通报', 'Progress bulletin'],
  generatedAt: ['生成时间', 'Generated'],
  overdueByAgency: ['各部门逾期任务', 'Overdue tasks by agency'],
  reportsLink: ['报告', 'Reports'],
  yes: ['是', 'Yes'],
  no: ['否', 'No'],
  select: ['选择', 'Select'],
  filters: ['筛选', 'Filters'],
  evaluation: ['评估', 'Evaluation'],
  reminders: ['催办', 'Reminders'],
  fileName: ['文件名', 'File'],
  fileSize: ['大小', 'Size'],
  noFiles: ['尚无佐证文件', 'No evidence files yet'],
  attachFile: ['上传佐证文件（PDF、图片、Office 文档）', 'Attach evidence (PDF, image, office document)'],
});

Object.assign(STRINGS, {
  workItems: ['工作分解', 'Work items'],
  workItem: ['工作项', 'Work item'],
  responsible: ['责任单位', 'Carried by'],
  officeSuffix: ['（省级办公室）', ' (provincial office)'],
  addWorkItem: ['新增工作项', 'Add a work item'],
  titleZh: ['工作项名称', 'Title (Chinese)'],
  titleEn: ['英文名称（可选）', 'Title in English (optional)'],
  add: ['添加', 'Add'],
  remove: ['删除', 'Remove'],
  rolledUp: ['本任务已分解为工作项：任务的状态和进度由各工作项汇总，请在工作项中办理。',
    'This task is split into work items: its status and progress roll up from them; change the items.'],
  noWorkItems: ['尚未分解为工作项', 'Not split into work items'],
  myWorkItems: ['我承办的工作项', 'Work items we carry'],
  overdueWorkItems: ['逾期工作项', 'Overdue work items'],
  workItemReminders: ['工作项提醒', 'Work items due'],
  split: ['已分解', 'Split'],
});

Object.assign(PROBLEM_WORDS, {
  decomposed: ['该任务已分解为工作项，状态和进度由工作项汇总。', 'This task is split into work items; change the items.'],
  'has-history': ['该工作项已有办理记录，不能删除。', 'Work was reported on this item; it cannot be removed.'],
  'work-item-limit': ['每项任务最多分解为 50 个工作项。', 'A task has at most 50 work items.'],
  'note-required': ['此操作需要填写说明。', 'This step needs a note.'],
});

Object.assign(STRINGS, {
  orgTree: ['组织树（市、县、园区）', 'Organisation tree (cities, counties, zones)'],
  yourNode: ['本单位', 'Yours'],
  underProvince: ['省直属（无上级节点）', 'Right under the province'],
  addNode: ['新增节点', 'Add a node'],
  parentNode: ['上级节点', 'Parent node'],
  nodeKind: ['类型', 'Kind'],
  nodeCode: ['编码', 'Code'],
  nameZh: ['中文名称', 'Name (Chinese)'],
  nameEn: ['英文名称', 'Name (English)'],
  node: ['节点', 'Node'],
  pendingBelow: ['下级待批', 'Pending below'],
  approve: ['批准', 'Approve'],
  return: ['退回', 'Return'],
  nodeReports: ['市县报告（自下而上审批）', 'Node reports (approved bottom-up)'],
  fileNodeReport: ['本节点报告', 'Your node\'s report'],
  setNode: ['设定节点', 'Set node'],
});

function reportState(state) { return pick(STRINGS.reportState[state]) || state; }

// The supervision loop (督办闭环): receipt, send-back, extensions, closure.
Object.assign(STRINGS, {
  supervision: ['督办', 'Supervision'],
  receipt: ['签收', 'Receipt'],
  receiptState: { unreceived: ['未签收', 'Not received'], received: ['已签收', 'Received'], sent_back: ['已退回', 'Sent back'] },
  receive: ['签收', 'Receive'],
  sendBack: ['退回', 'Send back'],
  reason: ['理由', 'Reason'],
  reassign: ['重新交办', 'Re-assign'],
  sentBackReason: ['退回理由', 'Why it was sent back'],
  reassignTo: ['交办给', 'Assign to'],
  originalDue: ['原定截止日期', 'Original due date'],
  currentDue: ['现截止日期', 'Current due date'],
  newDue: ['申请延至', 'New due date'],
  grantDue: ['批准延至', 'Grant until'],
  requestExtension: ['申请延期', 'Ask for an extension'],
  approveExtension: ['批准延期', 'Grant the extension'],
  refuseExtension: ['不予延期', 'Refuse the extension'],
  extensionOpen: ['延期申请待审批', 'Extension request awaiting decision'],
  extensionAsked: ['申请延至 ', 'Asked until '],
  extensionsTitle: ['延期申请记录', 'Extension requests'],
  extensionState: { open: ['待审批', 'Open'], approved: ['已批准', 'Approved'], refused: ['未批准', 'Refused'] },
  onlyExtensionOpen: ['仅待审批延期', 'Open extension requests only'],
  requestClosure: ['申请办结', 'Ask for closure'],
  acceptClosure: ['审核通过，办结', 'Accept the closure'],
  refuseClosure: ['退回整改', 'Refuse the closure'],
  followUp: ['回头看（重新打开）', 'Re-open for a follow-up check'],
  awaitingReview: ['已申请办结，待督办单位审核', 'Closure asked for; awaiting the coordinator\'s review'],
  closureNeedsEvidence: ['办结审核需要佐证材料：请添加链接或上传文件。', 'Accepting the closure needs evidence: add a link or attach a file.'],
  unreceivedCount: ['未签收', 'Not received'],
  sentBackCount: ['已退回待交办', 'Sent back'],
  extensionsOpenCount: ['延期待审批', 'Extensions to decide'],
});

Object.assign(PROBLEM_WORDS, {
  'receipt-state': ['该任务当前的签收状态不允许此操作。', 'The task\'s receipt does not allow this now.'],
  'work-started': ['该任务已开始办理，不能退回；请联系督办单位。', 'Work was reported on this task; it cannot be sent back. Ask the coordinator.'],
  'already-assigned': ['该部门在本省已承担此措施。', 'That agency already carries this measure in the province.'],
  'not-received': ['请先签收任务，再申请延期。', 'Receive the task before asking for more time.'],
  'task-done': ['任务已完成，无需延期。', 'The task is done; it needs no more time.'],
  'no-due-date': ['任务没有截止日期，无需延期。', 'The task has no due date to extend.'],
  'past-due': ['已过截止日期，不能再申请延期；请联系督办单位。', 'The due date has passed; ask the coordinator.'],
  'extension-open': ['已有延期申请待审批。', 'An extension request is already awaiting a decision.'],
  'no-open-extension': ['没有待审批的延期申请。', 'No extension request is open.'],
  'evidence-required': ['办结需要佐证材料。', 'Closing the task needs evidence.'],
});
