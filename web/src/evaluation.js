// Evaluations and scorecards, and the reminder ladder (临近提醒 → 催办).

const COMPONENTS = [['indicators', ['指标', 'Indicators']], ['task_completion', ['任务完成', 'Task completion']],
  ['report_timeliness', ['按时报送', 'Report timeliness']], ['evaluation', ['评估', 'Evaluation']]];

async function evaluationView(main, me, route) {
  const periods = await openPeriods();
  const period = route.query.period || (periods[0] && periods[0].code) || '';
  const msg = h('div', { class: 'msg' });
  const parts = [h('h1', {}, pick(['评估与记分卡', 'Evaluations and scorecards'])),
    periods.length ? h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
      select('period', t('period'), periods.map((p) => [p.code, p.code]), period,
        (e) => { location.hash = '#/evaluation' + qs({ period: e.target.value }); })) : h('p', {}, t('noOpenPeriod'))];
  if (period) {
    const [cards, evals] = await Promise.all([get('/api/v1/scorecards' + qs({ period })), get('/api/v1/evaluations' + qs({ period, limit: 200 }))]);
    const score = (v) => (v === null || v === undefined ? pick(['无数据', 'no data']) : Number(v).toFixed(1));
    parts.push(section(pick(['记分卡', 'Scorecards']), table([
      { label: t('province'), cell: (r) => nm(r.province, 'name') },
      ...COMPONENTS.map(([k, name]) => ({ label: pick(name), num: true, cell: (r) => score(r.components[k]) })),
      { label: pick(['综合', 'Composite']), num: true, cell: (r) => h('strong', {}, score(r.composite)) },
    ], cards.provinces)));
    parts.push(section(pick(['评估记录', 'Evaluations']), evals.items.length ? table([
      { label: pick(['对象', 'Subject']), cell: (e) => `${e.subject_type} ${e.subject}` },
      { label: pick(['得分', 'Score']), num: true, cell: (e) => e.score },
      { label: pick(['等级', 'Rating']), cell: (e) => e.rating },
      { label: pick(['评估意见', 'Findings']), cell: (e) => h('span', { class: 'note' }, e.findings || '') },
      { label: pick(['当前有效', 'Current']), cell: (e) => (e.current ? t('yes') : t('no')) },
    ], evals.items) : h('p', {}, t('none'))));
    if (me.role === 'coordinator') {
      const f = {
        subject_type: h('select', { id: 'e-type' }, [['province', t('province')], ['measure', t('measure')], ['task', pick(['任务', 'Task'])]]
          .map(([v, l]) => h('option', { value: v }, l))),
        subject: h('input', { id: 'e-subject', placeholder: 'CN-LN / 3.1.1 / 12', required: true }),
        score: h('input', { id: 'e-score', type: 'number', min: 0, max: 100, step: '0.01', required: true }),
        findings: h('textarea', { id: 'e-findings', rows: 3, maxlength: 20000 }),
      };
      parts.push(section(pick(['新增评估', 'New evaluation']), h('form', { class: 'filters', onsubmit: async (e) => {
        e.preventDefault();
        clear(msg);
        try {
          await api('POST', '/api/v1/evaluations', { subject_type: f.subject_type.value, subject: f.subject.value, period,
            score: Number(f.score.value), findings: f.findings.value });
          await evaluationView(main, me, route);
          toast(t('saved'));
        } catch (err) { append(msg, problemBox(err)); }
      } },
      h('label', { class: 'field', for: 'e-type' }, h('span', {}, pick(['对象类型', 'Subject type'])), f.subject_type),
      h('label', { class: 'field', for: 'e-subject' }, h('span', {}, pick(['对象', 'Subject'])), f.subject),
      h('label', { class: 'field', for: 'e-score' }, h('span', {}, pick(['得分（0–100）', 'Score (0–100)'])), f.score),
      h('label', { class: 'field grow', for: 'e-findings' }, h('span', {}, pick(['评估意见', 'Findings'])), f.findings),
      h('button', { class: 'primary', type: 'submit' }, t('create'))), msg));
    }
  }
  clear(main).append(...parts);
}

// The escalation ladder (催办规则): read by everyone; coordinators and admins
// change it here (PUT /api/v1/escalation-ladder), every level's problem shown
// at once when the API refuses it.
function ladderSection(me, ladder, reload) {
  const mayEdit = me.role === 'coordinator' || me.role === 'admin';
  const read = table([
    { label: t('escalation'), cell: (l) => escalationBadge({ level: l.code, label_zh: l.label_zh, label_en: l.label_en }) },
    { label: t('ladderDays'), num: true, cell: (l) => l.days },
    { label: t('copyLeader'), cell: (l) => l.copy_leader ? t('yes') : t('no') },
    { label: t('ladderRepeat'), num: true, cell: (l) => l.repeat_days || '' },
  ], ladder.levels, { class: 'ladder' });
  if (!mayEdit) return section(t('ladder'), read);
  const rows = ladder.levels.map((l) => ({ ...l }));
  const box = h('div', {});
  const msg = h('div', { class: 'msg' });
  const input = (l, k, attrs, i) => h('input', { 'aria-label': `${t(attrs.label)} ${i + 1}`, 'data-field': k, ...attrs.el,
    value: l[k] === null || l[k] === undefined ? '' : l[k],
    oninput: (e) => { l[k] = attrs.num ? (e.target.value === '' ? null : Number(e.target.value)) : e.target.value; } });
  function draw() {
    const at = (l) => rows.indexOf(l);
    clear(box).append(table([
      { label: t('code'), cell: (l) => input(l, 'code', { label: 'code', el: { size: 8 } }, at(l)) },
      { label: t('labelZh'), cell: (l) => input(l, 'label_zh', { label: 'labelZh', el: { size: 8 } }, at(l)) },
      { label: t('labelEn'), cell: (l) => input(l, 'label_en', { label: 'labelEn', el: { size: 12 } }, at(l)) },
      { label: t('ladderDays'), cell: (l) => input(l, 'days', { label: 'ladderDays', num: true, el: { type: 'number', class: 'narrow' } }, at(l)) },
      { label: t('copyLeader'), cell: (l) => h('input', { type: 'checkbox', 'aria-label': `${t('copyLeader')} ${at(l) + 1}`, 'data-field': 'copy_leader',
        checked: !!l.copy_leader, onchange: (e) => { l.copy_leader = e.target.checked; } }) },
      { label: t('ladderRepeat'), cell: (l) => input(l, 'repeat_days', { label: 'ladderRepeat', num: true, el: { type: 'number', class: 'narrow' } }, at(l)) },
      { label: '', cell: (l) => h('button', { type: 'button', onclick: () => { rows.splice(at(l), 1); draw(); } }, t('remove')) },
    ], rows, { class: 'ladder edit' }));
  }
  draw();
  const body = () => ({ levels: rows.map(({ rank, ...l }) => l) });
  return section(t('ladder'), box,
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => { rows.push({ code: '', label_zh: '', label_en: '', days: null, copy_leader: false, repeat_days: null }); draw(); } }, t('addLevel')),
      h('button', { type: 'button', class: 'primary', id: 'ladder-save', onclick: async () => {
        clear(msg);
        try { await api('PUT', '/api/v1/escalation-ladder', body()); toast(t('saved')); await reload(); } catch (err) { append(msg, problemBox(err)); }
      } }, t('save'))), msg);
}

async function remindersView(main, me) {
  const [r, ladder] = await Promise.all([get('/api/v1/reminders?days=14'), get('/api/v1/escalation-ladder')]);
  clear(main).append(h('h1', {}, pick(['提醒与催办', 'Reminders'])),
    ladderSection(me, ladder, () => remindersView(main, me)),
    section(t('reports'), r.reports.length ? table([
      { label: pick(['级别', 'Level']), cell: (x) => h('span', { class: 'tag ' + (x.level === 'overdue' ? 'overdue' : '') }, lang === 'en' ? x.level.replace('_', ' ') : x.level_zh) },
      { label: t('period'), cell: (x) => x.period },
      { label: t('province'), cell: (x) => nm(x, 'name') },
      { label: t('state'), cell: (x) => reportState(x.state) },
      { label: t('dueOn'), cell: (x) => x.due_on },
      { label: pick(['剩余天数', 'Days left']), num: true, cell: (x) => x.days_left },
    ], r.reports) : h('p', {}, t('none'))),
    section(t('overdueTasks'), r.overdue_tasks.length ? table([
      { label: t('agency'), cell: (x) => nm(x, 'name') || x.agency },
      { label: t('tasksCount'), num: true, cell: (x) => (x.tasks ? x.tasks.length : x.count) },
    ], r.overdue_tasks) : h('p', {}, t('none'))),
    section(t('workItemReminders'), r.work_items.length ? table([
      { label: pick(['级别', 'Level']), cell: (x) => h('span', { class: 'tag ' + (x.level === 'overdue' ? 'overdue' : '') }, lang === 'en' ? x.level.replace('_', ' ') : x.level_zh) },
      { label: t('workItem'), cell: (x) => h('a', { href: `#/tasks/${x.task}` }, lang === 'en' && x.title_en ? x.title_en : x.title_zh) },
      { label: t('measure'), cell: (x) => x.measure },
      { label: t('responsible'), cell: (x) => nm(x, 'name') + (x.office ? t('officeSuffix') : '') },
      { label: t('dueDate'), cell: (x) => x.due_date },
      { label: pick(['剩余天数', 'Days left']), num: true, cell: (x) => x.days_left },
    ], r.work_items) : h('p', {}, t('none'))),
    section(t('escalations'), (r.escalations || []).length ? table([
      { label: t('escalation'), cell: (x) => escalationBadge(x) },
      { label: t('measure'), cell: (x) => h('a', { href: `#/tasks/${x.task}` }, x.measure, x.work_item ? ` · ${t('workItem')} #${x.work_item}` : '') },
      { label: t('agency'), cell: (x) => x.agency || '' },
      { label: t('province'), cell: (x) => x.province || '' },
      { label: t('dueDate'), cell: (x) => x.due_date },
      { label: pick(['剩余天数', 'Days left']), num: true, cell: (x) => x.days_left },
    ], r.escalations, { class: 'escalations' }) : h('p', {}, t('none'))));
}
