// The console in a real browser against the real daemon and database: each
// role's journey, the conflict path, keyboard-only use, an expired session,
// text shown as text, accessibility, phones, and nothing leaving 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { addUser, axe, cli, freshDatabase, launchBrowser, newPage, PASSWORD, psql, ROOT, shot, SHOTS, signIn, startDaemon } from './harness.mjs';

let db, daemon, browser;
const pages = [];

before(async () => {
  db = freshDatabase();
  addUser(db, 'coord', 'coordinator');
  addUser(db, 'moa-officer', 'agency', { agency: 'moa' });
  addUser(db, 'moa-ln', 'agency', { agency: 'moa', province: 'CN-LN' });
  addUser(db, 'miit-officer', 'agency', { agency: 'miit' });
  addUser(db, 'gacc-officer', 'agency', { agency: 'gacc' });
  addUser(db, 'ln-office', 'province', { province: 'CN-LN' });
  addUser(db, 'watcher', 'observer');
  addUser(db, 'root-admin', 'admin');
  addUser(db, 'dl-office', 'province', { province: 'CN-LN' });
  addUser(db, 'jz-office', 'province', { province: 'CN-LN' });
  // Webhook deliveries retried within a second and parked after three attempts (the
  // admin's webhooks test); the reminder run is not due during the suite.
  daemon = await startDaemon(db, ['--webhook-poll-ms', '100', '--webhook-retry-base-ms', '100',
    '--webhook-max-attempts', '3', '--webhook-timeout-ms', '2000', '--webhook-reminder-time', '23:59']);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (daemon) await daemon.stop();
  if (db) db.drop();
});

async function page(opts) {
  const p = await newPage(browser, daemon.url, opts);
  pages.push(p);
  return p;
}

function clean(p) {
  assert.deepEqual(p.problems, [], 'the page logged errors, opened a dialog or reached off 127.0.0.1');
}

// The first task of a filtered list, as the officer sees it.
async function openFirstTask(p, filter) {
  // With a filter, the list already on the page (the unfiltered one sign-in
  // lands on) must not be the one clicked: mark it, and wait for a new one.
  if (filter) await p.evaluate(() => document.querySelectorAll('table.tasks').forEach((t) => { t.dataset.stale = '1'; }));
  await p.goto(p.base + '/#/tasks' + (filter || ''));
  const link = p.locator(filter ? 'table.tasks:not([data-stale]) tbody tr a' : 'table.tasks tbody tr a').first();
  await link.waitFor();
  const id = (await link.getAttribute('href')).split('/').pop();
  await link.click();
  await p.waitForSelector('.facts');
  return id;
}

// Runs action and waits for the "saved" toast it brings (not an earlier one).
async function saving(p, action) {
  await p.evaluate(() => document.getElementById('toast').classList.remove('show'));
  await action();
  await p.waitForSelector('#toast.show');
}

// A task of the officer's just started, so the test does not depend on others.
async function openStartedTask(p) {
  const id = await openFirstTask(p, '?status=not_started');
  await p.click('button[data-to="in_progress"]');
  await p.waitForSelector('#progress');
  await p.waitForSelector('#toast.show');
  return id;
}

describe('console', () => {
  test('serves the page with a strict policy and hashed, compressed assets', async () => {
    const res = await fetch(daemon.url + '/', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const html = await res.text();
    assert.doesNotMatch(html, /<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/, 'an inline script');
    const asset = /\/assets\/app\.[0-9a-f]{10}\.js/.exec(html)[0];
    const a = await fetch(daemon.url + asset, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    // fetch decodes gzip itself; the header says it was sent compressed.
    assert.equal(a.headers.get('content-encoding'), 'gzip');
    const again = await fetch(daemon.url + asset, { headers: { 'If-None-Match': a.headers.get('etag') } });
    assert.equal(again.status, 304);
    const spec = await fetch(daemon.url + '/api/v1/openapi.yaml');
    assert.equal(spec.status, 200);
    assert.match(await spec.text(), /^openapi: 3\.1/);
  });

  test('agency officer: signs in in Chinese, starts a task, and the coordinator sees it', async () => {
    const officer = await page();
    await officer.goto(daemon.url + '/');
    assert.equal(await officer.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(await officer.locator('#signin-title').textContent(), '政策落实跟踪');
    await shot(officer, 'signin');
    await signIn(officer, 'moa-officer');
    assert.match(await officer.locator('h1').first().textContent(), /我的任务/);
    await officer.locator('table.tasks tbody tr').first().waitFor(); // the list, not "正在加载…"
    await shot(officer, 'agency-tasks');

    const coord = await page();
    await signIn(coord, 'coord');
    await coord.waitForSelector('.figures');
    const before = Number(await coord.locator('.figure.st-in_progress .value').textContent());

    await openFirstTask(officer, '?status=not_started');
    await shot(officer, 'agency-task');
    await saving(officer, () => officer.click('button[data-to="in_progress"]'));
    assert.match(await officer.locator('.facts').textContent(), /推进中/);

    // The open dashboard follows the change without a reload.
    await coord.waitForFunction((n) => Number(document.querySelector('.figure.st-in_progress .value').textContent) === n + 1,
      before, { timeout: 15000 });
    await shot(coord, 'coordinator-dashboard');
    clean(officer);
    clean(coord);
  });

  test('a note is shown as text, never run', async () => {
    const officer = await page();
    await signIn(officer, 'moa-officer');
    await openStartedTask(officer);
    const note = '<img src=x onerror=alert(1)>';
    await officer.fill('#note', note);
    await saving(officer, () => officer.click('button:has-text("保存进度")'));
    assert.equal((await officer.locator('.facts dd.note').textContent()).trim(), note);
    assert.equal(await officer.locator('.facts img').count(), 0);
    assert.notEqual((await officer.locator('.measure-text').first().textContent()).trim(), '',
      'the measure text went missing after a save');
    clean(officer);
  });

  test('an officer attaches a scanned document; a wrong file is refused in words', async () => {
    const p = await page({ allowErrors: /status of 415/ });
    await signIn(p, 'moa-officer');
    const id = await openStartedTask(p);
    await p.waitForSelector('#file-upload');
    // A one-page PDF, as a scanner would make it (the smallest valid one).
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
      '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
    await saving(p, () => p.setInputFiles('#file-upload', { name: '验收报告.pdf', mimeType: 'application/pdf', buffer: pdf }));
    await p.waitForSelector('.files a:has-text("验收报告.pdf")');
    const href = await p.locator('.files a:has-text("验收报告.pdf")').getAttribute('href');
    const got = await p.evaluate(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer()).length, href);
    assert.equal(got, pdf.length);
    await shot(p, 'agency-task-files');
    await p.setInputFiles('#file-upload', { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
    await p.waitForSelector('.files .problem');
    assert.equal(await p.locator('.files a').count(), 1, 'the refused file was listed');
    clean(p);
    assert.ok(id);
  });

  test('two tabs change one task: the second sees what changed and retries', async () => {
    const a = await page({ allowErrors: /412/ });
    await signIn(a, 'moa-officer');
    const id = await openStartedTask(a);
    const b = await page();
    await signIn(b, 'moa-officer');
    await b.goto(`${daemon.url}/#/tasks/${id}`);
    await b.waitForSelector('#progress');
    await b.fill('#progress', '55');
    await saving(b, () => b.click('button:has-text("保存进度")'));

    await a.fill('#progress', '60');
    await a.fill('#note', 'my draft note');
    await a.click('button:has-text("保存进度")');
    const problem = a.locator('.problem');
    await problem.waitFor();
    assert.match(await problem.textContent(), /已被他人修改/);
    assert.match(await problem.textContent(), /progress/);
    await shot(a, 'conflict');
    await a.click('button:has-text("查看最新内容后重试")');
    await a.waitForSelector('#note');
    assert.equal(await a.inputValue('#note'), 'my draft note', 'the draft was lost');
    await saving(a, () => a.click('button:has-text("保存进度")'));
    assert.match(await a.locator('.facts').textContent(), /60%/);
    clean(a);
    clean(b);
  });

  test('keyboard only: sign in and change a status', async () => {
    const p = await page();
    await p.goto(daemon.url + '/');
    await p.waitForSelector('#username');
    await p.keyboard.type('moa-ln');
    await p.keyboard.press('Tab');
    await p.keyboard.type(PASSWORD);
    await p.keyboard.press('Enter');
    await p.waitForSelector('header nav');
    await p.goto(daemon.url + '/#/tasks?status=not_started');
    await p.waitForSelector('table.tasks tbody tr a');
    await p.focus('table.tasks tbody tr a');
    await p.keyboard.press('Enter');
    await p.waitForSelector('button[data-to="in_progress"]');
    await p.focus('button[data-to="in_progress"]');
    await saving(p, () => p.keyboard.press('Enter'));
    assert.match(await p.locator('.facts').textContent(), /推进中/);
    clean(p);
  });

  test('an expired session returns to sign-in and says so', async () => {
    const p = await page({ allowErrors: /401/ });
    await signIn(p, 'watcher');
    await p.waitForSelector('.figures');
    // Revoke every token of the user, as an admin disabling the account would.
    const { cli } = await import('./harness.mjs');
    cli(['user', 'disable', 'watcher', '--database-url', db.app]);
    await p.goto(daemon.url + '/#/tasks');
    await p.waitForSelector('#signin-title', { timeout: 10000 });
    assert.match(await p.locator('.notice').textContent(), /会话已结束/);
    clean(p);
  });

  test('an unknown route says so', async () => {
    const p = await page();
    await signIn(p, 'coord');
    await p.goto(daemon.url + '/#/no/such/page');
    await p.waitForSelector('h1:has-text("页面不存在")');
    clean(p);
  });

  test('English on a switch, names from the API', async () => {
    const p = await page();
    await signIn(p, 'coord');
    await p.waitForSelector('.figures');
    await p.click('header button:has-text("English")');
    await p.waitForSelector('h1:has-text("Dashboard")');
    assert.match(await p.locator('section:has(h2:has-text("By agency")) table').textContent(), /Ministry of Agriculture/);
    await p.click('header button:has-text("中文")');
    await p.waitForSelector('h1:has-text("总览")');
    clean(p);
  });

  test('the bar says deadlines are Beijing dates (北京时间), the zone the daemon counts in', async () => {
    const p = await page();
    await signIn(p, 'coord');
    const zone = p.locator('header .zone');
    assert.equal((await zone.textContent()).trim(), '北京时间');
    assert.match(await zone.getAttribute('title'), /截止日期.*按此时区/);
    await p.click('header button:has-text("English")');
    await p.waitForFunction(() => document.querySelector('header .zone').textContent.trim() === 'Beijing time');
    await p.click('header button:has-text("中文")');
    clean(p);
  });

  test('the search box finds tasks by their measure\'s text', async () => {
    const p = await page();
    await signIn(p, 'coord');
    await p.goto(daemon.url + '/#/tasks');
    await p.waitForSelector('table.tasks');
    await p.fill('#f-q', '老字号');
    await p.waitForFunction(() => /q=/.test(location.hash) && document.querySelectorAll('table.tasks tbody tr').length > 0);
    const measures = await p.locator('table.tasks tbody tr td:nth-child(2) a').allTextContents();
    assert.ok(measures.length > 0);
    assert.deepEqual([...new Set(measures)], ['4.4.4'], 'only the measure about 老字号');
    clean(p);
  });

  test('batch change of selected tasks', async () => {
    const p = await page();
    await signIn(p, 'moa-officer');
    await p.goto(daemon.url + '/#/tasks?status=not_started');
    await p.waitForSelector('table.tasks tbody tr input[type=checkbox]');
    const boxes = p.locator('table.tasks tbody tr input[type=checkbox]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await p.selectOption('#batch-to', 'in_progress');
    await saving(p, () => p.click('.batch button:has-text("执行")'));
    clean(p);
  });

  test('work items: the coordinator splits a task; the agency and the provincial office report on theirs; the task rolls up', async () => {
    const coord = await page();
    await signIn(coord, 'coord');
    // A MIIT task in Liaoning: no other journey changes MIIT's tasks.
    await coord.goto(daemon.url + '/#/tasks?agency=miit&province=CN-LN&status=not_started');
    const link = coord.locator('table.tasks tbody tr a').first();
    await link.waitFor();
    const id = (await link.getAttribute('href')).split('/').pop();
    await link.click();
    await coord.waitForSelector('form.add-item');
    assert.match(await coord.locator('section:has(#wi-head)').textContent(), /尚未分解为工作项/);
    await coord.fill('#wi-title-zh', '制定实施方案');
    await coord.fill('#wi-due', '2030-06-30');
    await coord.selectOption('#wi-carrier', 'agency:miit');
    await saving(coord, () => coord.click('form.add-item button[type=submit]'));
    await coord.fill('#wi-title-zh', '组织省内试点');
    await coord.fill('#wi-title-en', 'Run the provincial pilot');
    await coord.fill('#wi-due', '2020-01-31');
    await coord.selectOption('#wi-carrier', 'office:CN-LN');
    await saving(coord, () => coord.click('form.add-item button[type=submit]'));
    await coord.waitForFunction(() => document.querySelectorAll('table.work-items tbody tr').length === 2);
    assert.match(await coord.locator('p.notice').textContent(), /状态和进度由各工作项汇总/);
    assert.equal(await coord.locator('button[data-to]').count(), 0, 'a split task offers no status change of its own');
    await coord.locator('form.add-item').scrollIntoViewIfNeeded();
    await shot(coord, 'work-items-coordinator');
    const piloted = coord.locator('table.work-items tbody tr', { hasText: '组织省内试点' });
    assert.match(await piloted.textContent(), /辽宁省（省级办公室）/);
    assert.match(await piloted.textContent(), /逾期/);

    // The officer finds the item among those the agency carries, and starts it.
    const officer = await page();
    await signIn(officer, 'miit-officer');
    const mine = officer.locator('section:has(h2:has-text("我承办的工作项"))');
    await mine.locator('a:has-text("制定实施方案")').first().click();
    await officer.waitForSelector('table.work-items');
    const planned = officer.locator('table.work-items tbody tr', { hasText: '制定实施方案' });
    assert.equal(await officer.locator('table.work-items tbody tr', { hasText: '组织省内试点' }).locator('button').count(), 0,
      'the office\'s item is not the agency\'s to change');
    // It receives the item first (签收), then starts it.
    assert.match(await planned.textContent(), /未签收/);
    await saving(officer, () => planned.locator('button[data-item-receive]').click());
    assert.match(await planned.textContent(), /已签收/);
    assert.equal(await planned.locator('button[data-item-send-back]').count(), 1, 'not started: it may still go back');
    await saving(officer, () => planned.locator('button[data-item-to="in_progress"]').click());
    assert.equal(await planned.locator('button[data-item-send-back]').count(), 0, 'started: it stays');
    await planned.locator('.item-progress').fill('60');
    await saving(officer, () => planned.locator('button:has-text("保存进度")').click());
    assert.match(await officer.locator('.facts').textContent(), /推进中/);
    assert.match(await officer.locator('.facts').textContent(), /30%/);

    // The provincial office blocks its item: without a note it is told why, in words.
    const office = await page({ allowErrors: /status of 409/ });
    await signIn(office, 'ln-office');
    await office.goto(`${daemon.url}/#/tasks/${id}`);
    const pilot = office.locator('table.work-items tbody tr', { hasText: '组织省内试点' });
    await pilot.locator('button[data-item-to="blocked"]').click();
    await office.waitForSelector('section:has(table.work-items) .problem');
    assert.match(await office.locator('section:has(table.work-items) .problem').textContent(), /需要填写说明/);
    await pilot.locator('.item-note').fill('试点资金尚未到位');
    await saving(office, () => pilot.locator('button[data-item-to="blocked"]').click());
    assert.match(await office.locator('.facts').textContent(), /受阻/);
    assert.match(await office.locator('section:has(h2:has-text("办理记录"))').textContent(), /工作项「组织省内试点」/);
    await office.locator('section:has(table.work-items)').scrollIntoViewIfNeeded();
    await shot(office, 'work-items');
    assert.deepEqual(await axe(office), [], 'task page with work items');

    // The secretariat's dashboard lists the late item.
    await coord.goto(daemon.url + '/#/dashboard');
    const late = coord.locator('section:has(h2:has-text("逾期工作项"))');
    await late.locator('a:has-text("组织省内试点")').waitFor();
    clean(coord);
    clean(officer);
    clean(office);
  });

  // The supervision loop (督办闭环): GACC's tasks, which no other journey changes.
  test('supervision: the officer sends a task back, the coordinator re-assigns it', async () => {
    const officer = await page({ allowErrors: /status of 400/ });
    await signIn(officer, 'gacc-officer');
    await officer.goto(daemon.url + '/#/tasks?receipt=unreceived&province=CN-JL');
    await officer.locator('table.tasks tbody tr .tag.receipt-unreceived').first().waitFor();
    await officer.locator('table.tasks tbody tr a').first().click();
    await officer.waitForSelector('#receipt');
    assert.equal((await officer.locator('#receipt').textContent()).trim(), '未签收');
    const id = officer.url().split('/').pop();
    // Without a reason it is refused, in words, and nothing changes.
    await officer.click('#send-back');
    await officer.waitForSelector('section:has(#receipt) .problem');
    assert.match(await officer.locator('section:has(#receipt) .problem').textContent(), /reason/);
    await officer.fill('#send-back-reason', '口岸知识产权执法不涉及此项，应由版权部门承担');
    await saving(officer, () => officer.click('#send-back'));
    assert.equal((await officer.locator('#receipt').textContent()).trim(), '已退回');
    assert.equal(await officer.locator('#send-back').count(), 0);
    assert.match(await officer.locator('section:has(h2:has-text("办理记录"))').textContent(), /已退回/);

    // The coordinator finds it among the sent-back ones and gives it to an
    // agency that does not carry the measure in the province yet.
    const coord = await page();
    await signIn(coord, 'coord');
    await coord.waitForSelector('.figure.unreceived');
    const to = await coord.evaluate(async (taskId) => {
      const task = await (await fetch(`/api/v1/tasks/${taskId}`)).json();
      const same = await (await fetch(`/api/v1/tasks?measure=${task.measure}&province=${task.province.code}&document=${task.document}&limit=50`)).json();
      const taken = new Set(same.items.map((x) => x.agency.code));
      const all = await (await fetch('/api/v1/agencies?limit=200')).json();
      return all.items.map((a) => a.code).find((c) => !taken.has(c));
    }, id);
    await coord.goto(daemon.url + '/#/tasks?receipt=sent_back');
    await coord.locator(`table.tasks a[href="#/tasks/${id}"]`).click();
    await coord.waitForSelector('#reassign-agency');
    assert.match(await coord.locator('#sent-back-reason').textContent(), /口岸知识产权执法不涉及此项/);
    await coord.selectOption('#reassign-agency', to);
    await coord.fill('#reassign-reason', '按职责分工改由该部门承担');
    await coord.locator('section:has(#receipt)').scrollIntoViewIfNeeded();
    await shot(coord, 'supervision-reassign');
    await saving(coord, () => coord.click('#reassign'));
    assert.equal((await coord.locator('#receipt').textContent()).trim(), '未签收');
    assert.doesNotMatch(await coord.locator('h1').textContent(), /海关总署/);
    assert.equal(await coord.locator('#reassign').count(), 0);
    clean(officer);
    clean(coord);
  });

  test('supervision: received, an extension asked for and granted; the closure needs evidence', async () => {
    const officer = await page();
    await signIn(officer, 'gacc-officer');
    await officer.goto(daemon.url + '/#/tasks?receipt=unreceived&province=CN-LN&status=not_started');
    await officer.locator('table.tasks tbody tr a').first().click();
    await officer.waitForSelector('#receive');
    const id = officer.url().split('/').pop();
    await saving(officer, () => officer.click('#receive'));
    assert.equal((await officer.locator('#receipt').textContent()).trim(), '已签收');

    // The coordinator sets a due date ahead (the bundled ones have passed).
    const coord = await page({ allowErrors: /status of 409/ });
    await signIn(coord, 'coord');
    const status = await coord.evaluate(async (taskId) => {
      const r = await fetch(`/api/v1/tasks/${taskId}`);
      const w = await fetch(`/api/v1/tasks/${taskId}`, { method: 'PATCH', body: JSON.stringify({ due_date: '2031-06-30' }),
        headers: { 'Content-Type': 'application/json', 'If-Match': r.headers.get('ETag') } });
      return w.status;
    }, id);
    assert.equal(status, 200);

    await officer.reload();
    await officer.waitForSelector('#extension-date');
    await officer.fill('#extension-date', '2031-12-31');
    await officer.fill('#extension-reason', '试点需跨一个采购周期');
    await saving(officer, () => officer.click('#request-extension'));
    assert.match(await officer.locator('#extension-open').textContent(), /2031-12-31/);
    assert.equal(await officer.locator('#request-extension').count(), 0);
    await officer.locator('section:has(#receipt)').scrollIntoViewIfNeeded();
    await shot(officer, 'supervision-extension-asked');

    await coord.goto(daemon.url + '/#/tasks?extension=open');
    await coord.locator(`table.tasks a[href="#/tasks/${id}"]`).click();
    await coord.waitForSelector('#approve-extension');
    assert.equal(await coord.locator('#grant-date').inputValue(), '2031-12-31');
    await coord.fill('#decision-reason', '同意延期');
    await saving(coord, () => coord.click('#approve-extension'));
    assert.equal((await coord.locator('#due-current').textContent()).trim(), '2031-12-31');
    assert.equal((await coord.locator('#due-original').textContent()).trim(), '2031-06-30');
    // The requests' record loads after the page draws (supervision.js): wait for it.
    await coord.locator('.extensions').filter({ hasText: '已批准' }).waitFor();
    await coord.locator('section:has(#receipt)').scrollIntoViewIfNeeded();
    await shot(coord, 'supervision-extension-granted');

    // The officer asks for closure; accepting it needs evidence, in words.
    await officer.reload();
    await saving(officer, () => officer.click('button[data-to="in_progress"]'));
    await saving(officer, () => officer.click('button:has-text("申请办结")'));
    await coord.reload();
    await coord.waitForSelector('#closure-hint');
    await coord.click('button:has-text("审核通过，办结")');
    await coord.waitForSelector('section:has(button[data-to]) .problem');
    assert.match(await coord.locator('section:has(button[data-to]) .problem').textContent(), /办结需要佐证材料/);
    await coord.locator('#closure-hint').scrollIntoViewIfNeeded();
    await shot(coord, 'supervision-closure');
    clean(officer);
    clean(coord);
  });

  test('no serious or critical accessibility violation on the main pages', async () => {
    const p = await page();
    await p.goto(daemon.url + '/');
    await p.waitForSelector('#username');
    assert.deepEqual(await axe(p), [], 'sign-in page');
    await signIn(p, 'coord');
    await p.waitForSelector('.figures');
    assert.deepEqual(await axe(p), [], 'dashboard');
    await p.goto(daemon.url + '/#/tasks');
    await p.waitForSelector('table.tasks');
    assert.deepEqual(await axe(p), [], 'task list');
    await p.locator('table.tasks tbody tr a').first().click();
    await p.waitForSelector('.facts');
    assert.deepEqual(await axe(p), [], 'task page');
    clean(p);
  });

  test('an officer on a phone (375 px): lists and the task page fit the screen', async () => {
    const p = await page({ viewport: { width: 375, height: 812 } });
    await signIn(p, 'moa-ln');
    await p.waitForSelector('table.tasks');
    await shot(p, 'phone-agency-tasks');
    const overflow = await p.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the task list is ${overflow}px wider than the phone`);
    await p.locator('table.tasks tbody tr a').first().click();
    await p.waitForSelector('.facts');
    await shot(p, 'phone-agency-task');
    const overflow2 = await p.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
    assert.ok(overflow2 <= 1, `the task page is ${overflow2}px wider than the phone`);
    clean(p);
  });

  test('reporting: the coordinator opens a period; the province files; returned, resubmitted, accepted', async () => {
    const coord = await page({ allowErrors: /status of 400/ });
    await signIn(coord, 'coord');
    await coord.goto(daemon.url + '/#/periods');
    await coord.waitForSelector('#p-code');
    await coord.fill('#p-code', '2026-Q4');
    await coord.fill('#p-starts', '2026-10-01');
    await coord.fill('#p-ends', '2026-12-31');
    await coord.fill('#p-due', '2027-01-15');
    await saving(coord, () => coord.click('button[type=submit]'));
    await coord.waitForSelector('td:has-text("2026-Q4")');
    await shot(coord, 'coordinator-periods');

    const prov = await page();
    await signIn(prov, 'ln-office');
    await prov.waitForSelector('a:has-text("新建报告")');
    await shot(prov, 'province-reports');
    await prov.click('a:has-text("新建报告")');
    await prov.waitForSelector('#summary');
    await prov.fill('#summary', '辽宁省第四季度落实情况');
    await saving(prov, () => prov.click('button:has-text("保存草稿")'));
    await prov.waitForSelector('#report-state:has-text("草稿")');
    await shot(prov, 'province-report-draft');
    await saving(prov, () => prov.click('button:has-text("提交")'));
    await prov.waitForSelector('#report-state:has-text("已提交")');

    await coord.goto(daemon.url + '/#/reports');
    await coord.waitForSelector('table.tasks a:has-text("2026-Q4")');
    await shot(coord, 'coordinator-review-queue');
    await coord.click('table.tasks a:has-text("2026-Q4")');
    await coord.waitForSelector('button[data-action="return"]');
    // A return needs a reason: without one the API's refusal is shown in words.
    await coord.click('button[data-action="return"]');
    await coord.waitForSelector('.problem');
    await coord.fill('#review-comment', '请补充第3.1节的进展说明');
    await saving(coord, () => coord.click('button[data-action="return"]'));
    await coord.waitForSelector('#report-state:has-text("已退回")');

    await prov.goto(daemon.url + '/#/reports');
    await prov.waitForSelector('td:has-text("已退回")');
    await prov.click('table.tasks a:has-text("2026-Q4")');
    await prov.waitForSelector('dd.note:has-text("请补充第3.1节的进展说明")');
    await prov.fill('#summary', '辽宁省第四季度落实情况（已补充）');
    await saving(prov, () => prov.click('button:has-text("提交")'));
    await prov.waitForSelector('#report-state:has-text("已提交")');

    await coord.goto(daemon.url + '/#/reports');
    await coord.click('table.tasks a:has-text("2026-Q4")');
    await saving(coord, () => coord.click('button[data-action="accept"]'));
    await coord.waitForSelector('#report-state:has-text("已通过")');

    // The secretariat closes the period, and re-opens it only with a reason.
    await coord.goto(daemon.url + '/#/periods');
    const row = coord.locator('tr:has(td:text-is("2026-Q4"))');
    await saving(coord, () => row.locator('button:has-text("关闭")').click());
    await coord.locator('tr:has(td:text-is("2026-Q4")) td:has-text("已关闭")').waitFor();
    await coord.locator('tr:has(td:text-is("2026-Q4")) button:has-text("重新开放")').click();
    await coord.waitForSelector('.problem');
    await coord.locator('tr:has(td:text-is("2026-Q4")) input').fill('辽宁省申请补报材料');
    await saving(coord, () => coord.locator('tr:has(td:text-is("2026-Q4")) button:has-text("重新开放")').click());
    await coord.locator('tr:has(td:text-is("2026-Q4")) td:has-text("开放")').waitFor();
    clean(prov);
    clean(coord);
  });

  test('the bulletin prints to an A4 PDF', async () => {
    const p = await page();
    await signIn(p, 'coord');
    await p.goto(daemon.url + '/#/bulletin');
    await p.waitForSelector('.bulletin h1');
    await shot(p, 'bulletin');
    await p.emulateMedia({ media: 'print' });
    const pdf = await p.pdf({ format: 'A4', path: SHOTS + '/bulletin.pdf' });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.ok(pdf.length > 10000, 'the PDF is suspiciously small');
    clean(p);
  });

  test('admin: creates a user, disables and enables it, resets its password, issues a token', async () => {
    const p = await page();
    await signIn(p, 'root-admin');
    await p.waitForSelector('#u-name');
    await p.fill('#u-name', 'jl-office');
    await p.fill('#u-display', '吉林省知识产权局');
    await p.selectOption('#u-role', 'province');
    await p.selectOption('#u-province', 'CN-JL');
    await p.fill('#u-password', PASSWORD);
    await saving(p, () => p.click('button:has-text("创建")'));
    const row = p.locator('tr:has(td:text-is("jl-office"))');
    await row.waitFor();
    await saving(p, () => row.locator('button:has-text("停用")').click());
    await p.locator('tr:has(td:text-is("jl-office")) td:has-text("已停用")').waitFor();
    await saving(p, () => p.locator('tr:has(td:text-is("jl-office")) button:has-text("启用")').click());
    await p.locator('tr:has(td:text-is("jl-office")) td:has-text("在用")').waitFor();
    await p.locator('tr:has(td:text-is("jl-office")) input[type=password]').fill('Another long passphrase');
    await saving(p, () => p.locator('tr:has(td:text-is("jl-office")) button:has-text("重置密码")').click());
    await saving(p, () => p.locator('tr:has(td:text-is("jl-office")) button:has-text("签发自动化令牌")').click());
    assert.match(await p.locator('code.token').textContent(), /^pt_[A-Za-z0-9_-]{43}$/);
    await shot(p, 'admin-users');
    // The new account signs in with the reset password.
    const jl = await page();
    await jl.goto(daemon.url + '/');
    await jl.fill('#username', 'jl-office');
    await jl.fill('#password', 'Another long passphrase');
    await jl.click('button[type=submit]');
    await jl.waitForSelector('header nav');
    clean(p);
    clean(jl);
  });

  test('admin: webhooks — registers a DingTalk robot, a failing target is parked with its reason, replayed, disabled, removed', async () => {
    // The robot is a receiver of the test's own on 127.0.0.1: it checks both signatures and
    // answers 500 until told the group is back.
    const got = [];
    let answer = 500;
    const receiver = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        got.push({ url: new URL(req.url, 'http://127.0.0.1'), headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(answer, { 'Content-Type': 'application/json' });
        res.end(answer === 200 ? '{"errcode":0,"errmsg":"ok"}' : '{"errcode":-1,"errmsg":"busy"}');
      });
    });
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const robot = `http://127.0.0.1:${receiver.address().port}/robot/send?access_token=t0ken`;
    try {
      const p = await page({ allowErrors: /status of 400/ });
      await signIn(p, 'root-admin');
      await p.click('header nav a:has-text("消息推送")');
      await p.waitForSelector('#w-name');
      assert.match(await p.locator('main').textContent(), /还没有推送地址/);
      await p.fill('#w-name', '农业农村部工作群');
      await p.fill('#w-url', robot);
      await p.selectOption('#w-format', 'dingtalk');
      await p.fill('#w-events', 'webhook.ping，report.*');
      await p.selectOption('#w-agency', 'moa');
      await p.fill('#w-dingtalk', 'SECtest');
      await saving(p, () => p.click('button:has-text("创建")'));
      const secret = await p.locator('code.secret').textContent();
      assert.match(secret, /^whsec_[0-9a-f]{64}$/);
      const row = () => p.locator('table.webhooks tr:has(td:text-is("农业农村部工作群"))');
      await row().waitFor();
      const text = await row().textContent();
      assert.match(text, /钉钉群机器人已加签/);
      assert.match(text, /report\.\*, webhook\.ping农业部在用/, 'its events, scope and state');
      assert.doesNotMatch(text, /t0ken/, 'the robot\'s access token is not shown');

      // A test message: the target answers 500, so it is retried, then parked.
      await saving(p, () => row().locator('button:has-text("发送测试消息")').click());
      assert.equal(await p.locator('code.secret').count(), 0, 'the secret is shown once');
      const deadline = Date.now() + 15000;
      for (;;) {
        await row().locator('button:has-text("投递记录")').click();
        await p.waitForSelector('table.deliveries, section:has(h2:has-text("投递记录")) p.empty');
        if (await p.locator('table.deliveries tr.delivery-parked').count()) break;
        assert.ok(Date.now() < deadline, 'the delivery was never parked');
        await p.waitForTimeout(300);
      }
      assert.equal(got.length, 3, 'three attempts, then parked');
      const parked = p.locator('table.deliveries tr.delivery-parked');
      assert.match(await parked.locator('td.reason').textContent(), /^尝试 3 次后搁置：HTTP 500/);
      assert.match(await parked.textContent(), /webhook\.ping已搁置3500/);
      assert.equal(await p.locator('#f-delivery-state').inputValue(), 'parked', 'the log opens on what is parked');
      assert.match(await row().textContent(), /已搁置 1/);
      await shot(p, 'admin-webhooks-parked');

      // Each attempt was signed with the secret shown once, and by DingTalk's own scheme.
      const ids = new Set();
      for (const r of got) {
        const stamp = r.headers['x-policytrack-timestamp'];
        const mac = createHmac('sha256', secret).update(stamp + '.').update(r.body).digest('hex');
        assert.equal(r.headers['x-policytrack-signature'], 'sha256=' + mac);
        const ts = r.url.searchParams.get('timestamp');
        assert.equal(r.url.searchParams.get('sign'), createHmac('sha256', 'SECtest').update(`${ts}\nSECtest`).digest('base64'));
        assert.equal(r.url.searchParams.get('access_token'), 't0ken');
        assert.match(JSON.parse(r.body).markdown.text, /测试消息/);
        ids.add(r.headers['x-policytrack-delivery']);
      }
      assert.equal(ids.size, 1, 'one delivery, the same id on every attempt');

      // The group is back: the admin replays it; the same delivery arrives and the log says so.
      answer = 200;
      await saving(p, () => parked.locator('button:has-text("重新投递")').click());
      await p.selectOption('#f-delivery-state', '');
      const until = Date.now() + 10000;
      while (!(await p.locator('table.deliveries tr.delivery-delivered').count())) {
        assert.ok(Date.now() < until, 'the replay was never delivered');
        await p.waitForTimeout(300);
        await p.click('section:has(h2:has-text("投递记录")) button:has-text("刷新")');
      }
      assert.equal(got.length, 4);
      assert.ok(ids.has(got[3].headers['x-policytrack-delivery']), 'the replay keeps the delivery id');
      // The counts were read just before the log: once more, now that it says delivered.
      await p.click('section:has(h2:has-text("投递记录")) button:has-text("刷新")');
      await row().locator('text=已送达 1').waitFor();
      assert.match(await row().textContent(), /待发 0 · 已送达 1 · 已搁置 0/);

      // A bad address is refused in words, and nothing is registered.
      await p.fill('#w-name', '坏地址');
      await p.fill('#w-url', 'ftp://127.0.0.1/x');
      await p.click('button:has-text("创建")');
      await p.locator('.problem:has(code:text-is("url"))').waitFor();
      assert.equal(await p.locator('table.webhooks tbody tr').count(), 1);

      await saving(p, () => row().locator('button:has-text("停用")').click());
      await row().locator('td:has-text("已停用")').waitFor();
      assert.deepEqual(await axe(p), [], 'webhooks page');
      await shot(p, 'admin-webhooks');

      await p.click('header button:has-text("English")');
      await p.waitForSelector('h1:has-text("Webhooks")');
      assert.match(await p.locator('table.webhooks').textContent(), /DingTalk robot.*Disabled.*Delivered 1/);
      await p.click('header button:has-text("中文")');
      await p.waitForSelector('h1:has-text("消息推送")');

      // Removing asks for a second click, then the endpoint and its log are gone.
      await row().locator('button:has-text("删除")').click();
      assert.equal(await p.locator('table.webhooks tbody tr').count(), 1, 'one click removes nothing');
      await saving(p, () => row().locator('button:has-text("确认删除")').click());
      await p.locator('text=还没有推送地址。').waitFor();
      clean(p);
    } finally {
      receiver.close();
    }
  });

  test('documents: the coordinator checks a file, imports it, reads its versions; a bad file is shown where', async () => {
    const example = path.join(ROOT, 'docs', 'examples', 'import-example.json');
    // A refused check is a 422 the browser logs as a failed load: expected here.
    const p = await page({ allowErrors: /status of 422/ });
    await signIn(p, 'coord');
    await p.click('header nav a:has-text("文件")');
    await p.locator('td a:has-text("关于支持东北老工业基地全面振兴")').waitFor();
    assert.equal(await p.locator('button:has-text("导入")').isDisabled(), true, 'import waits for a check');
    await p.setInputFiles('#doc-json', example);
    await p.click('button:has-text("检查（不写入）")');
    await p.locator('.import-result .notice:has-text("将新建")').waitFor();
    assert.match(await p.locator(".import-result .counts").textContent(), /新建任务\s*5/);
    await shot(p, 'documents-check');
    await saving(p, () => p.click('button:has-text("导入")'));
    await p.locator('td a:has-text("示例文件（虚构")').click();
    await p.locator('details.version summary:has-text("版本 1")').waitFor();
    assert.match(await p.locator('.facts').first().textContent(), /商务部/);
    await shot(p, 'document-versions');
    // A file with a mistake: every problem, located, and nothing imported.
    mkdirSync(SHOTS, { recursive: true });
    const bad = path.join(SHOTS, 'bad-document.json');
    const doc = JSON.parse(readFileSync(example, 'utf8'));
    doc.document.code = 'example-bad';
    doc.measures[0].agencies[0].code = 'mofcm';
    writeFileSync(bad, JSON.stringify(doc));
    await p.click('a:has-text("← 文件")');
    await p.setInputFiles('#doc-json', bad);
    await p.click('button:has-text("检查（不写入）")');
    const problems = p.locator('table.problems');
    await problems.waitFor();
    assert.match(await problems.textContent(), /\/measures\/0\/agencies\/0\/code.*mofcm/);
    assert.equal(await p.locator('button:has-text("导入")').isDisabled(), true);
    await shot(p, 'documents-problems');
    clean(p);
  });

  test('escalation: a task past its due date shows its red card (红牌督办) on its page, in its history and the reminders', async () => {
    // A task of MIIT in Jilin, due yesterday in Beijing (the day the daemon
    // counts in; after 16:00 UTC it is already tomorrow there), through the write function as the
    // coordinator would (its event recorded); then the day's escalation run.
    const id = psql(db.owner, `SELECT t.id FROM tasks t WHERE t.agency_code = 'miit' AND t.province_code = 'CN-JL'
      AND t.status = 'not_started' AND t.due_date IS NULL ORDER BY t.id LIMIT 1`).split('\n')[2].trim();
    psql(db.owner, `SELECT outcome FROM task_update(${id}, (SELECT id FROM users WHERE username = 'coord'), 'coordinator',
      NULL, NULL, (SELECT version FROM tasks WHERE id = ${id}), jsonb_build_object('due_date', (now() AT TIME ZONE 'Asia/Shanghai')::date - 1), NULL)`);
    assert.match(cli(['escalate', '--database-url', db.owner]), new RegExp(`task ${id} \\(task ${id}\\): red 红牌督办`));

    const officer = await page();
    await signIn(officer, 'miit-officer');
    await officer.goto(daemon.url + `/#/tasks/${id}`);
    await officer.waitForSelector('#task-escalation .tag.esc-red');
    assert.match(await officer.locator('#task-escalation').textContent(), /红牌督办（抄送单位负责人）/);
    assert.match(await officer.locator('table').last().textContent(), /红牌督办[^]*已逾期 1 天/);
    await shot(officer, 'task-escalated');

    // The refused ladder below is a 400 the browser logs: expected.
    const coord = await page({ allowErrors: /status of 400/ });
    await signIn(coord, 'coord');
    await coord.goto(daemon.url + '/#/reminders');
    await coord.waitForSelector('table.escalations .tag.esc-red');
    // The ladder, changed in the console: a bad order is refused in words, naming the level; a good one saved.
    const days = coord.locator('table.ladder.edit input[data-field="days"]');
    await days.nth(1).fill('-5');
    await coord.click('#ladder-save');
    await coord.waitForSelector('.problem');
    assert.match(await coord.locator('.problem').textContent(), /levels\[1\]\.days/);
    await days.nth(1).fill('0');
    await coord.locator('table.ladder.edit input[data-field="repeat_days"]').nth(2).fill('5');
    await saving(coord, () => coord.click('#ladder-save'));
    await coord.waitForFunction(() => document.querySelectorAll('table.ladder.edit input[data-field="repeat_days"]')[2]?.value === '5');
    // The task list filters by level.
    await coord.goto(daemon.url + '/#/tasks?escalation=red');
    await coord.waitForSelector('table.tasks tbody tr .tag.esc-red');
    assert.equal(await coord.locator('table.tasks tbody tr').count(), 1);
    await coord.goto(daemon.url + '/#/bulletin');
    await coord.waitForSelector('.bulletin table.escalations');
    assert.match(await coord.locator('.bulletin table.escalations').textContent(), /红牌督办/);
    clean(officer);
    clean(coord);
  });

  test('the organisation tree: a coordinator adds a county; its report is approved before its city\'s', async () => {
    const coord = await page();
    await signIn(coord, 'coord');
    await coord.goto(daemon.url + '/#/tree?province=CN-LN');
    await coord.waitForSelector('li[data-node="CN-LN-DALIAN"]');
    await coord.selectOption('#n-parent', 'CN-LN-DALIAN');
    await coord.selectOption('#n-kind', 'county');
    await coord.fill('#n-code', 'CN-LN-DALIAN-JZ');
    await coord.fill('#n-name-zh', '金州区');
    await coord.fill('#n-name-en', 'Jinzhou District');
    await saving(coord, () => coord.click('button:has-text("创建")'));
    await coord.waitForSelector('li[data-node="CN-LN-DALIAN-JZ"]:has-text("金州区")');
    await shot(coord, 'coordinator-org-tree');
    clean(coord);

    // A work item sent down to 大连 names it beside the office.
    await openFirstTask(coord, '?province=CN-LN');
    await coord.fill('#wi-title-zh', '大连市落实');
    await coord.fill('#wi-due', '2031-06-30');
    await coord.waitForSelector('#wi-carrier option[value="node:CN-LN-DALIAN"]', { state: 'attached' });
    await coord.selectOption('#wi-carrier', 'node:CN-LN-DALIAN');
    await saving(coord, () => coord.click('button:has-text("添加")'));
    await coord.waitForSelector('table.work-items td:has-text("辽宁省（省级办公室） · 大连")');
    clean(coord);

    // The admin scopes 大连's office in the console; 金州区's and a period of
    // the test's own are set up directly.
    const adm = await page();
    await signIn(adm, 'root-admin');
    await adm.goto(daemon.url + '/#/users');
    const row = adm.locator('[data-user-node="dl-office"]');
    await row.locator('input').fill('CN-LN-DALIAN');
    await saving(adm, () => row.locator('button').click());
    assert.equal(await adm.locator('[data-user-node="dl-office"] input').inputValue(), 'CN-LN-DALIAN');
    clean(adm);
    const admin = "(SELECT id FROM users WHERE username = 'root-admin')";
    psql(db.owner, `SELECT org_node_user_set(${admin}, 'admin', 'jz-office', 'CN-LN-DALIAN-JZ');
                    INSERT INTO periods (code, starts_on, ends_on, due_on) VALUES ('2027-01', '2027-01-01', '2027-01-31', '2027-02-15')`);
    const at = daemon.url + '/#/tree?province=CN-LN&period=2027-01';
    const state = (p, node) => p.locator(`.node-report-state[data-node="${node}"]`);
    for (const [name, summary] of [['jz-office', '金州区一月进展'], ['dl-office', '大连市一月进展']]) {
      const p = await page();
      await signIn(p, name);
      await p.goto(at);
      await p.fill('#node-summary', summary);
      await saving(p, () => p.click('button:has-text("提交")'));
      await state(p, name === 'jz-office' ? 'CN-LN-DALIAN-JZ' : 'CN-LN-DALIAN').filter({ hasText: '已提交' }).waitFor();
      clean(p);
    }
    // The province's office may not approve 大连 before 大连 approves 金州区: the refusal in words.
    const ln = await page({ allowErrors: /status of 409/ });
    await signIn(ln, 'ln-office');
    await ln.goto(at);
    await ln.click('[data-review="CN-LN-DALIAN"] button[data-action="approve"]');
    await ln.waitForSelector('.problem:has-text("CN-LN-DALIAN-JZ")');
    assert.equal(await ln.locator('[data-review="CN-LN-DALIAN-JZ"]').count(), 0, 'only the level right above reviews');
    const dl = await page();
    await signIn(dl, 'dl-office');
    await dl.goto(at);
    await saving(dl, () => dl.click('[data-review="CN-LN-DALIAN-JZ"] button[data-action="approve"]'));
    await state(dl, 'CN-LN-DALIAN-JZ').filter({ hasText: '已批准' }).waitFor();
    clean(dl);
    await ln.goto(daemon.url + '/#/tasks');
    await ln.goto(at);
    await saving(ln, () => ln.click('[data-review="CN-LN-DALIAN"] button[data-action="approve"]'));
    await state(ln, 'CN-LN-DALIAN').filter({ hasText: '已批准' }).waitFor();
    await shot(ln, 'province-node-reports');
  });

  test('the API reference page reads the served contract', async () => {
    const p = await page();
    await p.goto(daemon.url + '/docs/api');
    await p.waitForSelector('.op');
    assert.match(await p.locator('main').textContent(), /\/api\/v1\/tasks\/\{id\}/);
    clean(p);
  });
});
