// The API reference page: api/openapi.yaml (served as JSON) made readable.
(function () {
  'use strict';
  const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function render(doc) {
    const main = document.getElementById('main');
    main.textContent = '';
    main.appendChild(h('h1', {}, doc.info.title, ' ', h('small', {}, doc.info.version)));
    if (doc.info.description) main.appendChild(h('p', { class: 'desc' }, doc.info.description));
    const byTag = new Map();
    for (const [path, item] of Object.entries(doc.paths || {})) {
      for (const m of METHODS) {
        const op = item[m];
        if (!op) continue;
        const tag = (op.tags && op.tags[0]) || 'other';
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push([m, path, op]);
      }
    }
    for (const [tag, ops] of byTag) {
      main.appendChild(h('h2', { id: 'tag-' + tag }, tag));
      for (const [m, path, op] of ops) {
        const params = (op.parameters || []).map((p) => p.$ref ? p.$ref.split('/').pop() : `${p.name} (${p.in})`);
        const codes = Object.keys(op.responses || {});
        main.appendChild(h('div', { class: 'op' },
          h('div', {}, h('span', { class: 'method' }, m.toUpperCase()), ' ', h('code', {}, path)),
          op.summary ? h('p', {}, op.summary) : null,
          params.length ? h('p', {}, 'Parameters: ', params.join(', ')) : null,
          h('p', {}, 'Responses: ', codes.join(', '))));
      }
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    fetch('/api/v1/openapi.json', { credentials: 'same-origin' })
      .then((r) => r.json()).then(render)
      .catch((e) => { document.getElementById('main').textContent = 'Could not load the API description: ' + e; });
  });
})();
