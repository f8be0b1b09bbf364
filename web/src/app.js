// The shell: who is signed in, the navigation of their role, hash routes,
// and the live link that keeps an open dashboard current.

const NAV = {
  agency: [['#/tasks', 'myTasks']],
  province: [['#/reports', 'reports'], ['#/tasks', 'tasks'], ['#/tree', 'orgTree']],
  coordinator: [['#/dashboard', 'dashboard'], ['#/reports', 'review'], ['#/periods', 'periods'], ['#/tasks', 'tasks'],
    ['#/evaluation', 'evaluation'], ['#/reminders', 'reminders'], ['#/bulletin', 'bulletin'], ['#/documents', 'documents'], ['#/tree', 'orgTree']],
  observer: [['#/dashboard', 'dashboard'], ['#/tasks', 'tasks'], ['#/evaluation', 'evaluation'], ['#/bulletin', 'bulletin'],
    ['#/documents', 'documents']],
  admin: [['#/users', 'users'], ['#/webhooks', 'webhooks'], ['#/dashboard', 'dashboard'], ['#/documents', 'documents'], ['#/tree', 'orgTree']],
};
const HOME = { agency: '#/tasks', province: '#/reports', coordinator: '#/dashboard', observer: '#/dashboard', admin: '#/users' };

const ROUTES = [
  [/^\/tasks$/, tasksView],
  [/^\/tasks\/(?<id>\d{1,18})$/, taskView],
  [/^\/dashboard$/, dashboardView],
  [/^\/reports$/, reportsView],
  [/^\/reports\/(?<id>\d{1,18}|new)$/, reportView],
  [/^\/periods$/, periodsView],
  [/^\/users$/, usersView],
  [/^\/webhooks$/, webhooksView],
  [/^\/bulletin$/, bulletinView],
  [/^\/evaluation$/, evaluationView],
  [/^\/reminders$/, remindersView],
  [/^\/documents$/, documentsView],
  [/^\/tree$/, orgTreeView],
  [/^\/documents\/(?<code>[a-z0-9-]{1,64})$/, documentView],
  [/^\/password$/, passwordView],
];

let me = null;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  const params = {};
  for (const [k, v] of new URLSearchParams(query || '')) params[k] = v;
  return { path, query: params };
}

// Keeps an open dashboard current: every 5 s it asks when the data last
// changed (the summary's last_change_at, answered from the daemon's cache
// until a write empties it) and redraws when that moved; it says plainly
// when it cannot ask. Reading the event feed instead would walk the whole
// history first (a million events at 20,000 tasks).
const live = {
  timer: null, seen: undefined, tag: null, onChange: null,
  watch(tag, onChange) {
    this.stop();
    this.tag = tag;
    this.onChange = onChange;
    this.seen = undefined;
    this.tick();
  },
  stop() { clearTimeout(this.timer); this.timer = null; this.tag = null; this.onChange = null; },
  async tick() {
    const tag = this.tag;
    if (!tag || !tag.isConnected) { this.stop(); return; }
    try {
      const summary = await get('/api/v1/dashboard/summary');
      const changed = this.seen !== undefined && summary.last_change_at !== this.seen;
      this.seen = summary.last_change_at;
      tag.textContent = '● ' + t('live');
      tag.className = 'live on';
      if (changed && this.onChange) this.onChange();
      this.timer = setTimeout(() => this.tick(), 5000);
    } catch (err) {
      tag.textContent = '○ ' + t('notLive');
      tag.className = 'live off';
      this.timer = setTimeout(() => this.tick(), 10000);
    }
  },
};

function renderBar() {
  const bar = clear(document.getElementById('bar'));
  const switchLang = h('button', { class: 'link', lang: lang === 'en' ? 'zh-CN' : 'en', onclick: () => { setLang(lang === 'en' ? 'zh' : 'en'); renderBar(); route(); } }, t('language'));
  append(bar, h('a', { class: 'brand', href: '#/' }, t('app')));
  if (me) {
    append(bar, h('nav', { 'aria-label': t('app') }, (NAV[me.role] || []).map(([href, key]) =>
      h('a', { href, 'aria-current': location.hash.startsWith(href) ? 'page' : null }, t(key)))));
  }
  append(bar, h('span', { class: 'grow' }), h('a', { class: 'api-ref', href: '/docs/api' }, t('apiReference')), switchLang);
  if (me) {
    append(bar, h('span', { class: 'zone', title: t('zoneNote') }, zoneName()));
    append(bar, h('span', { class: 'who', title: t('signedInAs') }, me.display_name || me.username, ' · ', pick(ROLE_NAMES[me.role])),
      me.token.kind === 'session' ? h('a', { href: '#/password', 'aria-current': location.hash === '#/password' ? 'page' : null }, t('changePassword')) : null,
      h('button', { class: 'link', onclick: () => signOut() }, t('signOut')));
  }
}

async function signOut(notice) {
  idleWatch.stop();
  try { await api('DELETE', '/api/v1/sessions/current'); } catch (e) { /* gone already */ }
  me = null;
  live.stop();
  location.hash = '#/';
  start(notice);
}

// Reads the caller again (after a password change: no longer expired).
async function refreshMe() {
  me = await get('/api/v1/me');
}

async function route() {
  const main = document.getElementById('main');
  if (!me) return;
  live.stop();
  const r = parseHash();
  // An expired password: the password page is the only one open.
  if (me.password && me.password.expired && r.path !== '/password') {
    location.replace('#/password');
    return;
  }
  if (r.path === '/' || r.path === '') {
    location.replace(HOME[me.role] || '#/tasks');
    return;
  }
  renderBar();
  const banner = r.path === '/password' ? null : passwordBanner(me);
  for (const [re, view] of ROUTES) {
    const m = re.exec(r.path);
    if (m) {
      r.params = m.groups || {};
      // Each route renders into a slot of its own: a slow view that finishes
      // after the person moved on draws into a slot no longer on the page.
      const slot = h('div', { class: 'view' }, h('p', { class: 'loading' }, t('loading')));
      clear(main);
      if (banner) main.appendChild(banner);
      main.appendChild(slot);
      main.focus({ preventScroll: true });
      try {
        await view(slot, me, r, live);
      } catch (err) {
        // A lost session has already put the sign-in form up: leave it.
        if (me && slot.isConnected) clear(slot).appendChild(problemBox(err));
      }
      return;
    }
  }
  const slot = h('div', { class: 'view' });
  clear(main).appendChild(slot);
  notFoundView(slot);
}

async function start(notice) {
  setLang(lang);
  const main = document.getElementById('main');
  // The session cookie is HttpOnly; its companion says only that one was set,
  // so a first visit shows the sign-in form without a refused request.
  if (!/(?:^|;\s*)pt_signed_in=1/.test(document.cookie)) {
    me = null;
    renderBar();
    signInView(main, () => start(), notice);
    return;
  }
  try {
    me = await get('/api/v1/me');
    setTimeZone(me.time_zone);
    if (me.token.kind === 'session') {
      const idle = me.token.idle_timeout_s;
      idleWatch.start(idle, () => signOut(idleNotice(idle)));
    }
  } catch (err) {
    me = null;
    renderBar();
    if (err instanceof ApiError && err.status === 401) {
      document.cookie = 'pt_signed_in=; Max-Age=0; Path=/; SameSite=Strict';
      signInView(main, () => start(), notice || t('sessionEnded'));
      return;
    }
    clear(main).appendChild(problemBox(err));
    return;
  }
  renderBar();
  await route();
}

onSessionLost = (err) => {
  if (!me) return;
  const idle = me.token && me.token.idle_timeout_s;
  document.cookie = 'pt_signed_in=; Max-Age=0; Path=/; SameSite=Strict';
  me = null;
  live.stop();
  idleWatch.stop();
  // The server ended it for idling (its detail says so): say that, not just "ended".
  const detail = (err && err.problem && err.problem.detail) || '';
  start(/without use/.test(detail) && idle ? idleNotice(idle) : t('sessionEnded'));
};

onPasswordExpired = async () => {
  if (!me) return;
  try { await refreshMe(); } catch (e) { return; }
  if (me.password && me.password.expired) location.hash = '#/password';
};

window.addEventListener('hashchange', () => { if (me) route(); });
document.addEventListener('DOMContentLoaded', () => start());
