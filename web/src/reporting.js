// Provincial reports and their review, periods, and the printable bulletin.

async function openPeriods() {
  const page = await get('/api/v1/periods?limit=200');
  return page.items;
}

function reportRow(r) {
  return {
    ...r,
    link: h('a', { href: `#/reports/${r.id}` }, `${r.period} · ${nm(r.province, 'name')}`),
  };
}

// The list of reports: a province's own (with "new report" for the open
// period), or, for the secretariat, the queue of submitted ones first.
async function reportsView(main, me, route) {
  const periods = await openPeriods();
  const state = route.query.state || (me.role === 'coordinator' ? 'submitted' : '');
  const reports = await get('/api/v1/reports' + qs({ state, limit: 200 }));
  const open = periods.filter((p) => !p.closed);
  const parts = [h('h1', {}, me.role === 'coordinator' ? t('review') : t('reports'))];
  if (me.role === 'province') {
    parts.push(section(t('openPeriod'), open.length
      ? table([{ label: t('period'), cell: (p) => p.code }, { label: t('dueOn'), cell: (p) => p.due_on },
        { label: '', cell: (p) => reports.items.some((r) => r.period === p.code && r.current)
          ? '' : h('a', { class: 'button', href: `#/reports/new?period=${encodeURIComponent(p.code)}` }, t('newReport')) }], open)
      : h('p', {}, t('noOpenPeriod'))));
  }
  const states = ['', 'draft', 'submitted', 'returned', 'accepted'];
  parts.push(h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
    select('state', t('state'), states.map((s) => [s, s ? reportState(s) : t('all')]), state,
      (e) => { location.hash = '#/reports' + qs({ state: e.target.value }); })));
  parts.push(reports.items.length ? table([
    { label: t('reportsLink'), cell: (r) => reportRow(r).link },
    { label: t('revision'), num: true, cell: (r) => r.revision },
    { label: t('state'), cell: (r) => reportState(r.state) },
    { label: t('submittedAt'), cell: (r) => fmtTime(r.submitted_at) },
    { label: t('disagrees'), num: true, cell: (r) => r.discrepancies },
  ], reports.items, { class: 'tasks' }) : h('p', { class: 'empty' }, t('noReports')));
  clear(main).append(...parts);
}

// One report: the province edits its draft (claims per task) and submits it;
// the secretariat accepts or returns it with a reason. A failed save keeps
// everything typed in the form.
async function reportView(main, me, route) {
  const [statuses, catalogue] = await Promise.all([taskStatuses(), loadCatalogue()]);
  const agencyName = (code) => nm(catalogue.agencies.find((a) => a.code === code), 'name') || code;
  const isNew = route.params.id === 'new';
  let report;
  if (isNew) {
    const tasks = [];
    let path = '/api/v1/tasks' + qs({ province: me.province, limit: 200 });
    while (path) {
      const page = await get(path);
      tasks.push(...page.items);
      path = page.next;
    }
    report = {
      id: null, period: route.query.period, province: { code: me.province }, state: 'draft', summary: '',
      allowed_actions: ['edit'], revisions: [], items: tasks.map((tk) => ({
        task: tk.id, measure: tk.measure, agency: tk.agency.code, claimed: { status: tk.status, progress: tk.progress },
        recorded: { status: tk.status, progress: tk.progress }, narrative: '', evidence: [] })),
    };
  } else {
    report = (await api('GET', `/api/v1/reports/${encodeURIComponent(route.params.id)}`)).data;
  }
  const editable = report.allowed_actions.includes('edit');
  const msg = h('div', { class: 'msg' });
  const summary = h('textarea', { id: 'summary', rows: 4, maxlength: 20000, readonly: !editable }, report.summary || '');
  summary.value = report.summary || '';
  const rows = report.items.map((it) => {
    const st = h('select', { 'aria-label': `${t('claimed')} ${t('status')} ${it.measure}`, disabled: !editable },
      statuses.statuses.map((s) => h('option', { value: s.status, selected: s.status === it.claimed.status }, nm(s, 'label'))));
    const pr = h('input', { type: 'number', min: 0, max: 100, value: it.claimed.progress, 'aria-label': `${t('claimed')} ${t('progress')} ${it.measure}`, readonly: !editable });
    const nar = h('textarea', { rows: 2, maxlength: 5000, 'aria-label': `${t('narrative')} ${it.measure}`, readonly: !editable });
    nar.value = it.narrative || '';
    return { it, st, pr, nar };
  });

  function body() {
    return {
      summary: summary.value,
      items: rows.map(({ it, st, pr, nar }) => ({ task: it.task, status: st.value, progress: Number(pr.value), narrative: nar.value })),
    };
  }

  async function act(fn) {
    clear(msg);
    try {
      const r = await fn();
      toast(t('saved'));
      location.hash = `#/reports/${r.data.id}`;
      if (!isNew) await reportView(main, me, route);
    } catch (err) {
      append(msg, problemBox(err));
    }
  }

  const comment = h('textarea', { id: 'review-comment', rows: 2, maxlength: 2000 });
  const actions = [];
  if (editable) {
    actions.push(h('button', { onclick: () => act(() => isNew
      ? api('POST', '/api/v1/reports', { period: report.period, ...body() })
      : api('PATCH', `/api/v1/reports/${report.id}`, body())) }, t('saveDraft')));
  }
  if (report.allowed_actions.includes('submit')) {
    actions.push(h('button', { class: 'primary', onclick: () => act(async () => {
      if (editable) await api('PATCH', `/api/v1/reports/${report.id}`, body());
      return api('POST', `/api/v1/reports/${report.id}/submit`, {});
    }) }, t('submit')));
  }
  for (const [action, key] of [['accept', 'accept'], ['return', 'returnReport'], ['revisions', 'revise']]) {
    if (report.allowed_actions.includes(action)) {
      actions.push(h('button', { class: action === 'accept' ? 'primary' : '', 'data-action': action, onclick: () => act(() =>
        api('POST', `/api/v1/reports/${report.id}/${action}`, comment.value.trim() ? { comment: comment.value.trim() } : {})) }, t(key)));
    }
  }
  const reviewing = report.allowed_actions.includes('return') || report.allowed_actions.includes('accept');

  clear(main).append(
    h('p', {}, h('a', { href: '#/reports' }, '← ', t('reports'))),
    h('h1', {}, `${report.period} · ${nm(report.province, 'name') || report.province.code}`),
    h('dl', { class: 'facts' },
      h('dt', {}, t('state')), h('dd', { id: 'report-state' }, reportState(report.state)),
      h('dt', {}, t('revision')), h('dd', {}, report.revision || 1),
      report.review_comment ? [h('dt', {}, t('reviewComment')), h('dd', { class: 'note' }, report.review_comment)] : null,
      report.submitted_at ? [h('dt', {}, t('submittedAt')), h('dd', {}, fmtTime(report.submitted_at))] : null),
    section(t('summary'), h('label', { class: 'field', for: 'summary' }, h('span', {}, t('summary')), summary)),
    section(t('tasks'), table([
      { label: t('measure'), cell: (r) => h('a', { href: `#/tasks/${r.it.task}` }, r.it.measure) },
      { label: t('agency'), cell: (r) => agencyName(r.it.agency) },
      { label: `${t('claimed')} · ${t('status')}`, cell: (r) => r.st },
      { label: `${t('claimed')} · ${t('progress')}`, cell: (r) => r.pr },
      { label: t('recorded'), cell: (r) => [statusLabel(statuses.statuses, r.it.recorded.status), ' ', r.it.recorded.progress + '%',
        r.it.disagrees ? h('span', { class: 'tag overdue' }, t('disagrees')) : ''] },
      { label: t('narrative'), cell: (r) => r.nar },
    ], rows, { class: 'tasks report-items' })),
    reviewing ? section(t('reviewComment'), h('label', { class: 'field', for: 'review-comment' }, h('span', {}, t('reasonRequired')), comment)) : null,
    h('div', { class: 'row actions-bar' }, actions), msg);
}

async function periodsView(main) {
  const periods = await openPeriods();
  const msg = h('div', { class: 'msg' });
  const f = {
    code: h('input', { id: 'p-code', placeholder: '2027-Q1', required: true }),
    starts_on: h('input', { id: 'p-starts', type: 'date', required: true }),
    ends_on: h('input', { id: 'p-ends', type: 'date', required: true }),
    due_on: h('input', { id: 'p-due', type: 'date', required: true }),
  };
  async function run(fn) {
    clear(msg);
    try { await fn(); await periodsView(main); toast(t('saved')); } catch (err) { append(msg, problemBox(err)); }
  }
  clear(main).append(h('h1', {}, t('periods')),
    periods.length ? table([
      { label: t('code'), cell: (p) => p.code }, { label: t('startsOn'), cell: (p) => p.starts_on },
      { label: t('endsOn'), cell: (p) => p.ends_on }, { label: t('dueOn'), cell: (p) => p.due_on },
      { label: t('state'), cell: (p) => p.closed ? t('closed') : t('open') },
      { label: '', cell: (p) => {
        if (!p.closed) return h('button', { onclick: () => run(() => api('POST', `/api/v1/periods/${encodeURIComponent(p.code)}/close`, {})) }, t('close'));
        const reason = h('input', { 'aria-label': t('reopenReason'), placeholder: t('reopenReason') });
        return h('span', { class: 'row' }, reason, h('button', { onclick: () => run(() =>
          api('POST', `/api/v1/periods/${encodeURIComponent(p.code)}/reopen`, { reason: reason.value })) }, t('reopen')));
      } },
    ], periods) : h('p', { class: 'empty' }, t('none')),
    section(t('create'), h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault();
      run(() => api('POST', '/api/v1/periods', Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.value])))); } },
    h('label', { class: 'field', for: 'p-code' }, h('span', {}, t('code')), f.code),
    h('label', { class: 'field', for: 'p-starts' }, h('span', {}, t('startsOn')), f.starts_on),
    h('label', { class: 'field', for: 'p-ends' }, h('span', {}, t('endsOn')), f.ends_on),
    h('label', { class: 'field', for: 'p-due' }, h('span', {}, t('dueOn')), f.due_on),
    h('button', { class: 'primary', type: 'submit' }, t('create'))), msg));
}

// A4 情况通报 for a period: the figures, the charts, overdue tasks by agency
// and reporting compliance, printed from the browser.
async function bulletinView(main, me, route) {
  const statuses = await taskStatuses();
  const periods = await openPeriods();
  const period = route.query.period || (periods[0] && periods[0].code) || '';
  const [summary, byAgency, byProvince, overdue, compliance, esc] = await Promise.all([
    get('/api/v1/dashboard/summary'), get('/api/v1/dashboard/by-agency'), get('/api/v1/dashboard/by-province'),
    get('/api/v1/dashboard/overdue'), get('/api/v1/dashboard/reporting-compliance' + qs({ period })),
    get('/api/v1/dashboard/escalations')]);
  // The ladder's levels, highest first, as the columns of the escalation table (督办情况).
  const levels = [...esc.ladder].reverse();
  const escColumns = (first) => [first, ...levels.map((l) => ({ label: nm(l, 'label'), num: true, cell: (r) => r.levels[l.code] || 0 })),
    { label: t('tasksCount'), num: true, cell: (r) => r.total }];
  const tot = summary.totals;
  const byAgencyOverdue = new Map();
  for (const r of overdue.rows || []) {
    const key = nm(r.agency, 'name') || r.agency_name_zh || r.agency || '';
    if (!byAgencyOverdue.has(key)) byAgencyOverdue.set(key, []);
    byAgencyOverdue.get(key).push(r);
  }
  const comp = (compliance.periods && compliance.periods[0]) || null;
  clear(main).append(
    h('div', { class: 'no-print title-row' },
      periods.length ? select('period', t('period'), periods.map((p) => [p.code, p.code]), period,
        (e) => { location.hash = '#/bulletin' + qs({ period: e.target.value }); }) : null,
      h('button', { class: 'primary', onclick: () => window.print() }, t('print'))),
    h('article', { class: 'bulletin' },
      h('h1', {}, t('bulletinTitle'), period ? `（${period}）` : ''),
      h('p', { class: 'muted' }, `${t('generatedAt')}：${fmtTime(new Date().toISOString())}`),
      h('div', { class: 'figures' },
        figure(t('tasksCount'), tot.tasks),
        ...statuses.statuses.map((s) => figure(nm(s, 'label'), tot[s.status], 'st-' + s.status)),
        figure(t('overdue'), tot.overdue, 'overdue'),
        figure(t('completion'), fmtPct(tot.completion_pct))),
      section(t('byAgency'), table(countsColumns(statuses, { label: t('agency'), cell: (r) => nm(r, 'name') }), byAgency.rows)),
      section(t('byProvince'), table(countsColumns(statuses, { label: t('province'), cell: (r) => nm(r, 'name') }), byProvince.rows)),
      section(t('overdueByAgency'), byAgencyOverdue.size
        ? [...byAgencyOverdue.entries()].map(([agency, rows]) => h('div', {}, h('h3', {}, `${agency}（${rows.length}）`),
          h('ul', {}, rows.map((r) => h('li', {}, `${r.measure} · ${nm(r.province, 'name') || r.province || ''} · ${t('dueDate')} ${r.due_date}`)))))
        : h('p', {}, t('none'))),
      section(t('escalations'), esc.rows.length ? [
        h('p', {}, esc.levels.map((l) => `${nm(l, 'label')} ${l.count}`).join(' · ')),
        table(escColumns({ label: t('agency'), cell: (r) => nm(r, 'name') }), esc.by_agency, { class: 'escalations' }),
        table(escColumns({ label: t('province'), cell: (r) => nm(r, 'name') }), esc.by_province)]
        : h('p', {}, t('none'))),
      section(t('compliance'), comp ? [
        h('p', {}, `${t('reportingRate')} ${fmtPct(100 * (comp.reporting_rate || 0))} · ${t('onTimeRate')} ${fmtPct(100 * (comp.on_time_rate || 0))}`),
        table([{ label: t('province'), cell: (r) => nm(r.province, 'name') || r.province },
          { label: t('state'), cell: (r) => reportState(r.state) },
          { label: t('onTime'), cell: (r) => r.on_time === null || r.on_time === undefined ? '' : (r.on_time ? t('yes') : t('no')) },
          { label: t('daysLate'), num: true, cell: (r) => r.days_late || '' }], comp.provinces || [])]
        : h('p', {}, t('none')))));
}
