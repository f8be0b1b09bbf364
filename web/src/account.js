// The signed-in person's own account: changing the password (修改密码) with
// the deployment's rules spelt out, the prompt when it is about to expire or
// has expired, and signing out after the idle time (docs/security.md,
// "Deployment norms").

Object.assign(STRINGS, {
  changePassword: ['修改密码', 'Change password'],
  currentPassword: ['当前密码', 'Current password'],
  newPasswordOnly: ['新密码', 'New password'],
  confirmPassword: ['再次输入新密码', 'New password again'],
  passwordsDiffer: ['两次输入的新密码不一致。', 'The two new passwords differ.'],
  passwordChanged: ['密码已修改。', 'Password changed.'],
  passwordRulesTitle: ['密码要求', 'Password rules'],
  ruleLength: ['至少 {n} 个字符；', 'at least {n} characters;'],
  ruleClasses: ['包含小写字母、大写字母、数字、其他字符（标点、空格、汉字等）四类中的至少 {n} 类；',
    'at least {n} of: lower-case letters, upper-case letters, digits, other characters (punctuation, spaces, Chinese characters…);'],
  ruleHistory: ['不得与最近 {n} 次使用过的密码（含当前密码）相同；', 'not one of your last {n} passwords (the current one included);'],
  ruleAge: ['每 {n} 天须修改一次。', 'to be changed every {n} days.'],
  ruleNoAge: ['密码不会过期。', 'passwords do not expire.'],
  passwordExpiredNotice: ['您的密码已过期，请先修改密码后再继续使用。', 'Your password has expired: change it before going on.'],
  passwordExpiresSoon: ['您的密码将于 {when} 到期，请及时修改。', 'Your password expires on {when}; please change it.'],
  passwordExpiresAt: ['密码到期时间：{when}', 'Password expires: {when}'],
  otherSessionsEnded: ['您的其他登录会话和令牌已失效。', 'Your other sessions and tokens have ended.'],
  idleSignedOut: ['因长时间（{n} 分钟）未操作，已自动退出，请重新登录。', 'Signed out after {n} minutes without activity; please sign in again.'],
});

Object.assign(PROBLEM_WORDS, {
  'password-expired': ['密码已过期，请先修改密码。', 'Your password has expired; change it first.'],
});

// Days before expiry from which the console says so on every page.
const EXPIRY_WARNING_DAYS = 14;

// The rules a new password must meet, as GET /api/v1/me states them.
function passwordRules(me) {
  const p = (me && me.password) || {};
  const fill = (key, n) => t(key).replace('{n}', n);
  return h('ul', { class: 'rules' },
    p.min_length ? h('li', {}, fill('ruleLength', p.min_length)) : null,
    p.min_classes > 1 ? h('li', {}, fill('ruleClasses', p.min_classes)) : null,
    p.history > 0 ? h('li', {}, fill('ruleHistory', p.history)) : null,
    h('li', {}, p.max_age_days > 0 ? fill('ruleAge', p.max_age_days) : t('ruleNoAge')));
}

// A notice for the top of every page: the password expired, or soon will.
function passwordBanner(me) {
  const p = me && me.password;
  if (!p || !p.expires_at || me.token.kind !== 'session') return null;
  if (p.expired) return h('p', { class: 'notice warn', role: 'alert' }, t('passwordExpiredNotice'));
  const left = (new Date(p.expires_at) - Date.now()) / 86400e3;
  if (left > EXPIRY_WARNING_DAYS) return null;
  return h('p', { class: 'notice warn', role: 'status' },
    t('passwordExpiresSoon').replace('{when}', fmtTime(p.expires_at)), ' ',
    h('a', { href: '#/password' }, t('changePassword')));
}

async function passwordView(main, me) {
  const current = h('input', { id: 'pw-current', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', required: true,
    minlength: (me.password && me.password.min_length) || 1 });
  const again = h('input', { id: 'pw-again', type: 'password', autocomplete: 'new-password', required: true });
  const msg = h('div', { class: 'msg', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('changePassword'));
  const form = h('form', { class: 'card narrow-form', 'aria-labelledby': 'pw-title', onsubmit: async (e) => {
    e.preventDefault();
    clear(msg);
    if (next.value !== again.value) {
      append(msg, h('p', { class: 'problem', role: 'alert' }, t('passwordsDiffer')));
      again.select();
      return;
    }
    button.disabled = true;
    try {
      const r = (await api('PUT', '/api/v1/me/password', { current_password: current.value, new_password: next.value })).data;
      current.value = next.value = again.value = '';
      await refreshMe();
      toast(t('passwordChanged'));
      append(msg, h('p', { class: 'notice', role: 'status' }, t('passwordChanged'), ' ',
        r.tokens_revoked > 0 ? t('otherSessionsEnded') : '', ' ',
        r.password_expires_at ? t('passwordExpiresAt').replace('{when}', fmtTime(r.password_expires_at)) : ''));
      renderBar();
    } catch (err) {
      append(msg, problemBox(err));
    } finally {
      button.disabled = false;
    }
  } },
  h('h1', { id: 'pw-title' }, t('changePassword')),
  me.password && me.password.expired ? h('p', { class: 'notice warn', role: 'alert' }, t('passwordExpiredNotice')) : null,
  h('h2', {}, t('passwordRulesTitle')), passwordRules(me),
  me.password && me.password.expires_at && !me.password.expired
    ? h('p', { class: 'muted' }, t('passwordExpiresAt').replace('{when}', fmtTime(me.password.expires_at))) : null,
  h('label', { class: 'field', for: 'pw-current' }, h('span', {}, t('currentPassword')), current),
  h('label', { class: 'field', for: 'pw-new' }, h('span', {}, t('newPasswordOnly')), next),
  h('label', { class: 'field', for: 'pw-again' }, h('span', {}, t('confirmPassword')), again),
  msg, button);
  clear(main).appendChild(form);
  current.focus();
}

// Signs out after the session's idle time without the person doing anything
// (a key, typing, a click, a scroll): the server ends such a session on its next
// request anyway, but the console's own polling (the live dashboard) would
// otherwise keep it alive for ever.
const idleWatch = {
  timer: null, last: 0, limitMs: 0, onIdle: null,
  start(limitS, onIdle) {
    this.stop();
    if (!limitS) return;
    this.limitMs = limitS * 1000;
    this.onIdle = onIdle;
    this.last = Date.now();
    this.arm();
  },
  stop() { clearTimeout(this.timer); this.timer = null; this.onIdle = null; },
  seen() { if (idleWatch.onIdle) idleWatch.last = Date.now(); },
  arm() {
    const left = this.last + this.limitMs - Date.now();
    this.timer = setTimeout(() => {
      if (!this.onIdle) return;
      if (Date.now() - this.last >= this.limitMs) {
        const onIdle = this.onIdle;
        this.stop();
        onIdle();
      } else {
        this.arm();
      }
    }, Math.max(left, 250));
  },
};
for (const type of ['keydown', 'input', 'pointerdown', 'mousemove', 'wheel', 'touchstart', 'scroll']) {
  window.addEventListener(type, idleWatch.seen, { passive: true, capture: true });
}

function idleNotice(seconds) {
  return t('idleSignedOut').replace('{n}', Math.max(1, Math.round(seconds / 60)));
}
