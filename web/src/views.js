// The console's pages. Each view renders into `main` from the API and keeps
// what a person typed when a save fails.

const RAGS = ['red', 'amber', 'green'];
let statusCache = null;

async function taskStatuses() {
  if (!statusCache) statusCache = await get('/api/v1/task-statuses');
  return statusCache;
}

function signInView(main, done, notice) {
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('div', { class: 'msg' }, notice ? h('p', { class: 'notice' }, notice) : null);
  const button = h('button', { type: 'submit', class: 'primary' }, t('signIn'));
  const form = h('form', { class: 'signin card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, t('app')),
    h('label', { class: 'field', for: 'username' }, h('span', {}, t('username')), user),
    h('label', { class: 'field', for: 'password' }, h('span', {}, t('password')), pass),
    msg, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    clear(msg);
    try {
      await api('POST', '/api/v1/sessions', { username: user.value, password: pass.value, session: 'cookie' });
      pass.value = '';
      await done();
    } catch (err) {
      append(msg, problemBox(err));
      pass.select();
    } finally {
      button.disabled = false;
    }
  });
  clear(main).appendChild(form);
  user.focus();
}

// ---- tasks ---------------------------------------------------------------

// A document's name for a selector: its title, shortened (a Chinese
// character is about two Latin letters wide), and its code (titles run long;
// codes tell documents with like titles apart).
function documentLabel(d) {
  const title = nm(d, 'title'), max = lang === 'en' ? 40 : 20;
  return (title.length > max ? title.slice(0, max) + '…' : title) + ' · ' + d.code;
}

// The document selector, shown once there is more than one document (or
// one is asked for in the address, so that it can be cleared).
function documentSelect(documents, value, onchange) {
  if (documents.length < 2 && !value) return null;
  return select('document', t('document'), [['', t('allDocuments')], ...documents.map((d) => [d.code, documentLabel(d)])],
    value || '', onchange);
}

function taskFilterOptions(me, catalogue, statuses, filters, rerender) {
  const set = (k) => (e) => { filters[k] = e.target.value; rerender(); };
  const fields = [documentSelect(catalogue.documents, filters.document, set('document'))];
  if (!me.province) {
    fields.push(select('province', t('province'), [['', t('all')], ...catalogue.provinces.map((p) => [p.code, nm(p, 'name')])],
      filters.province || '', set('province')));
  }
  if (me.role !== 'agency') {
    fields.push(select('agency', t('agency'), [['', t('all')], ...catalogue.agencies.map((a) => [a.code, nm(a, 'name')])],
      filters.agency || '', set('agency')));
  }
  fields.push(select('status', t('status'), [['', t('all')], ...statuses.statuses.map((s) => [s.status, nm(s, 'label')])],
    filters.status || '', set('status')));
  fields.push(select('rag', t('rag'), [['', t('all')], ...RAGS.map((r) => [r, pick(RAG_NAMES[r])])], filters.rag || '', set('rag')));
  if (catalogue.ladder) {
    // The escalation ladder's levels, highest first, and 'none' (GET /api/v1/tasks?escalation=).
    fields.push(select('escalation', t('escalation'), [['', t('all')],
      ...[...catalogue.ladder].reverse().map((l) => [l.code, nm(l, 'label')]), ['none', t('noEscalation')]],
    filters.escalation || '', set('escalation')));
  }
  const overdue = h('input', { type: 'checkbox', id: 'f-overdue', checked: filters.overdue === 'true',
    onchange: (e) => { filters.overdue = e.target.checked ? 'true' : ''; rerender(); } });
  fields.push(h('label', { class: 'field check', for: 'f-overdue' }, overdue, h('span', {}, t('onlyOverdue'))));
  fields.push(select('receipt', t('receipt'), [['', t('all')], ...Object.keys(STRINGS.receiptState).map((r) => [r, receiptLabel(r)])],
    filters.receipt || '', set('receipt')));
  const extension = h('input', { type: 'checkbox', id: 'f-extension', checked: filters.extension === 'open',
    onchange: (e) => { filters.extension = e.target.checked ? 'open' : ''; rerender(); } });
  fields.push(h('label', { class: 'field check', for: 'f-extension' }, extension, h('span', {}, t('onlyExtensionOpen'))));
  const q = h('input', { type: 'search', id: 'f-q', name: 'q', value: filters.q || '', placeholder: t('search') });
  let timer = null;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { filters.q = q.value.trim(); rerender(); }, 300); });
  fields.push(h('label', { class: 'field grow', for: 'f-q' }, h('span', {}, t('search')), q));
  return h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() }, fields);
}

async function loadCatalogue() {
  const [documents, provinces, agencies] = await Promise.all([
    get('/api/v1/documents?limit=200'), get('/api/v1/provinces?limit=200'), get('/api/v1/agencies?limit=200')]);
  return { documents: documents.items, provinces: provinces.items, agencies: agencies.items };
}

async function tasksView(main, me, route) {
  const [catalogue, statuses, ladder] = await Promise.all([loadCatalogue(), taskStatuses(), get('/api/v1/escalation-ladder')]);
  catalogue.ladder = ladder.levels;
  const filters = { ...route.query };
  if (me.role === 'agency') {
    filters.agency = me.agency;
    if (me.province) filters.province = me.province;
  }
  const listBox = h('div', { class: 'list' });
  const title = me.role === 'agency' ? t('myTasks') : t('tasks');
  const canChange = me.role === 'agency' || me.role === 'coordinator';
  const selected = new Map(); // id -> etag
  const batchBar = h('div', { class: 'batch', hidden: true });

  function renderBatch() {
    clear(batchBar);
    batchBar.hidden = selected.size === 0;
    if (!selected.size) return;
    const to = h('select', { id: 'batch-to', 'aria-label': t('batchTo') },
      statuses.statuses.map((s) => h('option', { value: s.status }, nm(s, 'label'))));
    const note = h('input', { id: 'batch-note', placeholder: t('note'), 'aria-label': t('note') });
    const box = h('div', {});
    append(batchBar, h('span', {}, `${t('selected')} ${selected.size}`), h('label', { for: 'batch-to' }, t('batchTo')), to, note,
      h('button', { class: 'primary', onclick: async () => {
        clear(box);
        const items = [...selected.entries()].map(([id, etag]) => ({ id, if_match: etag, status: to.value, ...(note.value ? { note: note.value } : {}) }));
        try {
          await api('POST', '/api/v1/tasks:batch-update', { items });
          selected.clear();
          await rerender();
          toast(t('saved'));
        } catch (err) { append(box, problemBox(err)); }
      } }, t('apply')), box);
  }

  let generation = 0;
  async function rerender() {
    const mine = ++generation;
    if (!main.isConnected) return; // the person has moved on
    const query = { ...filters, limit: 50 };
    // Keep the filters in the address (for a link or a reload) without a
    // hashchange, which would route again.
    history.replaceState(null, '', '#/tasks' + qs(Object.fromEntries(Object.entries(filters).filter(([k]) =>
      !(me.role === 'agency' && (k === 'agency' || (k === 'province' && me.province)))))));
    clear(listBox).appendChild(h('p', { class: 'loading' }, t('loading')));
    try {
      const page = await get('/api/v1/tasks' + qs(query));
      if (mine !== generation) return;
      renderRows(page, true);
    } catch (err) {
      if (mine === generation) clear(listBox).appendChild(problemBox(err));
    }
  }

  function renderRows(page, fresh) {
    if (fresh) clear(listBox);
    if (fresh && !page.items.length) {
      listBox.appendChild(h('p', { class: 'empty' }, t('noResults')));
      return;
    }
    const columns = [];
    if (canChange) {
      columns.push({ label: t('select'), cell: (r) => r.allowed_transitions.length ? h('input', { type: 'checkbox', 'aria-label': `${t('selected')} ${r.measure} ${nm(r.province, 'name')}`,
        checked: selected.has(r.id), onchange: (e) => { if (e.target.checked) selected.set(r.id, r.etag); else selected.delete(r.id); renderBatch(); } }) : '' });
    }
    // Measure codes recur across documents: name the document while several are listed.
    if (catalogue.documents.length > 1 && !filters.document) columns.push({ label: t('document'), cell: (r) => r.document });
    columns.push(
      { label: t('measure'), cell: (r) => [h('a', { href: `#/tasks/${r.id}` }, r.measure),
        r.work_items ? h('span', { class: 'tag split', title: t('rolledUp') }, `${t('split')} ${r.work_items}`) : ''] },
      { label: t('agency'), cell: (r) => nm(r.agency, 'name') },
      { label: t('province'), cell: (r) => nm(r.province, 'name') },
      { label: t('role'), cell: (r) => t(r.role) },
      { label: t('status'), cell: (r) => [statusLabel(statuses.statuses, r.status),
        r.receipt !== 'received' ? receiptBadge(r.receipt) : '',
        r.extension ? h('span', { class: 'tag extension' }, t('extensionOpen')) : ''] },
      { label: t('progress'), num: true, cell: (r) => r.progress + '%' },
      { label: t('rag'), cell: (r) => ragBadge(r.rag.effective) },
      { label: t('dueDate'), cell: (r) => [r.due_date || '', r.overdue ? h('span', { class: 'tag overdue' }, t('overdue')) : '',
        escalationBadge(r.escalation)] });
    listBox.appendChild(table(columns, page.items, { class: 'tasks' }));
    if (page.next) {
      const more = h('button', { class: 'more', onclick: async () => {
        more.disabled = true;
        try { const next = await get(page.next); more.remove(); renderRows(next, false); } catch (err) { more.replaceWith(problemBox(err)); }
      } }, t('more'));
      listBox.appendChild(more);
    }
  }

  const mineBox = h('div', {});
  clear(main).append(h('h1', {}, title), mineBox, taskFilterOptions(me, catalogue, statuses, filters, rerender), batchBar, listBox);
  if (me.role === 'agency' || me.role === 'province') myWorkItems(mineBox).catch((err) => clear(mineBox).appendChild(problemBox(err)));
  await rerender();
}

// ---- one task ------------------------------------------------------------

const WATCHED = ['status', 'progress', 'last_note', 'due_date'];
// What an evidence file may be (the server checks the content itself).
const FILE_TYPES = '.pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx,.doc,.xls,.odt,.ods,.odp';

function fmtSize(n) {
  if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MB';
  if (n >= 1024) return Math.round(n / 1024) + ' KB';
  return n + ' B';
}

async function taskView(main, me, route) {
  const id = route.params.id;
  const statuses = await taskStatuses();
  let current = null, etag = null, workItems = { items: [], decomposed: false }, agencies = [];
  const box = h('div', {});
  clear(main).append(h('p', {}, h('a', { href: '#/tasks' }, '← ', t('tasks'))), box);

  async function load() {
    const r = await api('GET', `/api/v1/tasks/${encodeURIComponent(id)}`);
    current = r.data;
    etag = r.etag;
    const [events, items] = await Promise.all([get(`/api/v1/tasks/${encodeURIComponent(id)}/events?limit=200`),
      get(`/api/v1/tasks/${encodeURIComponent(id)}/work-items`)]);
    workItems = items;
    // Those who split tasks choose among the agencies; fetched once.
    if ((me.role === 'coordinator' || me.role === 'admin') && !agencies.length) {
      agencies = (await get('/api/v1/agencies?limit=200')).items;
    }
    render(events.items);
  }

  // Evidence files: the list, and an upload for those who may change the task.
  const filesBox = h('div', { class: 'files' });
  async function loadFiles(canUpload) {
    const page = await get(`/api/v1/tasks/${encodeURIComponent(id)}/files?limit=200`);
    const status = h('div', { class: 'msg' });
    const input = h('input', { type: 'file', id: 'file-upload', accept: FILE_TYPES });
    input.addEventListener('change', async () => {
      const file = input.files[0];
      if (!file) return;
      clear(status);
      try {
        const res = await fetch(`/api/v1/tasks/${encodeURIComponent(id)}/files?name=${encodeURIComponent(file.name)}`, {
          method: 'POST', credentials: 'same-origin', body: file,
          headers: { 'Content-Type': file.type || 'application/octet-stream', Accept: 'application/json' },
        });
        if (!res.ok) {
          let problem = null;
          try { problem = await res.json(); } catch (e) { /* not JSON */ }
          throw new ApiError(res.status, problem);
        }
        await loadFiles(canUpload);
        toast(t('saved'));
      } catch (err) {
        append(status, problemBox(err));
        input.value = '';
      }
    });
    append(clear(filesBox),
      page.items.length ? table([
        { label: t('fileName'), cell: (f) => h('a', { href: f.href, download: f.name }, f.name) },
        { label: t('fileSize'), num: true, cell: (f) => fmtSize(f.size) },
        { label: t('actor'), cell: (f) => (f.uploaded_by && (f.uploaded_by.display_name || f.uploaded_by.username)) || '' },
        { label: t('when'), cell: (f) => fmtTime(f.created_at) },
        { label: 'SHA-256', cell: (f) => h('code', { class: 'hash', title: f.sha256 }, f.sha256.slice(0, 12) + '…') },
      ], page.items) : h('p', {}, t('noFiles')),
      canUpload ? h('label', { class: 'field upload', for: 'file-upload' }, h('span', {}, t('attachFile')), input) : null,
      status);
  }

  function render(events, kept) {
    const tk = current;
    // The API's rule for attaching: coordinators any task, officers their agency's (in their province).
    const mayAttach = me.role === 'coordinator' || (me.role === 'agency' && tk.agency.code === me.agency &&
      (!me.province || tk.province.code === me.province));
    loadFiles(mayAttach).catch((err) => clear(filesBox).appendChild(problemBox(err)));
    const msg = h('div', { class: 'msg' });
    const note = h('textarea', { id: 'note', name: 'note', rows: 3, maxlength: 2000 });
    const progress = h('input', { id: 'progress', name: 'progress', type: 'number', min: 0, max: 100, value: tk.progress });
    if (kept) { note.value = kept.note || ''; progress.value = kept.progress; }

    async function send(change) {
      clear(msg);
      const body = { ...change };
      if (note.value.trim()) body.note = note.value.trim();
      try {
        const r = await api('PATCH', `/api/v1/tasks/${encodeURIComponent(id)}`, body, { 'If-Match': etag });
        // A change answers the short shape: keep the measure's text from the page.
        current = { ...current, ...r.data };
        etag = r.etag;
        const ev = await get(`/api/v1/tasks/${encodeURIComponent(id)}/events?limit=200`);
        render(ev.items);
        toast(t('saved'));
      } catch (err) {
        if (err instanceof ApiError && err.status === 412) {
          const before = current;
          const latest = await api('GET', `/api/v1/tasks/${encodeURIComponent(id)}`);
          const changed = WATCHED.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(latest.data[f]));
          append(msg, h('div', { class: 'problem', role: 'alert' },
            h('strong', {}, t('conflict')),
            h('p', {}, t('conflictWhat')),
            h('ul', {}, changed.map((f) => h('li', {}, h('code', {}, f), `：${fmtValue(f, before[f])} → ${fmtValue(f, latest.data[f])}`))),
            h('button', { class: 'primary', onclick: () => {
              const keep = { note: note.value, progress: progress.value };
              current = latest.data;
              etag = latest.etag;
              get(`/api/v1/tasks/${encodeURIComponent(id)}/events?limit=200`).then((ev) => render(ev.items, keep));
            } }, t('conflictRetry'))));
        } else {
          append(msg, problemBox(err));
        }
      }
    }

    // An item event names its item: by title while it is listed, else by number (a removed one).
    function itemLabel(itemId) {
      const it = workItems.items.find((x) => x.id === itemId);
      return `${t('workItem')}「${it ? itemTitle(it) : '#' + itemId}」`;
    }

    function fmtValue(f, v) {
      if (f === 'status') return statusLabel(statuses.statuses, v);
      if (f === 'receipt' && v) return receiptLabel(v);
      if (f === 'extension' && v) return extensionStateLabel(v.state) + (v.due_date ? ' ' + v.due_date : '');
      if (f === 'escalation') return v || t('none');
      if (v === null || v === undefined || v === '') return t('none');
      return String(v);
    }

    const transitions = statuses.transitions.filter((x) => x.from === tk.status && tk.allowed_transitions.includes(x.to));
    const actions = tk.allowed_transitions.length
      ? h('div', { class: 'actions' },
        h('label', { class: 'field', for: 'note' }, h('span', {}, t('note')), note),
        tk.status === 'in_progress' ? h('div', { class: 'row' },
          h('label', { class: 'field', for: 'progress' }, h('span', {}, t('progress')), progress),
          h('button', { onclick: () => send({ progress: Number(progress.value) }) }, t('saveProgress'))) : null,
        h('div', { class: 'row' }, transitions.map((x) => h('button', {
          class: 'primary', 'data-to': x.to,
          title: x.note_required ? t('noteRequired') : (x.description_en || ''),
          onclick: () => send({ status: x.to }),
        }, closureLabel(statuses.statuses, x.from, x.to), x.note_required ? ' *' : ''))),
        transitions.some((x) => x.evidence_needed > 0) && !(tk.evidence && tk.evidence.length)
          ? h('p', { class: 'hint', id: 'closure-hint' }, t('closureNeedsEvidence')) : null,
        msg)
      : null;

    append(clear(box),
      h('h1', {}, `${tk.measure} · ${nm(tk.agency, 'name')} · ${nm(tk.province, 'name')}`),
      h('dl', { class: 'facts' },
        h('dt', {}, t('document')), h('dd', {}, tk.document),
        h('dt', {}, t('status')), h('dd', {}, statusLabel(statuses.statuses, tk.status)),
        h('dt', {}, t('progress')), h('dd', {}, tk.progress + '%'),
        h('dt', {}, t('rag')), h('dd', {}, ragBadge(tk.rag.effective)),
        h('dt', {}, t('role')), h('dd', {}, t(tk.role)),
        h('dt', {}, t('dueDate')), h('dd', {}, tk.due_date || t('none'), tk.overdue ? h('span', { class: 'tag overdue' }, t('overdue')) : ''),
        h('dt', {}, t('escalation')), h('dd', { id: 'task-escalation' }, tk.escalation ? escalationBadge(tk.escalation) : t('none')),
        h('dt', {}, t('note')), h('dd', { class: 'note' }, tk.last_note || t('none')),
        h('dt', {}, t('updated')), h('dd', {}, fmtTime(tk.updated_at))),
      section(t('measureText'), h('p', { class: 'measure-text', lang: 'zh-CN' }, tk.measure_text_zh),
        tk.measure_text_en ? h('p', { class: 'measure-text en', lang: 'en' }, tk.measure_text_en) : null),
      supervisionSection(me, tk, agencies, load, events),
      workItemsSection(me, tk, workItems, statuses, agencies, load),
      actions ? section(t('actions'), actions) : null,
      section(t('evidence'), tk.evidence && tk.evidence.length
        ? h('ul', {}, tk.evidence.map((e) => h('li', {}, h('a', { href: e.url, rel: 'noopener noreferrer', target: '_blank' }, e.title || e.url))))
        : null, filesBox),
      section(t('history'), events.length ? table([
        { label: t('when'), cell: (e) => fmtTime(e.at) },
        { label: t('actor'), cell: (e) => (e.actor && (e.actor.display_name || e.actor.username)) || '' },
        { label: t('change'), cell: (e) => (e.subject_type === 'work_item' ? `${itemLabel(e.subject_id)}：` : '') +
          (e.kind.endsWith('.escalated') ? [escalationBadge({ level: e.changes.escalation.to, ...e.changes.escalation })]
            : Object.entries(e.changes || {}).map(([f, c]) => `${f}: ${fmtValue(f, c.from)} → ${fmtValue(f, c.to)}`).join('; ')) },
        { label: t('note'), cell: (e) => e.note || '' },
      ], events) : h('p', {}, t('none'))));
  }

  try { await load(); } catch (err) { clear(box).appendChild(problemBox(err)); }
}

// ---- dashboard -----------------------------------------------------------

// A dashboard lists this many overdue tasks; the CSV has all of them.
const OVERDUE_SHOWN = 200;
// The matrix comes a page of measures at a time (the API's default page);
// 加载更多 follows its `next` link, the CSV has every row.
const MATRIX_PAGE = 50;

function figure(label, value, cls) {
  return h('div', { class: 'figure ' + (cls || '') }, h('span', { class: 'value' }, value), h('span', { class: 'label' }, label));
}

function countsColumns(statuses, first) {
  return [first,
    { label: t('tasksCount'), num: true, cell: (r) => r.tasks },
    ...statuses.statuses.map((s) => ({ label: nm(s, 'label'), num: true, cell: (r) => r[s.status] })),
    { label: t('overdue'), num: true, cell: (r) => r.overdue },
    { label: t('completion'), num: true, cell: (r) => fmtPct(r.completion_pct) }];
}

function csvLink(path) {
  return h('a', { class: 'csv', href: path + (path.includes('?') ? '&' : '?') + 'format=csv', download: '' }, t('downloadCsv'));
}

async function dashboardView(main, me, route, live) {
  const [statuses, documents] = await Promise.all([taskStatuses(), get('/api/v1/documents?limit=200')]);
  // Every document's figures, or one's (document= in the address, like the task list's filters).
  const doc = route.query.document || '';
  const several = documents.items.length > 1 && !doc;
  const body = h('div', { class: 'dashboard' });
  const liveTag = h('span', { class: 'live', role: 'status' });
  const picker = documentSelect(documents.items, doc, (e) => { location.hash = '#/dashboard' + qs({ document: e.target.value }); });
  // append() (ui.js), not the DOM's: it leaves out what is not there (no picker with one document).
  append(clear(main), h('div', { class: 'title-row' }, h('h1', {}, t('dashboard')), liveTag,
    h('a', { class: 'button', href: '#/bulletin' }, t('bulletin'))),
  picker ? h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() }, picker) : null, body);
  const charts = [];
  const dash = (name, extra) => `/api/v1/dashboard/${name}` + qs({ document: doc, ...(extra || {}) });

  async function render() {
    const from = zoneDate(-365), to = zoneDate(0);
    const [summary, byAgency, byProvince, bySection, matrix, trend, overdue, overdueItems, byDocument] = await Promise.all([
      get(dash('summary')), get(dash('by-agency')), get(dash('by-province')),
      get(dash('by-section')), get(dash('matrix', { limit: MATRIX_PAGE })),
      get(dash('trend', { from, to, interval: 'month' })), get(dash('overdue')),
      get(dash('overdue-work-items')),
      several ? get(dash('by-document')) : null]);
    charts.splice(0).forEach((c) => c.dispose());
    const tot = summary.totals;
    const matrixBox = h('div', { class: 'chart matrix', role: 'img', 'aria-label': t('matrix') });
    const matrixMore = h('p', { class: 'matrix-more' });
    const trendBox = h('div', { class: 'chart trend', role: 'img', 'aria-label': t('trend') });
    append(clear(body),
      h('div', { class: 'figures' },
        figure(t('tasksCount'), tot.tasks),
        ...statuses.statuses.map((s) => figure(nm(s, 'label'), tot[s.status], 'st-' + s.status)),
        figure(t('overdue'), tot.overdue, 'overdue'),
        figure(t('completion'), fmtPct(tot.completion_pct)),
        summary.supervision ? [
          figure(t('unreceivedCount'), summary.supervision.unreceived, 'unreceived'),
          figure(t('sentBackCount'), summary.supervision.sent_back, 'sent-back'),
          figure(t('extensionsOpenCount'), summary.supervision.extensions_open, 'extensions-open')] : null),
      byDocument ? section(t('byDocument'), csvLink(dash('by-document')), table(countsColumns(statuses, { label: t('document'),
        cell: (r) => [h('a', { href: '#/dashboard' + qs({ document: r.document }) }, nm(r, 'title')), ' · ', r.document] }),
        byDocument.rows)) : null,
      section(t('byAgency'), csvLink(dash('by-agency')), table(countsColumns(statuses, { label: t('agency'), cell: (r) => nm(r, 'name') }), byAgency.rows)),
      section(t('byProvince'), csvLink(dash('by-province')), table(countsColumns(statuses, { label: t('province'), cell: (r) => nm(r, 'name') }), byProvince.rows)),
      section(t('matrix'), csvLink(dash('matrix')), matrixBox, matrixMore),
      section(t('trend'), trendBox),
      section(t('overdueTasks'), csvLink(dash('overdue')), overdue.rows && overdue.rows.length > OVERDUE_SHOWN
        ? h('p', {}, pick([`共 ${overdue.rows.length} 项，下表列出前 ${OVERDUE_SHOWN} 项；全部见 CSV。`,
          `${overdue.rows.length} in all; the first ${OVERDUE_SHOWN} are listed, the CSV has every one.`])) : null,
      overdue.rows && overdue.rows.length
        ? table([...(several ? [{ label: t('document'), cell: (r) => r.document }] : []),
          { label: t('measure'), cell: (r) => h('a', { href: `#/tasks/${r.task}` }, r.measure) },
          { label: t('agency'), cell: (r) => nm(r.agency, 'name') || r.agency },
          { label: t('province'), cell: (r) => nm(r.province, 'name') || r.province },
          { label: t('dueDate'), cell: (r) => r.due_date },
          { label: t('status'), cell: (r) => statusLabel(statuses.statuses, r.status) }], overdue.rows.slice(0, OVERDUE_SHOWN))
        : h('p', {}, t('none'))),
      section(t('overdueWorkItems'), csvLink(dash('overdue-work-items')), overdueItems.rows.length
        ? table([{ label: t('workItem'), cell: (r) => h('a', { href: `#/tasks/${r.task}` }, lang === 'en' && r.title_en ? r.title_en : r.title_zh) },
          { label: t('measure'), cell: (r) => r.measure },
          { label: t('responsible'), cell: (r) => (r.agency ? r.agency_zh || r.agency : (r.office_zh || r.office) + t('officeSuffix')) },
          { label: t('dueDate'), cell: (r) => r.due_date },
          { label: t('daysLate'), num: true, cell: (r) => r.days_overdue },
          { label: t('status'), cell: (r) => statusLabel(statuses.statuses, r.status) }], overdueItems.rows.slice(0, OVERDUE_SHOWN))
        : h('p', {}, t('none'))),
      section(t('bySection'), csvLink(dash('by-section')), table(countsColumns(statuses, { label: t('section'),
        cell: (r) => [several ? r.document + ' · ' : '', r.section, ' ', nm(r, 'title')] }), bySection.rows)));
    showMatrix(matrixBox, matrixMore, matrix, statuses);
    drawTrend(trendBox, trend, statuses);
  }

  // The matrix's first page, with how many measures are shown and, while
  // more follow, a button that adds the next page (the chart then shows it).
  function showMatrix(el, moreBox, matrix, st) {
    let chart = drawMatrix(el, matrix, st, 0);
    const refresh = () => {
      clear(moreBox).append(pick([`已显示 ${matrix.rows.length} 项措施`, `${matrix.rows.length} measures shown`]));
      if (!matrix.next) return;
      const more = h('button', { class: 'more', onclick: async () => {
        more.disabled = true;
        try {
          const page = await get(matrix.next);
          const from = matrix.rows.length;
          matrix.rows.push(...page.rows);
          matrix.next = page.next;
          if (chart) { charts.splice(charts.indexOf(chart), 1); chart.dispose(); }
          chart = drawMatrix(el, matrix, st, from);
          refresh();
        } catch (err) { more.replaceWith(problemBox(err)); }
      } }, t('more'));
      moreBox.append(' ', more);
    };
    refresh();
  }

  function drawMatrix(el, matrix, st, from) {
    if (!window.echarts) return null;
    const order = st.statuses.map((s) => s.status);
    const rows = matrix.rows;
    // Measure codes recur across documents: label each row with its document while several are shown.
    const label = (r) => (several ? r.document + ' ' : '') + r.measure;
    // A page of measures at once, from the first of the page just loaded;
    // the others scroll with the slider beside the chart.
    const shown = Math.min(rows.length, MATRIX_PAGE);
    el.style.height = Math.max(300, shown * 16 + 80) + 'px';
    const chart = window.echarts.init(el, null, { renderer: 'canvas' });
    charts.push(chart);
    const data = [];
    rows.forEach((r, y) => matrix.provinces.forEach((p, x) => {
      const c = r[p];
      if (c) data.push([x, y, order.indexOf(c.status)]);
    }));
    chart.setOption({
      animation: false,
      grid: { left: several ? 130 : 70, right: 20, top: 30, bottom: 60 },
      tooltip: { formatter: (pt) => `${esc(label(rows[pt.value[1]]))} · ${esc(matrix.provinces[pt.value[0]])}<br>${esc(statusLabel(st.statuses, order[pt.value[2]]))}` },
      xAxis: { type: 'category', position: 'top', data: matrix.provinces },
      yAxis: { type: 'category', inverse: true, data: rows.map(label), axisLabel: { fontSize: 10 } },
      visualMap: { type: 'piecewise', orient: 'horizontal', left: 'center', bottom: 10,
        pieces: order.map((s, i) => ({ value: i, label: statusLabel(st.statuses, s) })),
        inRange: { color: ['#d0d5dd', '#4e8fd6', '#d64545', '#3aa16a', '#17693f'] } },
      dataZoom: rows.length > shown ? [{ type: 'slider', yAxisIndex: 0, right: 0, width: 14,
        start: (100 * Math.min(from, rows.length - shown)) / rows.length,
        end: (100 * (Math.min(from, rows.length - shown) + shown)) / rows.length, zoomLock: true }] : [],
      series: [{ type: 'heatmap', data, itemStyle: { borderColor: '#fff', borderWidth: 1 } }],
    });
    return chart;
  }

  function drawTrend(el, trend, st) {
    if (!window.echarts || !trend.rows) return;
    const chart = window.echarts.init(el, null, { renderer: 'canvas' });
    charts.push(chart);
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 50, right: 20, top: 20, bottom: 50 },
      xAxis: { type: 'category', data: trend.rows.map((p) => p.day) },
      yAxis: { type: 'value' },
      series: st.statuses.map((s) => ({ name: nm(s, 'label'), type: 'line', stack: 'all', areaStyle: {}, data: trend.rows.map((p) => p[s.status]) })),
    });
  }

  try { await render(); } catch (err) { clear(body).appendChild(problemBox(err)); }
  live.watch(liveTag, () => render().catch(() => {}));
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
}

function notFoundView(main) {
  clear(main).append(h('h1', {}, t('notFound')), h('p', {}, t('notFoundText')), h('p', {}, h('a', { href: '#/' }, t('back'))));
}
