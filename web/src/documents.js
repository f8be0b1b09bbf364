// The documents tracked (文件管理): the list, each document's versions with
// what every import changed, and the import itself for coordinators and
// admins — check first (nothing written), then import what was checked.

Object.assign(STRINGS, {
  documents: ['文件', 'Documents'],
  documentsTracked: ['跟踪中的文件', 'Documents tracked'],
  importDocument: ['导入文件', 'Import a document'],
  importHelp: ['选择导入格式的 JSON 文件（见 docs/import.md）；措施也可以用电子表格另存的 CSV（UTF-8）给出，此时 JSON 只含文件信息。先检查，确认变更后再导入。',
    'Choose a JSON file in the import format (docs/import.md); the measures may come as a spreadsheet saved as CSV (UTF-8), the JSON then holding the rest. Check first, then import what you checked.'],
  documentFile: ['文件（JSON）', 'Document (JSON)'],
  measuresCsv: ['措施（CSV，可选）', 'Measures (CSV, optional)'],
  check: ['检查（不写入）', 'Check (writes nothing)'],
  doImport: ['导入', 'Import'],
  checkFirst: ['请先检查，再导入。', 'Check first, then import.'],
  fileChanged: ['所选文件已变化，请重新检查。', 'The files changed; check again.'],
  outcome: { created: ['将新建', 'Would be created'], updated: ['将生成新版本', 'Would become a new version'], unchanged: ['无变化', 'Unchanged'] },
  imported: { created: ['已导入（新建）', 'Imported (created)'], updated: ['已导入（新版本）', 'Imported (new version)'], unchanged: ['无变化，未写入', 'Unchanged; nothing written'] },
  version: ['版本', 'Version'],
  versions: ['版本记录', 'Versions'],
  importedAt: ['导入时间', 'Imported'],
  importedBy: ['导入人', 'By'],
  via: ['方式', 'Via'],
  viaNames: { migration: ['初始迁移', 'Migration'], bundled: ['随系统附带', 'Bundled'], cli: ['命令行', 'Command line'], api: ['接口/控制台', 'API / console'] },
  changes: ['变更', 'Changes'],
  noChanges: ['没有变更。', 'No changes.'],
  op: { add: ['新增', 'Add'], change: ['修改', 'Change'], remove: ['删除', 'Remove'] },
  what: {
    document: ['文件', 'Document'], agency: ['部门', 'Agency'], province: ['省份', 'Province'], locality: ['地点', 'Locality'],
    section: ['章节', 'Section'], measure: ['措施', 'Measure'], measure_agency: ['措施—部门', 'Measure–agency'],
    measure_province: ['措施—省份', 'Measure–province'], measure_locality: ['措施—地点', 'Measure–locality'],
  },
  object: ['对象', 'Object'],
  key: ['编号', 'Key'],
  field: ['字段', 'Field'],
  from: ['原值', 'From'],
  to: ['新值', 'To'],
  tasksCreated: ['新建任务', 'Tasks created'],
  tasksReassigned: ['改派任务', 'Tasks re-assigned'],
  tasksRedated: ['调整期限', 'Tasks re-dated'],
  tasksRemoved: ['删除任务', 'Tasks removed'],
  measuresCount: ['措施数', 'Measures'],
  tasksCount: ['任务数', 'Tasks'],
  issuers: ['发文机关', 'Issuers'],
  recipients: ['主送', 'Recipients'],
  signedOn: ['签发日期', 'Signed'],
  exportForImport: ['导出（导入格式）', 'Export (import format)'],
  problemsFound: ['文件有问题，未写入任何内容：', 'The document has problems; nothing was written:'],
  where: ['位置', 'Where'],
  problem: ['问题', 'Problem'],
  lineColumn: ['第 {line} 行第 {column} 列', 'line {line}, column {column}'],
  classification: ['密级', 'Classification'],
  classificationNames: { public: ['公开', 'Public'], internal: ['内部', 'Internal'] },
  nonClassifiedOnly: ['本系统仅用于非涉密业务：不得导入标有秘密、机密、绝密的文件。本部署可存放的最高密级：{level}。',
    'This service is for non-classified work only: documents marked 秘密, 机密 or 绝密 must not be imported. The highest level this deployment holds: {level}.'],
});

// A document's 密级 as a badge: 公开 or 内部.
function classificationBadge(level) {
  return h('span', { class: 'badge level-' + level }, pick(STRINGS.classificationNames[level]) || level);
}

const canImport = (me) => me.role === 'admin' || me.role === 'coordinator';

function changeValue(v) {
  if (v === undefined || v === null) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function changesTable(changes) {
  if (!changes || !changes.length) return h('p', { class: 'muted' }, t('noChanges'));
  return table([
    { label: t('op'), cell: (c) => pick(STRINGS.op[c.op]) || c.op },
    { label: t('object'), cell: (c) => pick(STRINGS.what[c.what]) || c.what },
    { label: t('key'), cell: (c) => h('code', {}, c.key) },
    { label: t('field'), cell: (c) => c.field || '' },
    { label: t('from'), cell: (c) => c.op === 'change' ? changeValue(c.from) : '' },
    { label: t('to'), cell: (c) => c.op === 'change' ? changeValue(c.to) : (c.role || '') },
  ], changes, { class: 'changes' });
}

// The counts of an import on one line: measures and tasks after it, and what
// happened to tasks.
function summaryLine(s) {
  if (!s) return null;
  return h('p', { class: 'counts' },
    [[t('measuresCount'), s.measures], [t('tasksCount'), s.tasks], [t('tasksCreated'), s.tasks_created],
      [t('tasksReassigned'), s.tasks_reassigned], [t('tasksRedated'), s.tasks_redated], [t('tasksRemoved'), s.tasks_removed]]
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => h('span', { class: 'count' }, k, ' ', h('strong', {}, String(v)))));
}

// Where a located problem is: the CSV's line and column, else its JSON pointer.
function problemPlace(e) {
  if (e.line) {
    const lc = t('lineColumn').replace('{line}', e.line).replace('{column}', e.column || '?');
    return 'CSV ' + lc + (e.field ? ` (${e.field})` : '');
  }
  return e.pointer || '/';
}

function importForm(main, me, done) {
  const json = h('input', { id: 'doc-json', type: 'file', accept: '.json,application/json', required: true });
  const csv = h('input', { id: 'doc-csv', type: 'file', accept: '.csv,text/csv' });
  const out = h('div', { class: 'import-result', 'aria-live': 'polite' });
  let checked = null; // the body that passed the last check

  async function body() {
    const text = await json.files[0].text();
    if (!csv.files.length) return text;
    // With a CSV, the JSON holds the rest; one that does not parse goes as it
    // is, so that the daemon says on which line.
    let doc;
    try { doc = JSON.parse(text); } catch (e) { return text; }
    doc.measures_csv = await csv.files[0].text();
    return JSON.stringify(doc);
  }

  async function send(dryRun) {
    clear(out);
    if (!json.files.length) { append(out, h('p', { class: 'problem', role: 'alert' }, t('documentFile'))); return; }
    const text = await body();
    if (!dryRun && text !== checked) {
      append(out, h('p', { class: 'problem', role: 'alert' }, checked ? t('fileChanged') : t('checkFirst')));
      return;
    }
    try {
      const r = (await api('POST', '/api/v1/documents' + (dryRun ? '?dry_run=true' : ''), text)).data;
      checked = dryRun && r.outcome !== 'unchanged' ? text : null;
      importButton.disabled = !checked;
      append(out,
        h('p', { class: 'notice', role: 'status' }, h('strong', {}, r.document), ' · ',
          pick((dryRun ? STRINGS.outcome : STRINGS.imported)[r.outcome]) || r.outcome,
          r.version ? ` · ${t('version')} ${r.version}` : ''),
        summaryLine(r.summary), changesTable(r.changes));
      if (!dryRun) { toast(pick(STRINGS.imported[r.outcome])); done(r); }
    } catch (err) {
      checked = null;
      importButton.disabled = true;
      const errors = err instanceof ApiError && Array.isArray(err.problem.errors) ? err.problem.errors : null;
      if (!errors) { append(out, problemBox(err)); return; }
      append(out, h('div', { class: 'problem', role: 'alert' }, h('strong', {}, t('problemsFound')), ' ', err.problem.detail || ''),
        table([
          { label: t('where'), cell: (e) => h('code', {}, problemPlace(e)) },
          { label: t('problem'), cell: (e) => e.detail },
        ], errors, { class: 'problems' }));
    }
  }

  const importButton = h('button', { class: 'primary', type: 'button', disabled: true, onclick: () => send(false) }, t('doImport'));
  const reset = () => { checked = null; importButton.disabled = true; clear(out); };
  json.addEventListener('change', reset);
  csv.addEventListener('change', reset);
  return section(t('importDocument'),
    h('p', { class: 'notice' }, t('nonClassifiedOnly').replace('{level}',
      pick(STRINGS.classificationNames[me.classification_max]) || me.classification_max)),
    h('p', { class: 'muted' }, t('importHelp')),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); send(true); } },
      h('label', { class: 'field', for: 'doc-json' }, h('span', {}, t('documentFile')), json),
      h('label', { class: 'field', for: 'doc-csv' }, h('span', {}, t('measuresCsv')), csv),
      h('button', { type: 'submit' }, t('check')), importButton),
    out);
}

async function documentsView(main, me) {
  const docs = await get('/api/v1/documents?limit=200');
  const list = table([
    { label: t('document'), cell: (d) => h('a', { href: `#/documents/${encodeURIComponent(d.code)}` }, nm(d, 'title')) },
    { label: t('key'), cell: (d) => h('code', {}, d.code) },
    { label: t('classification'), cell: (d) => classificationBadge(d.classification) },
    { label: t('issuers'), cell: (d) => (d.issuers || []).map((a) => nm(a, 'name')).join('、') },
    { label: t('recipients'), cell: (d) => (d.recipients || []).map((p) => nm(p, 'name')).join('、') },
    { label: t('signedOn'), cell: (d) => d.signed_on },
    { label: t('measuresCount'), num: true, cell: (d) => d.measures },
    { label: t('tasksCount'), num: true, cell: (d) => d.tasks },
  ], docs.items);
  clear(main).append(h('h1', {}, t('documents')), section(t('documentsTracked'), list),
    canImport(me) ? importForm(main, me, () => documentsView(main, me)) : null);
}

async function documentView(main, me, r) {
  const code = r.params.code;
  const [doc, versions] = await Promise.all([
    get(`/api/v1/documents/${encodeURIComponent(code)}`),
    get(`/api/v1/documents/${encodeURIComponent(code)}/versions`)]);
  clear(main).append(
    h('p', {}, h('a', { href: '#/documents' }, '← ', t('documents'))),
    h('h1', {}, nm(doc, 'title')),
    h('dl', { class: 'facts' },
      [[t('key'), doc.code], [t('classification'), classificationBadge(doc.classification)], [t('issuers'), doc.issuers.map((a) => nm(a, 'name')).join('、')],
        [t('recipients'), doc.recipients.map((p) => nm(p, 'name')).join('、')], [t('signedOn'), doc.signed_on],
        [t('measuresCount'), doc.measures], [t('tasksCount'), doc.tasks]]
        .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v instanceof Element ? v : String(v))])),
    h('p', {}, h('a', { href: `/api/v1/documents/${encodeURIComponent(doc.code)}/export`, download: `${doc.code}.json` }, t('exportForImport'))),
    section(t('versions'), versions.map((v) => h('details', { class: 'version', open: v === versions[0] },
      h('summary', {}, `${t('version')} ${v.version} · ${v.imported_at.slice(0, 16).replace('T', ' ')} · `,
        pick(STRINGS.viaNames[v.via]) || v.via, v.imported_by ? ` · ${v.imported_by}` : '',
        ` · ${t('changes')} ${v.changes.length}`),
      summaryLine(v.summary && v.summary.tasks !== undefined ? v.summary : null),
      changesTable(v.changes)))));
}
