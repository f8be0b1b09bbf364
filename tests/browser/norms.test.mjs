// The deployment norms in the console (issue 20, items 6 and 7): the password
// page that states the rules, the expiry prompt and the page it forces, the
// sign-out after the idle time, and each document's 密级 with the import's
// refusal of classified files. A database of its own, so that nothing here
// changes what the other suites see, and a second daemon with a short idle time.
import { after, before, describe, test } from 'node:test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { addUser, axe, freshDatabase, launchBrowser, newPage, PASSWORD, psql, ROOT, shot, SHOTS, signIn, startDaemon } from './harness.mjs';

const IDLE_S = 6;
let db, daemon, idleDaemon, browser;

before(async () => {
  db = freshDatabase();
  for (const u of ['coord', 'coord-expired', 'coord-soon', 'coord-idle']) addUser(db, u, 'coordinator');
  addUser(db, 'ln-office', 'province', { province: 'CN-LN' });
  daemon = await startDaemon(db);
  idleDaemon = await startDaemon(db, ['--session-idle-s', String(IDLE_S)]);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (daemon) await daemon.stop();
  if (idleDaemon) await idleDaemon.stop();
  if (db) db.drop();
});

function clean(p) {
  assert.deepEqual(p.problems, [], 'the page logged errors, opened a dialog or reached off 127.0.0.1');
}

async function signInAs(p, username, password) {
  await p.goto(p.base + '/');
  await p.fill('#username', username);
  await p.fill('#password', password);
  await p.click('button[type=submit]');
  await p.waitForSelector('header nav');
}

describe('deployment norms', () => {
  test('修改密码 states the rules, refuses in words, and changes the password', async () => {
    // Refusals are 400s the browser logs as failed loads: expected here.
    const p = await newPage(browser, daemon.url, { allowErrors: /status of 400/ });
    await signIn(p, 'ln-office');
    await p.click('header a:has-text("修改密码")');
    await p.waitForSelector('#pw-title');
    const rules = await p.locator('ul.rules').textContent();
    assert.match(rules, /至少 12 个字符/);
    assert.match(rules, /至少 3 类/);
    assert.match(rules, /最近 5 次/);
    assert.match(rules, /每 90 天/);
    assert.deepEqual(await axe(p), []);
    await shot(p, 'password-page');

    // The two new passwords differ: said before anything is sent.
    await p.fill('#pw-current', PASSWORD);
    await p.fill('#pw-new', 'Another long passphrase 2');
    await p.fill('#pw-again', 'Another long passphrase 3');
    await p.click('button[type=submit]:has-text("修改密码")');
    await p.locator('.msg .problem:has-text("两次输入的新密码不一致")').waitFor();
    // A wrong current password, then a weak new one: the API's words, by field.
    await p.fill('#pw-current', 'Not my password 1');
    await p.fill('#pw-again', 'Another long passphrase 2');
    await p.click('button[type=submit]:has-text("修改密码")');
    await p.locator('.msg .problem:has-text("current_password")').waitFor();
    await p.fill('#pw-current', PASSWORD);
    await p.fill('#pw-new', 'alllowercaseletters');
    await p.fill('#pw-again', 'alllowercaseletters');
    await p.click('button[type=submit]:has-text("修改密码")');
    assert.match(await p.locator('.msg .problem').textContent(), /new_password.*at least 3 of/);

    await p.fill('#pw-new', 'Another long passphrase 2');
    await p.fill('#pw-again', 'Another long passphrase 2');
    await p.click('button[type=submit]:has-text("修改密码")');
    await p.locator('.msg .notice:has-text("密码已修改")').waitFor();
    // The session goes on; the new password signs in, the old does not.
    await p.click('header nav a:has-text("进展报告")');
    await p.waitForSelector('h1:has-text("进展报告")');
    await p.click('header button:has-text("退出")');
    await signInAs(p, 'ln-office', 'Another long passphrase 2');
    clean(p);
  });

  test('an expired password opens only the password page, then everything again', async () => {
    psql(db.owner, "UPDATE users SET password_changed_at = now() - interval '100 days' WHERE username = 'coord-expired'");
    const p = await newPage(browser, daemon.url);
    await signIn(p, 'coord-expired');
    await p.waitForSelector('#pw-title');
    assert.equal(new URL(p.url()).hash, '#/password');
    assert.match(await p.locator('.notice.warn').first().textContent(), /密码已过期/);
    // Any other page leads back here.
    await p.goto(daemon.url + '/#/tasks');
    await p.waitForFunction(() => location.hash === '#/password');
    await p.waitForSelector('#pw-title');
    await shot(p, 'password-expired');
    await p.fill('#pw-current', PASSWORD);
    await p.fill('#pw-new', 'Renewed passphrase 2026');
    await p.fill('#pw-again', 'Renewed passphrase 2026');
    await p.click('button[type=submit]:has-text("修改密码")');
    await p.locator('.msg .notice:has-text("密码已修改")').waitFor();
    await p.goto(daemon.url + '/#/tasks');
    await p.waitForSelector('table.tasks');
    assert.equal(await p.locator('.notice.warn').count(), 0);
    clean(p);
  });

  test('a password about to expire is announced on every page', async () => {
    psql(db.owner, "UPDATE users SET password_changed_at = now() - interval '80 days' WHERE username = 'coord-soon'");
    const p = await newPage(browser, daemon.url);
    await signIn(p, 'coord-soon');
    const banner = p.locator('main .notice.warn');
    await banner.waitFor();
    assert.match(await banner.textContent(), /您的密码将于 .* 到期/);
    await banner.locator('a:has-text("修改密码")').click();
    await p.waitForSelector('#pw-title');
    clean(p);
  });

  test('after the idle time without activity the console signs out and says why', async () => {
    const p = await newPage(browser, idleDaemon.url, { allowErrors: /401/ });
    await signIn(p, 'coord-idle');
    // The live dashboard asks the server every 5 s: that is not the person
    // doing anything, so it does not keep the session.
    await p.waitForSelector('.figures');
    await p.waitForSelector('#signin-title', { timeout: (IDLE_S + 10) * 1000 });
    assert.match(await p.locator('.notice').textContent(), /因长时间（1 分钟）未操作，已自动退出/);
    await shot(p, 'idle-signed-out');
    clean(p);
  });

  test('documents show their 密级; the import says the service is non-classified and refuses 秘密', async () => {
    const p = await newPage(browser, daemon.url, { allowErrors: /status of 422/ });
    await signIn(p, 'coord');
    await p.click('header nav a:has-text("文件")');
    const row = p.locator('tr:has(td a:has-text("关于支持东北老工业基地全面振兴"))');
    await row.waitFor();
    assert.match(await row.textContent(), /公开/);
    assert.match(await p.locator('th:has-text("密级")').textContent(), /密级/);
    assert.match(await p.locator('.card .notice:has-text("非涉密")').textContent(), /可存放的最高密级：内部/);

    mkdirSync(SHOTS, { recursive: true });
    const example = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'examples', 'import-example.json'), 'utf8'));
    const secret = path.join(SHOTS, 'secret-document.json');
    writeFileSync(secret, JSON.stringify({ ...example, document: { ...example.document, code: 'example-secret', classification: 'secret' } }));
    await p.setInputFiles('#doc-json', secret);
    await p.click('button:has-text("检查（不写入）")');
    const problems = p.locator('table.problems');
    await problems.waitFor();
    assert.match(await problems.textContent(), /\/document\/classification.*秘密.*non-classified work only/);
    assert.equal(await p.locator('button:has-text("导入")').isDisabled(), true);
    await shot(p, 'documents-classified-refused');

    const internal = path.join(SHOTS, 'internal-document.json');
    writeFileSync(internal, JSON.stringify({ ...example, document: { ...example.document, code: 'example-internal', classification: 'internal' } }));
    await p.setInputFiles('#doc-json', internal);
    await p.click('button:has-text("检查（不写入）")');
    await p.locator('.import-result .notice:has-text("将新建")').waitFor();
    await p.click('button:has-text("导入")');
    await p.locator('td a:has-text("示例文件（虚构")').click();
    await p.waitForSelector('.facts');
    assert.match(await p.locator('.facts').first().textContent(), /密级\s*内部/);
    clean(p);
  });
});
