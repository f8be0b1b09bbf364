// The organisation tree below a province (cities, counties, zones) and its
// node reports, approved bottom-up: docs/workflow.md and docs/reporting.md.
// Coordinators and admins add nodes; a user scoped to a node files its
// node's report; the level right above approves or returns it.

const NODE_KINDS = { city: ['市', 'City'], county: ['县/区', 'County'], zone: ['开发区/园区', 'Zone'], region: ['区域', 'Region'] };
const NODE_REPORT_STATES = { submitted: ['已提交', 'Submitted'], approved: ['已批准', 'Approved'], returned: ['已退回', 'Returned'] };

async function orgTreeView(main, meNow, r) {
  const [catalogue, periods] = await Promise.all([loadCatalogue(), openPeriods()]);
  const province = r.query.province || meNow.province || catalogue.provinces[0].code;
  const period = r.query.period || (periods.find((p) => !p.closed) || periods[0] || {}).code || '';
  const [tree, reports] = await Promise.all([
    get(`/api/v1/provinces/${encodeURIComponent(province)}/nodes`),
    period ? get(`/api/v1/provinces/${encodeURIComponent(province)}/node-reports/${encodeURIComponent(period)}`) : null,
  ]);
  const msg = h('div', { class: 'msg' });
  const go = (p, pe) => { location.hash = `#/tree?province=${encodeURIComponent(p)}&period=${encodeURIComponent(pe)}`; };
  async function run(fn) {
    clear(msg);
    try {
      await fn();
      toast(t('saved'));
      await orgTreeView(main, meNow, r);
    } catch (err) { append(msg, problemBox(err)); }
  }

  const filters = h('div', { class: 'filters' },
    select('province', t('province'), catalogue.provinces.map((p) => [p.code, nm(p, 'name')]), province, (e) => go(e.target.value, period)),
    select('period', t('period'), periods.map((p) => [p.code, p.code]), period, (e) => go(province, e.target.value)));

  const list = h('ul', { class: 'org-tree', id: 'org-tree' }, tree.items.map((n) => h('li', {
    'data-node': n.code, class: `depth-${Math.min(n.depth, 5)}`,
  }, h('strong', {}, lang === 'en' ? n.name_en : n.name_zh), ' ',
  h('span', { class: 'tag' }, pick(NODE_KINDS[n.kind])), ' ', h('code', {}, n.code),
  meNow.node === n.code ? h('span', { class: 'tag' }, t('yourNode')) : '')));

  const parts = [h('h1', {}, t('orgTree')), msg, filters, section(t('orgTree'), list)];

  if (meNow.role === 'coordinator' || meNow.role === 'admin') {
    const f = {
      code: h('input', { id: 'n-code', required: true, placeholder: `${province}-…`, autocomplete: 'off' }),
      parent: h('select', { id: 'n-parent' }, h('option', { value: '' }, t('underProvince')),
        tree.items.map((n) => h('option', { value: n.code }, `${n.name_zh} (${n.code})`))),
      kind: h('select', { id: 'n-kind' }, Object.keys(NODE_KINDS).map((k) => h('option', { value: k }, pick(NODE_KINDS[k])))),
      name_zh: h('input', { id: 'n-name-zh', required: true }),
      name_en: h('input', { id: 'n-name-en', required: true }),
    };
    parts.push(section(t('addNode'), h('form', { class: 'filters', onsubmit: (e) => {
      e.preventDefault();
      const body = { code: f.code.value.trim(), kind: f.kind.value, name_zh: f.name_zh.value, name_en: f.name_en.value };
      if (f.parent.value) body.parent = f.parent.value;
      run(() => api('POST', `/api/v1/provinces/${encodeURIComponent(province)}/nodes`, body));
    } },
    h('label', { class: 'field', for: 'n-parent' }, h('span', {}, t('parentNode')), f.parent),
    h('label', { class: 'field', for: 'n-kind' }, h('span', {}, t('nodeKind')), f.kind),
    h('label', { class: 'field', for: 'n-code' }, h('span', {}, t('nodeCode')), f.code),
    h('label', { class: 'field', for: 'n-name-zh' }, h('span', {}, t('nameZh')), f.name_zh),
    h('label', { class: 'field', for: 'n-name-en' }, h('span', {}, t('nameEn')), f.name_en),
    h('button', { class: 'primary', type: 'submit' }, t('create')))));
  }

  if (reports) {
    // The level right above reviews: a user scoped to the parent node, or the
    // province's own office (no node) for a node right under the province.
    const reviewer = (rep) => meNow.role === 'province' && meNow.province === province && rep.state === 'submitted'
      && (meNow.node || null) === rep.parent;
    const reportParts = [table([
      { label: t('node'), cell: (rep) => `${rep.name_zh} (${rep.node})` },
      { label: t('state'), cell: (rep) => h('span', { class: 'node-report-state', 'data-node': rep.node }, pick(NODE_REPORT_STATES[rep.state])) },
      { label: t('pendingBelow'), num: true, cell: (rep) => rep.pending_below },
      { label: t('summary'), cell: (rep) => rep.summary },
      { label: t('reviewComment'), cell: (rep) => rep.review_comment || '' },
      { label: '', cell: (rep) => {
        if (!reviewer(rep)) return '';
        const comment = h('input', { 'aria-label': `${t('reviewComment')} ${rep.node}`, placeholder: t('reviewComment') });
        const act = (action) => run(() => api('POST', `${rep.href}/${action}`, comment.value.trim() ? { comment: comment.value.trim() } : undefined));
        return h('div', { class: 'row', 'data-review': rep.node }, comment,
          h('button', { class: 'primary', 'data-action': 'approve', onclick: () => act('approve') }, t('approve')),
          h('button', { 'data-action': 'return', onclick: () => act('return') }, t('return')));
      } },
    ], reports.items)];
    if (meNow.role === 'province' && meNow.node && meNow.province === province) {
      const summary = h('textarea', { id: 'node-summary', rows: 3, maxlength: 20000 });
      reportParts.push(h('form', { class: 'filters', onsubmit: (e) => {
        e.preventDefault();
        run(() => api('POST', `/api/v1/provinces/${encodeURIComponent(province)}/node-reports/${encodeURIComponent(period)}`, { summary: summary.value }));
      } }, h('label', { class: 'field', for: 'node-summary' }, h('span', {}, t('fileNodeReport')), summary),
      h('button', { class: 'primary', type: 'submit' }, t('submit'))));
    }
    parts.push(section(`${t('nodeReports')} · ${period}`, ...reportParts));
  }
  clear(main).append(...parts);
}
