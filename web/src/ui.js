// Building the page. Every text people typed goes in through textContent
// (never innerHTML), so a note such as <img src=x onerror=…> shows as text.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let toastTimer = null;
function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 3500);
}

// A refusal from the API, in words: what it means, the API's own detail, and
// each field it names.
function problemBox(err) {
  const words = err instanceof ApiError ? pick(PROBLEM_WORDS[err.kind]) : '';
  const detail = err instanceof ApiError ? err.problem.detail : String(err && err.message || err);
  const errors = err instanceof ApiError ? err.problem.errors : null;
  // errors: field -> message, or (an import) a list of located problems.
  const fields = !errors ? [] : Array.isArray(errors)
    ? errors.map((e) => [e.pointer || (e.line ? `${e.line}:${e.column || ''}` : '/'), e.detail])
    : Object.entries(errors);
  return h('div', { class: 'problem', role: 'alert' },
    h('strong', {}, words || t('error')),
    detail ? h('p', {}, detail) : null,
    fields.length ? h('ul', {}, fields.map(([f, m]) => h('li', {}, h('code', {}, f), '：', String(m)))) : null);
}

function ragBadge(rag) {
  return rag ? h('span', { class: 'rag rag-' + rag }, pick(RAG_NAMES[rag]) || rag) : '';
}

// A level of the escalation ladder (催办) as a tag: its label, its repeat, and
// whether it is copied to the unit's leader. e is a task's or item's
// `escalation`, a reminder's or a dashboard row (level, label_zh/en, repeat).
function escalationBadge(e) {
  if (!e) return '';
  const extra = [e.repeat ? t('repeatNo').replace('{n}', e.repeat) : '', e.copy_leader ? t('copyLeader') : ''].filter(Boolean);
  return h('span', { class: `tag esc esc-${e.level}`, 'data-level': e.level },
    nm(e, 'label') || e.level, extra.length ? `（${extra.join('，')}）` : '');
}

function statusLabel(statuses, status) {
  const s = statuses && statuses.find((x) => x.status === status);
  return s ? nm(s, 'label') : status;
}

function select(name, label, options, value, onchange) {
  const id = 'f-' + name;
  return h('label', { class: 'field', for: id }, h('span', {}, label),
    h('select', { id, name, onchange },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

function table(columns, rows, opts) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: (opts && opts.class) || '' },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : '' }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) =>
        h('td', { class: c.num ? 'num' : '', 'data-label': c.label }, c.cell(r))))))));
}

// A card with a heading; links of class "csv" among the children sit beside the heading.
function section(title, ...children) {
  const tools = children.filter((c) => c instanceof Element && c.classList.contains('csv'));
  const rest = children.filter((c) => !tools.includes(c));
  return h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, title), ...tools), ...rest);
}

// For the one place that takes HTML, ECharts' tooltips: escape every value.
function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
