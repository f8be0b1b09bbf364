// The administrator's page: users (create, disable, enable, reset password)
// and automation tokens, shown once.
async function usersView(main, me) {
  const [users, catalogue] = await Promise.all([get('/api/v1/users?limit=200'), loadCatalogue()]);
  const msg = h('div', { class: 'msg' });
  const shown = h('div', {});

  async function run(fn, after) {
    clear(msg);
    try {
      const r = await fn();
      if (after) after(r);
      else await usersView(main, me);
      toast(t('saved'));
    } catch (err) { append(msg, problemBox(err)); }
  }
  const patch = (u, body) => run(() => api('PATCH', `/api/v1/users/${encodeURIComponent(u.username)}`, body));

  const f = {
    username: h('input', { id: 'u-name', required: true, autocomplete: 'off' }),
    display_name: h('input', { id: 'u-display', required: true }),
    role: h('select', { id: 'u-role' }, Object.keys(ROLE_NAMES).map((r) => h('option', { value: r }, pick(ROLE_NAMES[r])))),
    agency: h('select', { id: 'u-agency' }, h('option', { value: '' }, t('none')), catalogue.agencies.map((a) => h('option', { value: a.code }, nm(a, 'name')))),
    province: h('select', { id: 'u-province' }, h('option', { value: '' }, t('none')), catalogue.provinces.map((p) => h('option', { value: p.code }, nm(p, 'name')))),
    password: h('input', { id: 'u-password', type: 'password', autocomplete: 'new-password', minlength: (me.password && me.password.min_length) || 12, required: true }),
  };
  const create = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const body = { username: f.username.value, display_name: f.display_name.value, role: f.role.value, password: f.password.value };
    if (f.agency.value) body.agency = f.agency.value;
    if (f.province.value) body.province = f.province.value;
    run(() => api('POST', '/api/v1/users', body));
  } },
  h('label', { class: 'field', for: 'u-name' }, h('span', {}, t('username')), f.username),
  h('label', { class: 'field', for: 'u-display' }, h('span', {}, t('displayName')), f.display_name),
  h('label', { class: 'field', for: 'u-role' }, h('span', {}, t('role')), f.role),
  h('label', { class: 'field', for: 'u-agency' }, h('span', {}, t('agency')), f.agency),
  h('label', { class: 'field', for: 'u-province' }, h('span', {}, t('province')), f.province),
  h('label', { class: 'field', for: 'u-password' }, h('span', {}, t('newPassword')), f.password),
  h('button', { class: 'primary', type: 'submit' }, t('create')),
  h('div', { class: 'muted' }, h('span', {}, t('passwordRulesTitle')), passwordRules(me)));

  clear(main).append(h('h1', {}, t('users')), msg, shown,
    table([
      { label: t('username'), cell: (u) => u.username },
      { label: t('displayName'), cell: (u) => u.display_name },
      { label: t('role'), cell: (u) => pick(ROLE_NAMES[u.role]) },
      { label: t('agency'), cell: (u) => nm(catalogue.agencies.find((a) => a.code === u.agency), 'name') || u.agency || '' },
      { label: t('province'), cell: (u) => nm(catalogue.provinces.find((p) => p.code === u.province), 'name') || u.province || '' },
      // A provincial office's user may be scoped to a node of its province's tree.
      { label: t('node'), cell: (u) => {
        if (u.role !== 'province') return '';
        const code = h('input', { class: 'narrow-code', value: u.node || '', placeholder: `${u.province}-…`, 'aria-label': `${t('node')} ${u.username}` });
        return h('div', { class: 'row', 'data-user-node': u.username }, code,
          h('button', { onclick: () => run(() => api('PUT', `/api/v1/users/${encodeURIComponent(u.username)}/node`, { node: code.value.trim() || null })) }, t('setNode')));
      } },
      { label: t('state'), cell: (u) => u.disabled ? t('disabled') : t('active') },
      { label: '', cell: (u) => {
        const pw = h('input', { type: 'password', autocomplete: 'new-password', 'aria-label': `${t('newPassword')} ${u.username}`, placeholder: t('newPassword') });
        const days = h('input', { type: 'number', min: 1, max: 365, value: 90, 'aria-label': `${t('days')} ${u.username}`, class: 'narrow' });
        return h('div', { class: 'row' },
          h('button', { onclick: () => patch(u, { disabled: !u.disabled }) }, u.disabled ? t('enable') : t('disable')),
          pw, h('button', { onclick: () => patch(u, { password: pw.value }) }, t('resetPassword')),
          days, h('button', { onclick: () => run(() => api('POST', `/api/v1/users/${encodeURIComponent(u.username)}/tokens`, { ttl_days: Number(days.value) }),
            (r) => { clear(shown).append(h('div', { class: 'notice', role: 'status' }, t('tokenShownOnce'), ' ', h('code', { class: 'token' }, r.data.token))); }) }, t('issueToken')));
      } },
    ], users.items),
    section(t('create'), create));
}
