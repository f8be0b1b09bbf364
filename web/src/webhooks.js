// The administrator's webhooks (docs/webhooks.md): endpoints for DingTalk and
// WeCom groups or JSON receivers, their signing secret shown once, a test
// message, and each endpoint's delivery log, where a parked delivery says why
// and can be replayed.
const WEBHOOK_FORMATS = { json: ['通用 JSON', 'Generic JSON'], dingtalk: ['钉钉群机器人', 'DingTalk robot'], wecom: ['企业微信群机器人', 'WeCom robot'] };
const DELIVERY_STATES = ['pending', 'delivered', 'parked'];

// A robot's URL carries its access token in the query: the table shows where
// it goes, not the token, to whoever looks over the admin's shoulder.
function webhookTarget(url) {
  try {
    const u = new URL(url);
    return u.origin + u.pathname + (u.search ? '?…' : '');
  } catch (e) { return url; }
}

// The sender writes its reasons in English (they go to logs too); the
// parked prefix, the part every parked delivery shares, is said in Chinese.
function deliveryReason(x) {
  if (x.state === 'delivered') return `${t('deliveredAt')} ${fmtTime(x.delivered_at)}`;
  const m = /^parked after (\d+) attempts: ([^]*)$/.exec(x.last_error || '');
  return m && lang !== 'en' ? `尝试 ${m[1]} 次后搁置：${m[2]}` : x.last_error || '';
}

function deliveryState(state) {
  return h('span', { class: 'tag delivery-' + state }, t(state));
}

async function webhooksView(main) {
  // What stays across redraws: the secret just made, and the open delivery log.
  const view = { secret: null, log: null };
  const msg = h('div', { class: 'msg' });
  const logSlot = h('div', { class: 'delivery-log' });
  let hooks = [];
  let catalogue;

  async function run(fn, after) {
    clear(msg);
    try {
      const r = await fn();
      if (after) await after(r);
      await render();
      toast(t('saved'));
    } catch (err) { append(msg, problemBox(err)); }
  }
  const base = (w) => `/api/v1/webhooks/${w.id}`;

  // The open log: one endpoint's deliveries, oldest first, in one state or all.
  async function showLog() {
    clear(logSlot);
    if (!view.log) return;
    const w = hooks.find((x) => x.id === view.log.id);
    if (!w) { view.log = null; return; }
    // Opened afresh, the log starts with what needs the admin: the parked deliveries.
    if (view.log.state === null) view.log.state = w.deliveries.parked ? 'parked' : '';
    const items = [];
    let next = `${base(w)}/deliveries?limit=200${view.log.state ? '&state=' + view.log.state : ''}`;
    const page = await get(next);
    items.push(...page.items);
    next = page.next;
    const more = h('button', { class: 'more', onclick: async () => {
      try {
        const p = await get(next);
        next = p.next;
        body.append(...p.items.map(row));
        if (!next) more.remove();
      } catch (err) { append(msg, problemBox(err)); }
    } }, t('more'));
    const row = (x) => h('tr', { class: 'delivery-' + x.state },
      h('td', { 'data-label': t('createdAt') }, fmtTime(x.created_at)),
      h('td', { 'data-label': t('eventType') }, h('code', {}, x.event_type)),
      h('td', { 'data-label': t('state') }, deliveryState(x.state)),
      h('td', { class: 'num', 'data-label': t('attempts') }, String(x.attempts),
        x.replays ? h('div', { class: 'muted' }, `${t('replays')} ${x.replays}`) : ''),
      h('td', { class: 'num', 'data-label': t('lastStatus') }, x.last_status === null ? '' : String(x.last_status)),
      h('td', { class: 'reason', 'data-label': t('lastError') }, deliveryReason(x)),
      h('td', {}, x.state === 'parked'
        ? h('button', { onclick: () => run(() => api('POST', `${base(w)}/deliveries/${x.id}/replay`)) }, t('replay')) : ''));
    const body = h('tbody', {}, items.map(row));
    const filter = select('delivery-state', t('state'),
      [['', t('all')], ...DELIVERY_STATES.map((s) => [s, t(s)])], view.log.state,
      (e) => { view.log.state = e.target.value; showLog().catch((err) => append(msg, problemBox(err))); });
    clear(logSlot).append(section(`${t('deliveryLog')}：${w.name}`,
      h('div', { class: 'row actions-bar' }, filter,
        h('button', { onclick: () => render().catch((err) => append(msg, problemBox(err))) }, t('refresh')),
        h('button', { onclick: () => { view.log = null; clear(logSlot); } }, t('close'))),
      items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'deliveries' },
        h('thead', {}, h('tr', {}, [t('createdAt'), t('eventType'), t('state'), t('attempts'), t('lastStatus'), t('lastError'), ''].map(
          (label, i) => h('th', { scope: 'col', class: i === 3 || i === 4 ? 'num' : '' }, label)))),
        body)) : h('p', { class: 'empty' }, view.log.state === 'parked' ? t('noneParked') : t('noDeliveries')),
      next ? more : ''));
  }

  const f = {
    name: h('input', { id: 'w-name', required: true, maxlength: 100 }),
    url: h('input', { id: 'w-url', type: 'url', required: true, placeholder: 'https://oapi.dingtalk.com/robot/send?access_token=…' }),
    format: h('select', { id: 'w-format' }, Object.keys(WEBHOOK_FORMATS).map((k) => h('option', { value: k }, pick(WEBHOOK_FORMATS[k])))),
    events: h('input', { id: 'w-events', required: true, value: 'task.*, report.*, reminder.daily' }),
    agency: h('select', { id: 'w-agency' }),
    province: h('select', { id: 'w-province' }),
    dingtalk: h('input', { id: 'w-dingtalk', type: 'password', autocomplete: 'off' }),
  };
  const create = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const body = { name: f.name.value, url: f.url.value, format: f.format.value,
      events: f.events.value.split(/[,，\s]+/).filter(Boolean) };
    if (f.agency.value) body.agency = f.agency.value;
    if (f.province.value) body.province = f.province.value;
    if (f.dingtalk.value) body.dingtalk_secret = f.dingtalk.value;
    run(() => api('POST', '/api/v1/webhooks', body), (r) => {
      view.secret = { name: r.data.name, value: r.data.secret };
      f.name.value = f.url.value = f.dingtalk.value = '';
    });
  } },
  h('label', { class: 'field', for: 'w-name' }, h('span', {}, t('webhookName')), f.name),
  h('label', { class: 'field', for: 'w-url' }, h('span', {}, t('webhookUrl')), f.url),
  h('label', { class: 'field', for: 'w-format' }, h('span', {}, t('webhookFormat')), f.format),
  h('label', { class: 'field', for: 'w-events' }, h('span', {}, t('webhookEvents')), f.events),
  h('label', { class: 'field', for: 'w-agency' }, h('span', {}, t('agency')), f.agency),
  h('label', { class: 'field', for: 'w-province' }, h('span', {}, t('province')), f.province),
  h('label', { class: 'field', for: 'w-dingtalk' }, h('span', {}, t('dingtalkSecret')), f.dingtalk),
  h('button', { class: 'primary', type: 'submit' }, t('create')));

  const scope = (w) => nm(catalogue.agencies.find((a) => a.code === w.agency), 'name') ||
    nm(catalogue.provinces.find((p) => p.code === w.province), 'name') || t('allRecipients');

  // Removing takes a second click on the same button: the log goes with it.
  function removeButton(w) {
    const b = h('button', { onclick: () => {
      if (!b.classList.contains('confirm')) {
        b.classList.add('confirm', 'danger');
        b.textContent = t('confirmRemove');
        return;
      }
      if (view.log && view.log.id === w.id) view.log = null;
      run(() => api('DELETE', base(w)));
    } }, t('remove'));
    return b;
  }

  const tableSlot = h('div', {});
  const secretSlot = h('div', {});

  async function render() {
    hooks = (await get('/api/v1/webhooks?limit=200')).items;
    clear(secretSlot);
    if (view.secret) {
      secretSlot.append(h('div', { class: 'notice', role: 'status' },
        `${view.secret.name}：${t('secretShownOnce')} `, h('code', { class: 'token secret' }, view.secret.value)));
      view.secret = null; // shown this once, like the API
    }
    clear(tableSlot).append(hooks.length ? table([
      { label: t('webhookName'), cell: (w) => w.name },
      { label: t('webhookUrl'), cell: (w) => h('code', { class: 'target' }, webhookTarget(w.url)) },
      { label: t('webhookFormat'), cell: (w) => [pick(WEBHOOK_FORMATS[w.format]), w.dingtalk_signed ? h('span', { class: 'tag' }, t('dingtalkSigned')) : ''] },
      { label: t('events'), cell: (w) => w.events.join(', ') },
      { label: t('scope'), cell: (w) => h('span', { class: 'nowrap' }, scope(w)) },
      { label: t('state'), cell: (w) => h('span', { class: 'nowrap' }, w.enabled ? t('active') : t('disabled')) },
      { label: t('deliveries'), cell: (w) => h('span', { class: 'counts' },
        `${t('pending')} ${w.deliveries.pending} · ${t('delivered')} ${w.deliveries.delivered} · `,
        h('span', { class: w.deliveries.parked ? 'tag delivery-parked' : '' }, `${t('parked')} ${w.deliveries.parked}`)) },
      { label: '', cell: (w) => h('div', { class: 'row' },
        h('button', { onclick: () => { view.log = { id: w.id, state: null }; render().catch((err) => append(msg, problemBox(err))); } }, t('deliveryLog')),
        h('button', { onclick: () => run(() => api('POST', `${base(w)}/ping`)) }, t('sendTest')),
        h('button', { onclick: () => run(() => api('PATCH', base(w), { enabled: !w.enabled })) }, w.enabled ? t('disable') : t('enable')),
        removeButton(w)) },
    ], hooks, { class: 'webhooks' }) : h('p', { class: 'empty' }, t('noWebhooks')));
    await showLog();
  }

  [catalogue] = await Promise.all([loadCatalogue()]);
  append(f.agency, h('option', { value: '' }, t('none')), catalogue.agencies.map((a) => h('option', { value: a.code }, nm(a, 'name'))));
  append(f.province, h('option', { value: '' }, t('none')), catalogue.provinces.map((p) => h('option', { value: p.code }, nm(p, 'name'))));
  await render();
  clear(main).append(h('h1', {}, t('webhooks')),
    h('p', { class: 'muted' }, t('webhooksIntro')),
    msg, secretSlot, tableSlot, logSlot,
    section(t('newWebhook'), create));
}
