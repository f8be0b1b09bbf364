// The supervision loop (督办闭环) on the task page: receipt and send-back
// (签收/退回), re-assignment, extension requests (延期申请) and the words of
// formal closure. The buttons are the task's `actions` (what the API lets
// this caller do now); the API checks everything again.

function receiptLabel(receipt) { return pick(STRINGS.receiptState[receipt]) || receipt; }
function extensionStateLabel(state) { return pick(STRINGS.extensionState[state]) || state; }

function receiptBadge(receipt) {
  return h('span', { class: 'tag receipt receipt-' + receipt }, receiptLabel(receipt));
}

// The closure's words for a workflow transition (办结 steps), else the status's label.
function closureLabel(statuses, from, to) {
  if (from === 'in_progress' && to === 'completed') return t('requestClosure');
  if (from === 'completed' && to === 'verified') return t('acceptClosure');
  if (from === 'completed' && to === 'in_progress') return t('refuseClosure');
  if (from === 'verified' && to === 'in_progress') return t('followUp');
  return statusLabel(statuses, to);
}

// The card: receipt, both due dates, the open request, and a form for each
// action the caller may take. onChange reloads the task and its history;
// events are the task's, for the reason a sent-back task gave.
function supervisionSection(me, tk, agencies, onChange, events) {
  const msg = h('div', { class: 'msg' });
  const base = `/api/v1/tasks/${encodeURIComponent(tk.id)}`;

  async function post(path, body) {
    clear(msg);
    try {
      await api('POST', base + path, body);
      await onChange();
      toast(t('saved'));
    } catch (err) {
      append(msg, problemBox(err));
    }
  }

  function reasonInput(id) {
    return h('textarea', { id, name: 'reason', rows: 2, maxlength: 2000 });
  }
  const reasonOf = (el) => (el.value.trim() ? { reason: el.value.trim() } : {});
  const forms = [];
  const can = (a) => tk.actions.includes(a);

  if (can('receive')) {
    forms.push(h('div', { class: 'row' }, h('button', { class: 'primary', id: 'receive', onclick: () => post('/receive') }, t('receive'))));
  }
  if (can('send_back')) {
    const why = reasonInput('send-back-reason');
    forms.push(h('div', { class: 'row' },
      h('label', { class: 'field grow', for: 'send-back-reason' }, h('span', {}, t('reason') + ' *'), why),
      h('button', { id: 'send-back', onclick: () => post('/send-back', reasonOf(why)) }, t('sendBack'))));
  }
  if (can('reassign')) {
    const to = h('select', { id: 'reassign-agency', name: 'agency' },
      agencies.map((a) => h('option', { value: a.code, selected: a.code === tk.agency.code }, nm(a, 'name'))));
    const why = reasonInput('reassign-reason');
    forms.push(h('div', { class: 'row' },
      h('label', { class: 'field', for: 'reassign-agency' }, h('span', {}, t('reassignTo')), to),
      h('label', { class: 'field grow', for: 'reassign-reason' }, h('span', {}, t('reason') + ' *'), why),
      h('button', { class: 'primary', id: 'reassign', onclick: () => post('/reassign', { agency: to.value, ...reasonOf(why) }) }, t('reassign'))));
  }
  if (can('request_extension')) {
    const date = h('input', { type: 'date', id: 'extension-date', name: 'due_date', min: tk.due_date || undefined });
    const why = reasonInput('extension-reason');
    forms.push(h('div', { class: 'row' },
      h('label', { class: 'field', for: 'extension-date' }, h('span', {}, t('newDue') + ' *'), date),
      h('label', { class: 'field grow', for: 'extension-reason' }, h('span', {}, t('reason') + ' *'), why),
      h('button', { id: 'request-extension', onclick: () => post('/extensions', { ...(date.value ? { due_date: date.value } : {}), ...reasonOf(why) }) },
        t('requestExtension'))));
  }
  if (can('approve_extension')) {
    const date = h('input', { type: 'date', id: 'grant-date', name: 'due_date', value: tk.extension.requested_due });
    const why = reasonInput('decision-reason');
    forms.push(h('div', { class: 'row' },
      h('label', { class: 'field', for: 'grant-date' }, h('span', {}, t('grantDue')), date),
      h('label', { class: 'field grow', for: 'decision-reason' }, h('span', {}, t('reason')), why),
      h('button', { class: 'primary', id: 'approve-extension',
        onclick: () => post('/extensions/approve', { ...(date.value ? { due_date: date.value } : {}), ...reasonOf(why) }) }, t('approveExtension')),
      can('refuse_extension') ? h('button', { id: 'refuse-extension', onclick: () => post('/extensions/refuse', reasonOf(why)) }, t('refuseExtension')) : null));
  }

  const facts = h('dl', { class: 'duefacts' },
    h('dt', {}, t('receipt')), h('dd', { id: 'receipt' }, receiptBadge(tk.receipt)),
    tk.receipt === 'sent_back' ? [h('dt', {}, t('sentBackReason')),
      h('dd', { id: 'sent-back-reason' }, ([...(events || [])].reverse().find((e) => e.kind === 'task.sent_back') || {}).note || '')] : null,
    h('dt', {}, t('currentDue')), h('dd', { id: 'due-current' }, tk.due_date || t('none')),
    h('dt', {}, t('originalDue')), h('dd', { id: 'due-original' }, tk.due_date_original || t('none')),
    tk.extension ? [h('dt', {}, t('extensionOpen')),
      h('dd', { id: 'extension-open' }, t('extensionAsked'), tk.extension.requested_due, '：', tk.extension.reason)] : null,
    tk.status === 'completed' ? [h('dt', {}, t('status')), h('dd', {}, t('awaitingReview'))] : null);
  const extensionsBox = h('div', { class: 'extensions' });
  get(`${base}/extensions`).then((list) => {
    if (!list.items.length) return;
    append(extensionsBox, h('h3', {}, t('extensionsTitle')), table([
      { label: t('state'), cell: (e) => extensionStateLabel(e.state) },
      { label: t('newDue'), cell: (e) => e.requested_due },
      { label: t('grantDue'), cell: (e) => e.granted_due || '' },
      { label: t('reason'), cell: (e) => e.reason },
      { label: t('note'), cell: (e) => e.decision_note || '' },
      { label: t('when'), cell: (e) => fmtTime(e.decided_at || e.requested_at) },
    ], list.items));
  }).catch((err) => append(extensionsBox, problemBox(err)));
  return section(t('supervision'), facts, forms.length ? h('div', { class: 'actions supervision' }, forms) : null, msg, extensionsBox);
}
