// The console with more than one document (issue 14: document=): the task
// list and the dashboard get a document selector kept in the address, the
// dashboard a table by document, and every figure, chart and CSV link follows
// the document chosen. In a database of its own, so that the second document
// changes nothing the other journeys count.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addUser, axe, freshDatabase, launchBrowser, newPage, psql, shot, signIn, startDaemon } from './harness.mjs';

const DEMO = 'ne-demo-2020';

// A small second document: a part 3.1 and a measure 3.1.2 as the 2017 notice
// has, a chapter 9 of its own, carried by an agency outside the nine (商务部)
// in a province outside the four (河北省) and in Liaoning; five tasks.
const SECOND_DOCUMENT = `
INSERT INTO agencies (code, name_zh, full_name_zh, name_en, remit_en, sort_order)
VALUES ('mofcom', '商务部', '中华人民共和国商务部', 'Ministry of Commerce', 'Trade and time-honoured brands.', 100);
INSERT INTO provinces (code, name_zh, short_zh, name_en, sort_order)
VALUES ('CN-HE', '河北省', '河北', 'Hebei Province', 5);
INSERT INTO documents (code, title_zh, title_en, issuers, recipients, signed_on, published_on, preamble_zh, preamble_en)
VALUES ('${DEMO}', '关于推进边境贸易和老字号发展的示范意见', 'Demonstration opinions on border trade and time-honoured brands',
        '{sipo,mofcom}', '{CN-LN,CN-HE}', '2020-03-01', '2020-03-05', '为测试而设。', 'Made for a test.');
INSERT INTO sections (document_id, code, chapter, title_zh, title_en, sort_order)
SELECT id, v.code, v.chapter, v.title_zh, v.title_en, v.sort_order
FROM documents, (VALUES ('3', 3, '三、任务', 'III. Tasks', 1), ('9', 9, '九、其他', 'IX. Other', 3))
     AS v(code, chapter, title_zh, title_en, sort_order)
WHERE documents.code = '${DEMO}';
INSERT INTO sections (document_id, code, parent_id, chapter, part, title_zh, title_en, sort_order)
SELECT d.id, v.code, p.id, v.chapter, v.part, v.title_zh, v.title_en, v.sort_order
FROM documents d
JOIN (VALUES ('3.1', '3', 3, 1, '（一）品牌', '(1) Brands', 2), ('9.1', '9', 9, 1, '（一）展会', '(1) Fairs', 4))
     AS v(code, parent, chapter, part, title_zh, title_en, sort_order) ON true
JOIN sections p ON p.document_id = d.id AND p.code = v.parent
WHERE d.code = '${DEMO}';
INSERT INTO measures (document_id, section_id, code, item, text_zh, text_en, sort_order)
SELECT s.document_id, s.id, v.code, v.item, v.text_zh, v.text_en, v.sort_order
FROM sections s
JOIN documents d ON d.id = s.document_id
JOIN (VALUES ('3.1', '3.1.2', 2, '培育老字号品牌。', 'Foster time-honoured brands.', 1),
             ('9.1', '9.1.1', 1, '办好边境贸易展会。', 'Hold border trade fairs well.', 2))
     AS v(section, code, item, text_zh, text_en, sort_order) ON v.section = s.code
WHERE d.code = '${DEMO}';
INSERT INTO measure_agencies (measure_id, agency_code, role, rationale)
SELECT m.id, v.agency, v.role, 'the test says so'
FROM measures m
JOIN documents d ON d.id = m.document_id AND d.code = '${DEMO}'
JOIN (VALUES ('3.1.2', 'mofcom', 'lead'), ('3.1.2', 'sipo', 'support'), ('9.1.1', 'mofcom', 'lead'))
     AS v(measure, agency, role) ON v.measure = m.code;
INSERT INTO measure_provinces (measure_id, province_code, rationale)
SELECT m.id, v.province, 'the test says so'
FROM measures m
JOIN documents d ON d.id = m.document_id AND d.code = '${DEMO}'
JOIN (VALUES ('3.1.2', 'CN-LN'), ('3.1.2', 'CN-HE'), ('9.1.1', 'CN-HE'))
     AS v(measure, province) ON v.measure = m.code;
INSERT INTO tasks (measure_id, agency_code, province_code, role, status, progress, due_date)
SELECT m.id, v.agency, v.province, v.role, v.status, v.progress, current_date + v.due
FROM measures m
JOIN documents d ON d.id = m.document_id AND d.code = '${DEMO}'
JOIN (VALUES ('3.1.2', 'mofcom', 'CN-HE', 'lead', 'blocked', 10, -5),
             ('3.1.2', 'mofcom', 'CN-LN', 'lead', 'in_progress', 40, 60),
             ('3.1.2', 'sipo', 'CN-HE', 'support', 'not_started', 0, 60),
             ('3.1.2', 'sipo', 'CN-LN', 'support', 'not_started', 0, 60),
             ('9.1.1', 'mofcom', 'CN-HE', 'lead', 'completed', 100, 60))
     AS v(measure, agency, province, role, status, progress, due) ON v.measure = m.code;
`;

let db, daemon, browser;

before(async () => {
  db = freshDatabase();
  addUser(db, 'coord', 'coordinator');
  daemon = await startDaemon(db);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (daemon) await daemon.stop();
  if (db) db.drop();
});

function clean(p) {
  assert.deepEqual(p.problems, [], 'the page logged errors, opened a dialog or reached off 127.0.0.1');
}

const figure = (p, cls) => p.locator(`.figure.${cls} .value`).textContent().then(Number);
const column = (p, title) => p.locator(`section:has(h2:text-is("${title}")) tbody tr td:first-child`).allTextContents();

describe('documents', () => {
  test('with one document there is no document selector', async () => {
    const p = await newPage(browser, daemon.url);
    await signIn(p, 'coord');
    await p.waitForSelector('.figures');
    assert.equal(await p.locator('#f-document').count(), 0);
    assert.equal(await p.locator('h2:text-is("按文件")').count(), 0);
    assert.doesNotMatch(await p.locator('main').textContent(), /null|undefined/);
    await p.goto(daemon.url + '/#/tasks');
    await p.waitForSelector('table.tasks');
    assert.equal(await p.locator('#f-document').count(), 0);
    clean(p);
  });

  test('the dashboard covers every document, one when chosen, kept in the address', async () => {
    psql(db.owner, SECOND_DOCUMENT);
    const p = await newPage(browser, daemon.url);
    await signIn(p, 'coord');
    await p.waitForSelector('.figures');
    const all = await figure(p, 'st-not_started');
    // Both documents, by document, with links that choose one.
    const docs = await column(p, '按文件');
    assert.equal(docs.length, 2);
    assert.match(docs[1], /关于推进边境贸易和老字号发展的示范意见/);
    assert.match(docs[1], new RegExp(DEMO));
    assert.ok((await column(p, '按部门')).includes('商务部'));
    assert.ok((await column(p, '按章节')).some((s) => s.startsWith(DEMO + ' · 9')), 'by-section names the document');
    assert.equal(await p.locator('#f-document option').count(), 3);

    await p.selectOption('#f-document', DEMO);
    await p.waitForFunction((d) => location.hash === '#/dashboard?document=' + d, DEMO);
    await p.waitForFunction(() => document.querySelector('.figure .value') && document.querySelector('.figure .value').textContent === '5');
    assert.equal(await figure(p, 'st-blocked'), 1);
    assert.equal(await figure(p, 'overdue'), 1);
    assert.ok(await figure(p, 'st-not_started') < all);
    assert.deepEqual(await column(p, '按部门'), ['知识产权局', '商务部']);
    assert.deepEqual(await column(p, '按省份'), ['辽宁省', '河北省']);
    assert.equal(await p.locator('h2:text-is("按文件")').count(), 0, 'one document chosen: no table by document');
    assert.equal(await p.inputValue('#f-document'), DEMO);
    // Every CSV link asks for the same document; the CSV has its rows.
    const links = await p.locator('a.csv').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(links.length >= 5);
    for (const href of links) assert.match(href, new RegExp(`document=${DEMO}&format=csv$`), href);
    const csv = await p.evaluate(async (u) => (await fetch(u)).text(), links.find((l) => l.includes('by-section')));
    assert.match(csv, /^document,section,/); // fetch's text() drops the byte-order mark
    assert.equal(csv.trim().split('\r\n').length, 5, 'a header and four sections');
    assert.deepEqual(await p.locator('section:has(h2:text-is("逾期任务")) tbody a').allTextContents(), ['3.1.2']);
    assert.match(await p.locator('section:has(h2:text-is("逾期任务")) tbody a').getAttribute('href'), /^#\/tasks\/\d+$/);
    assert.doesNotMatch(await p.locator('main').textContent(), /null|undefined/);
    await shot(p, 'coordinator-dashboard-document');
    assert.deepEqual(await axe(p), [], 'dashboard with a document chosen');

    // A reload keeps the choice; "all documents" clears it.
    await p.reload();
    await p.waitForFunction(() => document.querySelector('.figure .value') && document.querySelector('.figure .value').textContent === '5');
    await p.selectOption('#f-document', '');
    await p.waitForFunction(() => location.hash === '#/dashboard');
    await p.waitForSelector('h2:text-is("按文件")');
    await shot(p, 'coordinator-dashboard-documents');
    // The matrix labels each row with its document; by-section names it too.
    await p.locator('.chart.matrix canvas').first().waitFor();
    await p.locator('section:has(h2:text-is("措施 × 省份"))').scrollIntoViewIfNeeded();
    // It comes a page (50 measures) at a time; 加载更多 adds the next until all 99 are shown.
    const more = p.locator('.matrix-more');
    assert.equal((await more.textContent()).trim(), '已显示 50 项措施 加载更多');
    await more.scrollIntoViewIfNeeded();
    await shot(p, 'coordinator-dashboard-documents-matrix');
    await more.locator('button:text-is("加载更多")').click();
    await p.waitForFunction(() => document.querySelector('.matrix-more').textContent.trim() === '已显示 99 项措施');
    assert.equal(await more.locator('button').count(), 0, 'the last page: nothing more to load');
    await more.scrollIntoViewIfNeeded();
    await shot(p, 'coordinator-dashboard-documents-matrix-more');
    await p.locator('section:has(h2:text-is("按章节")) tbody tr').last().scrollIntoViewIfNeeded();
    await shot(p, 'coordinator-dashboard-documents-sections');
    clean(p);
  });

  test('the task list filters by document; an ambiguous measure code asks for one', async () => {
    const p = await newPage(browser, daemon.url, { allowErrors: /status of 400/ });
    await signIn(p, 'coord');
    await p.goto(daemon.url + '/#/tasks?measure=3.1.2');
    // Both documents have a measure 3.1.2: the API's refusal, in words.
    await p.waitForSelector('.list .problem');
    assert.match(await p.locator('.list .problem').textContent(), /请先选择文件/);
    assert.match(await p.locator('.list .problem').textContent(), /ne-ip-2017/);
    await p.selectOption('#f-document', DEMO);
    await p.waitForFunction((d) => new URLSearchParams(location.hash.split('?')[1]).get('document') === d, DEMO);
    await p.waitForSelector('table.tasks tbody tr');
    const rows = p.locator('table.tasks tbody tr');
    assert.equal(await rows.count(), 4);
    // One document chosen: no document column.
    assert.deepEqual([...new Set(await p.locator('table.tasks tbody tr td:nth-child(2) a').allTextContents())], ['3.1.2']);
    assert.ok((await p.locator('table.tasks tbody').textContent()).includes('河北省'));
    await shot(p, 'coordinator-tasks-document');

    // Every document again: a column says which each task is of.
    await p.goto(daemon.url + '/#/tasks?province=CN-LN');
    await p.waitForSelector('table.tasks tbody tr');
    assert.equal(await p.locator('table.tasks thead th:nth-child(2)').textContent(), '文件');
    const docs = new Set(await p.locator('table.tasks tbody tr td:nth-child(2)').allTextContents());
    assert.ok(docs.has('ne-ip-2017'));
    await p.selectOption('#f-document', DEMO);
    await p.waitForFunction(() => /document=ne-demo-2020/.test(location.hash) && /province=CN-LN/.test(location.hash));
    await p.waitForFunction(() => document.querySelectorAll('table.tasks tbody tr').length === 2);
    await p.locator('table.tasks tbody tr a').first().click();
    await p.waitForSelector('.facts');
    assert.match(await p.locator('.facts').textContent(), new RegExp(DEMO));
    assert.equal((await p.locator('.measure-text').first().textContent()).trim(), '培育老字号品牌。');
    assert.deepEqual(await axe(p), [], 'task page of the second document');
    clean(p);
  });

  test('in English the selector and the table by document read so', async () => {
    const p = await newPage(browser, daemon.url);
    await signIn(p, 'coord');
    await p.waitForSelector('.figures');
    await p.click('header button:has-text("English")');
    await p.waitForSelector('h2:text-is("By document")');
    assert.equal(await p.locator('label[for="f-document"] span').textContent(), 'Document');
    assert.match(await p.locator('#f-document option').first().textContent(), /All documents/);
    assert.match(await p.locator('section:has(h2:text-is("By document")) tbody').textContent(), /Demonstration opinions/);
    await p.click('header button:has-text("中文")');
    await p.waitForSelector('h2:text-is("按文件")');
    clean(p);
  });
});
