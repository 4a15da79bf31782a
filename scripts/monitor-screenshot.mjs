// npm run screenshot: writes docs/monitor.png, the monitor page in Debian's headless Chromium
// (apt-get install chromium) while a query runs over a live feed: a file of clicks arrives every
// 250 ms with event times of the last second, some of them late (half a minute old) and a few
// malformed lines; 10-second windows with a 5-second watermark in append mode.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { Catalog, groupCount, readJsonFiles, startQuery, throttleFiles, toMemoryTable, tumblingWindow, withWatermark } from '../dist/src/index.js';
import { serveMonitor } from '../dist/src/monitor/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.argv[2] ?? join(ROOT, 'docs', 'monitor.png');
const BATCHES = 60;

const dir = mkdtempSync(join(tmpdir(), 'structured-rx-screenshot-'));
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
let fileNo = 0;
function writeFile() {
  const now = Date.now();
  const lines = [];
  const n = 150 + Math.floor(random() * 250);
  for (let i = 0; i < n; i++) {
    const late = random() < 0.02;
    const ms = now - (late ? 25_000 + random() * 10_000 : random() * 1000);
    lines.push(JSON.stringify({ time: new Date(ms).toISOString(), action: random() < 0.55 ? 'Open' : 'Close' }));
  }
  if (random() < 0.2) lines.push('{"time": "yesterday", "action": "Open"');
  const name = `clicks-${String(fileNo++).padStart(4, '0')}.json`;
  writeFileSync(join(dir, `.${name}.tmp`), lines.join('\n') + '\n');
  renameSync(join(dir, `.${name}.tmp`), join(dir, name));
}

const catalog = new Catalog();
const query = startQuery(
  readJsonFiles(dir, { schema: 'time TIMESTAMP, action STRING', pollInterval: '100 milliseconds' }).pipe(
    throttleFiles(1, { trigger: '250 milliseconds' }),
    withWatermark('time', '5 seconds'),
    tumblingWindow('time', '10 seconds'),
    groupCount('action', 'window'),
    toMemoryTable('clicks', { catalog, outputMode: 'append' }),
  ),
  { name: 'clicks' },
);
const monitor = await serveMonitor({ port: 0, catalog });
const feed = setInterval(writeFile, 250);
const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, pipe: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1360, height: 900, deviceScaleFactor: 1 });
  await page.goto(monitor.url, { waitUntil: 'load' });
  await page.waitForFunction(`Number(document.querySelector('#stat-batches').textContent.replace(/,/g, '')) >= ${BATCHES}`, { timeout: 120_000 });
  await page.$eval('#sql-input', (el) => (el.value = ''));
  await page.type('#sql-input', 'select action, count(*) as windows, sum(count) as clicks, max(window.end) as last_window_end from clicks group by action order by action');
  await page.click('#sql-run');
  await page.waitForFunction(`document.querySelectorAll('#sql-result tbody tr').length === 2`, { timeout: 30_000 });
  await new Promise((r) => setTimeout(r, 500));
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT} after ${query.recentProgress.length} batches`);
} finally {
  clearInterval(feed);
  await browser.close();
  await query.stop();
  await monitor.close();
  rmSync(dir, { recursive: true, force: true });
}
