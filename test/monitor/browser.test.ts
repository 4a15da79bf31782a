/**
 * The monitor page in a real headless Chromium (Debian's, driven by puppeteer-core): it loads
 * with its charts, its numbers move as files arrive and triggers run, the SQL prompt returns
 * rows and gets them again after the next trigger, and the page shows the query's end and the
 * server's close without errors.
 */
import type { Browser, Page } from 'puppeteer-core';
import { Catalog, type StreamingQuery } from '../../src/index.js';
import type { MonitorServer } from '../../src/monitor/server.js';
import { removeTempDirs, tempDir } from '../cli/helpers.js';
import { launchChromium } from '../support/chromium.js';
import { addEvents, serveForTest, startCounts } from './helpers.js';

jest.setTimeout(120_000);

let browser: Browser;
let page: Page;
let dir: string;
let query: StreamingQuery;
let monitor: MonitorServer;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  dir = tempDir();
  const catalog = new Catalog();
  addEvents(dir, 'file-0.json', 40, 0);
  query = startCounts(dir, catalog);
  monitor = await serveForTest({ catalog });
  await query.processAllAvailable();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(monitor.url, { waitUntil: 'load' });
});

afterAll(async () => {
  await browser?.close();
  await query?.stop();
  await monitor?.close();
  removeTempDirs();
});

const text = (selector: string): Promise<string> => page.$eval(selector, (el) => el.textContent ?? '');
/** Waits until a JavaScript expression holds in the page (an expression, as the tests' TypeScript has no DOM types). */
const waitUntil = (expression: string): Promise<unknown> => page.waitForFunction(expression, { timeout: 45_000 });
const waitForText = (selector: string, expected: string): Promise<unknown> =>
  waitUntil(`document.querySelector(${JSON.stringify(selector)})?.textContent === ${JSON.stringify(expected)}`);
const setInput = (selector: string, value: string): Promise<unknown> => page.$eval(selector, (el, v) => ((el as unknown as { value: string }).value = v), value);

it('loads with the running query, its numbers, five charts and its result table', async () => {
  await waitForText('#stat-input-rows', '40');
  expect(await text('#q-name')).toBe('counts');
  expect(await text('#q-state')).toBe('active');
  expect(await text('#stat-batches')).toBe(String(query.recentProgress.length));
  expect(await page.$$eval('.chart .uplot canvas', (els) => els.length)).toBe(5);
  expect(await page.$eval('#batches tbody', (el) => el.textContent ?? '')).toContain('file-0.json');
  const result = await page.$$eval('#result tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
  expect(result).toContainEqual(['Open', '[2016-07-26 02:00:00, 2016-07-26 03:00:00)', '20']);
});

it('moves with the triggers: a new file raises the counts, the batches table and the result table', async () => {
  addEvents(dir, 'file-1.json', 30, 600);
  await waitForText('#stat-input-rows', '70');
  await waitUntil(`document.querySelector('#batches tbody').textContent.includes('file-1.json')`);
  await waitUntil(`[...document.querySelectorAll('#result tbody tr')].some((r) => r.firstElementChild.textContent === 'Open' && r.lastElementChild.textContent === '35')`);
  await query.processAllAvailable();
  await waitForText('#stat-batches', String(query.recentProgress.length));
});

it('runs SQL from the prompt, and pushes the new result after the next trigger', async () => {
  await setInput('#sql-input', '');
  await page.type('#sql-input', 'select action, sum(count) as total from counts group by action order by action');
  await page.click('#sql-run');
  const rows = (): Promise<string[][]> => page.$$eval('#sql-result tbody tr', (trs) => trs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  await waitUntil(`document.querySelectorAll('#sql-result tbody tr').length === 2`);
  const before = await rows();
  expect(before.map((r) => r[0])).toEqual(['Close', 'Open']);
  expect(await page.$$eval('#sql-result th', (ths) => ths.map((th) => th.textContent))).toEqual(['action', 'total']);

  addEvents(dir, 'file-2.json', 10, 1200);
  const openBefore = Number(before[1]?.[1]);
  await waitUntil(`document.querySelectorAll('#sql-result tbody tr')[1]?.lastElementChild.textContent === '${openBefore + 5}'`);
});

it('shows an SQL error in the prompt', async () => {
  await setInput('#sql-input', 'select nope from counts');
  await page.click('#sql-run');
  await waitUntil(`document.querySelector('#sql-meta').classList.contains('error')`);
  expect(await text('#sql-meta')).toMatch(/^SqlUnknownColumnError: .*nope/);
  expect(await page.$$eval('#sql-result tr', (rows) => rows.length)).toBe(0);
});

it('shows the query end, then the server close, and logged no error', async () => {
  await query.stop();
  await waitForText('#q-state', 'ended');
  expect(await text('#q-status')).toMatch(/^Stopped at /);
  await monitor.close();
  await waitUntil(`document.querySelector('#connection').dataset.state === 'closed'`);
  expect(await text('#connection')).toMatch(/server closed/);
  expect(await text('#stat-input-rows')).toBe('80'); // the last state stays on the page
  expect(pageErrors).toEqual([]);
});
