// The console's first load, from the browser's own timing: a coordinator's
// dashboard on a cold cache (a new browser context), against a running daemon.
// Reports, asserts nothing. Loopback only.
//
//   node bench/console-load.mjs http://127.0.0.1:PORT USERNAME PASSWORD [RUNS]
import { chromium } from '../tests/browser/node_modules/playwright-core/index.mjs';

const [base, username, password, runsArg] = process.argv.slice(2);
if (!base || !/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) {
  console.error('usage: node bench/console-load.mjs http://127.0.0.1:PORT USERNAME PASSWORD [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg || 5);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const results = [];
for (let i = 0; i < runs; i++) {
  // A fresh context: nothing cached. Signed in through the API (the same
  // cookie the sign-in form gets), so the timing is the dashboard's alone.
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const r = await context.request.post(base + '/api/v1/sessions', { data: { username, password, session: 'cookie' } });
  if (r.status() !== 201) throw new Error('sign-in failed: ' + r.status());
  const page = await context.newPage();
  await page.goto(base + '/#/dashboard', { waitUntil: 'commit' });
  await page.waitForSelector('.figures', { timeout: 60000 });
  const figures = await page.evaluate(() => performance.now());
  await page.waitForFunction(() => document.querySelectorAll('.chart canvas').length >= 2, null, { timeout: 60000 });
  const charts = await page.evaluate(() => performance.now());
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { dom: n.domContentLoadedEventEnd, load: n.loadEventEnd };
  });
  results.push({ figures, charts, ...nav });
  await context.close();
}
await browser.close();
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({
  runs,
  dom_content_loaded_ms: Math.round(median(results.map((r) => r.dom))),
  figures_shown_ms: Math.round(median(results.map((r) => r.figures))),
  charts_drawn_ms: Math.round(median(results.map((r) => r.charts))),
  all: results.map((r) => ({ figures: Math.round(r.figures), charts: Math.round(r.charts) })),
}));
