// Work items (分解): a task split into pieces, each with its own due date and
// the agency or provincial office that carries it. The task's status and
// progress roll up from them; the API does that, the page shows it.

// Who carries an item, in words: the agency, or the province's office.
function carrierName(item) {
  if (item.agency) return nm(item.agency, 'name');
  // An office's item sent down to a city, county or zone names the node too.
  if (item.office) return nm(item.office, 'name') + t('officeSuffix') + (item.node ? ' · ' + nm(item.node, 'name') : '');
  return '';
}

function itemTitle(item) {
  return lang === 'en' && item.title_en ? item.title_en : item.title_zh;
}

function dueCell(item) {
  return [item.due_date || '', item.overdue ? h('span', { class: 'tag overdue' }, t('overdue')) : ''];
}

// The task page's section: the items, what the caller may do to each (the
// buttons are the item's allowed_transitions), and, for coordinators and
// admins, removing an item and adding one. onChange reloads the task, its
// items and its history after a change; a refused change keeps what was typed.
function workItemsSection(me, task, items, statuses, agencies, onChange) {
  const msg = h('div', { class: 'msg' });
  const planner = me.role === 'coordinator' || me.role === 'admin';

  async function send(method, item, body) {
    clear(msg);
    try {
      await api(method, item.href, body, { 'If-Match': item.etag });
      await onChange();
      toast(t('saved'));
    } catch (err) {
      append(msg, problemBox(err));
    }
  }

  async function act(item, path, body) {
    clear(msg);
    try {
      await api('POST', item.href + path, body);
      await onChange();
      toast(t('saved'));
    } catch (err) {
      append(msg, problemBox(err));
    }
  }

  function controls(item) {
    const parts = [];
    // Receipt (签收/退回) by the party carrying the item.
    if (item.actions.includes('receive')) {
      parts.push(h('button', { class: 'primary', 'data-item-receive': item.id, onclick: () => act(item, '/receive') }, t('receive')));
    }
    if (item.actions.includes('send_back')) {
      const why = h('input', { class: 'item-reason', maxlength: 2000, placeholder: t('reason'), 'aria-label': `${t('reason')}：${itemTitle(item)}` });
      parts.push(why, h('button', { 'data-item-send-back': item.id,
        onclick: () => act(item, '/send-back', why.value.trim() ? { reason: why.value.trim() } : {}) }, t('sendBack')));
    }
    if (item.allowed_transitions.length) {
      const label = itemTitle(item);
      const note = h('input', { class: 'item-note', maxlength: 2000, placeholder: t('note'), 'aria-label': `${t('note')}：${label}` });
      const withNote = (change) => (note.value.trim() ? { ...change, note: note.value.trim() } : change);
      if (item.status === 'in_progress') {
        const progress = h('input', { type: 'number', class: 'narrow item-progress', min: 0, max: 100, value: item.progress,
          'aria-label': `${t('progress')}：${label}` });
        parts.push(progress, h('button', { onclick: () => send('PATCH', item, withNote({ progress: Number(progress.value) })) }, t('saveProgress')));
      }
      parts.push(note);
      for (const x of statuses.transitions.filter((tr) => tr.from === item.status && item.allowed_transitions.includes(tr.to))) {
        parts.push(h('button', { class: 'primary', 'data-item-to': x.to, title: x.note_required ? t('noteRequired') : (x.description_en || ''),
          onclick: () => send('PATCH', item, withNote({ status: x.to })) }, statusLabel(statuses.statuses, x.to), x.note_required ? ' *' : ''));
      }
    }
    // Only an item no work was reported on may go (the API says so otherwise).
    if (planner && item.status === 'not_started' && item.progress === 0) {
      parts.push(h('button', { class: 'link', 'data-remove': item.id, onclick: () => send('DELETE', item) }, t('remove')));
    }
    return parts.length ? h('div', { class: 'row item-actions', 'data-item': item.id }, parts) : '';
  }

  const list = items.items.length
    ? table([
      { label: t('workItem'), cell: (it) => [h('span', { lang: lang === 'en' && it.title_en ? 'en' : 'zh-CN' }, itemTitle(it)),
        it.last_note ? h('div', { class: 'muted note' }, it.last_note) : null] },
      { label: t('responsible'), cell: carrierName },
      { label: t('dueDate'), cell: dueCell },
      { label: t('status'), cell: (it) => [statusLabel(statuses.statuses, it.status), receiptBadge(it.receipt)] },
      { label: t('progress'), num: true, cell: (it) => it.progress + '%' },
      { label: t('actions'), cell: controls },
    ], items.items, { class: 'tasks work-items' })
    : h('p', { class: 'empty' }, t('noWorkItems'));

  return section(t('workItems'),
    items.decomposed ? h('p', { class: 'notice' }, t('rolledUp')) : null,
    list, msg, planner ? addForm(task, agencies, onChange) : null);
}

// Splitting off one more item: title (Chinese required), due date, and who
// carries it: the task's provincial office (at the province, or sent down to a
// city, county or zone of its organisation tree) or an agency.
function addForm(task, agencies, onChange) {
  const msg = h('div', { class: 'msg' });
  const titleZh = h('input', { id: 'wi-title-zh', required: true, maxlength: 200 });
  const titleEn = h('input', { id: 'wi-title-en', maxlength: 200, lang: 'en' });
  const due = h('input', { id: 'wi-due', type: 'date', required: true, min: '2000-01-01', max: '2100-12-31' });
  const carriers = [[`office:${task.province.code}`, nm(task.province, 'name') + t('officeSuffix')],
    ...[...agencies].sort((a, b) => (b.code === task.agency.code) - (a.code === task.agency.code))
      .map((a) => [`agency:${a.code}`, nm(a, 'name')])];
  const carrier = h('select', { id: 'wi-carrier' },
    carriers.map(([v, text]) => h('option', { value: v, selected: v === `agency:${task.agency.code}` }, text)));
  // The province's nodes, right after its office, once they are read.
  get(`/api/v1/provinces/${encodeURIComponent(task.province.code)}/nodes`).then((tree) => {
    const office = carrier.options[0];
    for (const n of [...tree.items].reverse()) {
      office.after(h('option', { value: `node:${n.code}` }, `${nm(task.province, 'name')}${t('officeSuffix')} · ${nm(n, 'name')}`));
    }
  }).catch(() => {});
  const note = h('input', { id: 'wi-note', maxlength: 2000 });
  const button = h('button', { type: 'submit', class: 'primary' }, t('add'));
  const form = h('form', { class: 'add-item', 'aria-labelledby': 'wi-head' },
    h('h3', { id: 'wi-head' }, t('addWorkItem')),
    h('div', { class: 'row' },
      h('label', { class: 'field grow', for: 'wi-title-zh' }, h('span', {}, t('titleZh')), titleZh),
      h('label', { class: 'field grow', for: 'wi-title-en' }, h('span', {}, t('titleEn')), titleEn)),
    h('div', { class: 'row' },
      h('label', { class: 'field', for: 'wi-due' }, h('span', {}, t('dueDate')), due),
      h('label', { class: 'field', for: 'wi-carrier' }, h('span', {}, t('responsible')), carrier),
      h('label', { class: 'field grow', for: 'wi-note' }, h('span', {}, t('note')), note),
      button),
    msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(msg);
    const [kind, code] = carrier.value.split(':');
    const body = { title_zh: titleZh.value, due_date: due.value };
    if (kind === 'node') Object.assign(body, { office: task.province.code, node: code });
    else body[kind] = code;
    if (titleEn.value.trim()) body.title_en = titleEn.value.trim();
    if (note.value.trim()) body.note = note.value.trim();
    button.disabled = true;
    try {
      await api('POST', `/api/v1/tasks/${encodeURIComponent(task.id)}/work-items`, body);
      await onChange();
      toast(t('saved'));
    } catch (err) {
      append(msg, problemBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// The items the caller's agency or office carries, above its task list: the
// way an officer finds a piece of someone else's task. Nothing when none.
async function myWorkItems(box) {
  const page = await get('/api/v1/work-items?mine=true&limit=100');
  if (!page.items.length) return;
  clear(box).appendChild(section(t('myWorkItems'), table([
    { label: t('workItem'), cell: (it) => h('a', { href: `#/tasks/${it.task}` }, itemTitle(it)) },
    { label: t('measure'), cell: (it) => it.measure },
    { label: t('dueDate'), cell: dueCell },
    { label: t('status'), cell: (it) => statusLabel(statusCache && statusCache.statuses, it.status) },
    { label: t('progress'), num: true, cell: (it) => it.progress + '%' },
  ], page.items, { class: 'tasks' })));
}
