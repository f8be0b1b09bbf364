// The browser suite's set-up: a fresh database migrated by the CLI under test,
// one user per role, the real daemon on a free loopback port, and Debian's
// chromium driven by playwright-core. Everything stays on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = process.env.POLICYTRACK_ROOT || path.resolve(import.meta.dirname, '../..');
const BUILD = process.env.POLICYTRACK_BUILD_DIR || path.join(ROOT, 'build');
const PSQL = path.join(process.env.PGBIN || '/usr/lib/postgresql/15/bin', 'psql');
// Three of the four classes (lower, upper, other): the default --password-min-classes.
export const PASSWORD = 'Correct horse battery staple';
export const SHOTS = path.join(ROOT, '.local', 'screenshots');

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite through scripts/test`);
  return v;
}

function withDb(conninfo, db) {
  return conninfo.replace(/dbname=\S+/, `dbname=${db}`);
}

// Runs SQL on a database (as db.owner to load data a test needs).
export function psql(url, sql) {
  const r = spawnSync(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout;
}

export function cli(args, input) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('POLICYTRACK_')));
  const r = spawnSync(path.join(BUILD, 'policytrack'), args, { input, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`policytrack ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

// A database of the suite's own, dropped at the end.
export function freshDatabase() {
  const admin = need('POLICYTRACK_TEST_ADMIN_URL');
  const owner = need('POLICYTRACK_TEST_MIGRATE_DATABASE_URL');
  const app = need('POLICYTRACK_TEST_DATABASE_URL');
  const name = 'pt_browser_' + randomBytes(5).toString('hex');
  psql(admin, `CREATE DATABASE ${name} OWNER policytrack`);
  psql(admin, `GRANT CONNECT ON DATABASE ${name} TO policytrack_app`);
  const db = { name, owner: withDb(owner, name), app: withDb(app, name) };
  cli(['migrate', '--database-url', db.owner]);
  db.drop = () => psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  return db;
}

export function addUser(db, username, role, scope) {
  const args = ['user', 'add', username, '--role', role, '--password-stdin', '--database-url', db.app];
  if (scope && scope.agency) args.push('--agency', scope.agency);
  if (scope && scope.province) args.push('--province', scope.province);
  cli(args, PASSWORD + '\n');
  return username;
}

// The daemon under test; resolves once it logs that it is listening.
export function startDaemon(db, extra) {
  const args = ['--listen', '127.0.0.1:0', '--database-url', db.app, ...(extra || [])];
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('POLICYTRACK_')));
  const proc = spawn(path.join(BUILD, 'policytrackd'), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the daemon did not listen within 10 s:\n' + log.join(''))), 10000);
    proc.stderr.on('data', (chunk) => {
      log.push(chunk.toString());
      const m = /"msg":"listening".*?"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(log.join(''));
      if (m && timer) {
        clearTimeout(timer);
        resolve({
          url: m[1], proc, log,
          async stop() {
            proc.kill('SIGTERM');
            const code = await new Promise((res) => proc.on('exit', (c) => res(c)));
            const text = log.join('');
            if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(text)) throw new Error('sanitizer report:\n' + text.slice(-4000));
            if (code !== 0) throw new Error(`the daemon exited ${code}:\n${text.slice(-4000)}`);
          },
        });
      }
    });
    proc.on('exit', (code) => reject(new Error(`the daemon exited ${code}:\n${log.join('')}`)));
  });
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // The suite runs as root in CI, where chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

// A page that records console errors and refuses any request off 127.0.0.1.
export async function newPage(browser, base, opts) {
  const context = await browser.newContext({ viewport: (opts && opts.viewport) || { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && !(opts && opts.allowErrors && opts.allowErrors.test(m.text()))) page.problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => page.problems.push('page error: ' + e));
  page.on('dialog', (d) => { page.problems.push('dialog: ' + d.message()); d.dismiss(); });
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.hostname === '127.0.0.1') return route.continue();
    page.problems.push('request off 127.0.0.1: ' + u.href);
    return route.abort();
  });
  page.base = base;
  return page;
}

export async function signIn(page, username) {
  await page.goto(page.base + '/');
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('header nav');
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: false });
}

// An accessibility scan with axe-core; returns the serious and critical violations.
export async function axe(page) {
  // Evaluated through the DevTools protocol: the page's CSP rightly refuses an injected script tag.
  const source = readFileSync(path.join(ROOT, 'tests/browser/node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
}
