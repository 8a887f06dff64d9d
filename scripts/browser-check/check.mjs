// Renders report bundles' report.html in headless Chromium and checks what a reader relies on.
//
//   node scripts/browser-check/check.mjs PREFIX SCREENSHOT_DIR REPORT_DIR...
//
// PREFIX is where `npm ci` installed this directory's package.json (playwright-core, pinned);
// Chromium is Debian's /usr/bin/chromium. For each REPORT_DIR (a keyplan report bundle) it checks:
//   - every chart of charts/*.svg is shown: one <img class="chart"> each, loaded (naturalWidth > 0)
//     and laid out with a non-zero size;
//   - no console error, no page error, no <script> element;
//   - no network request of any kind (only the page itself and data: URIs are fetched; anything
//     else is blocked and fails the check);
//   - printed (print media at A4 width), no table is wider than the page, so nothing is cut;
// and saves a full-page screenshot (SCREENSHOT_DIR/report-screenshot-N.png, N = 1, 2, ...) and
// the printed PDF (report-N.pdf). Exits 1 on any failure, listing them all.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [prefix, shotDir, ...dirs] = process.argv.slice(2);
if (!prefix || !shotDir || dirs.length === 0) {
  console.error('usage: check.mjs NPM_PREFIX SCREENSHOT_DIR REPORT_DIR...');
  process.exit(2);
}
const require = createRequire(path.resolve(prefix, 'package.json'));
const { chromium } = require('playwright-core');

const failures = [];
const fail = (dir, what) => failures.push(`${dir}: ${what}`);

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'keyplan-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
});

try {
  for (const [i, dir] of dirs.entries()) {
    const html = path.resolve(dir, 'report.html');
    if (!fs.existsSync(html)) {
      fail(dir, 'no report.html');
      continue;
    }
    const url = pathToFileURL(html).href;
    const chartsDir = path.join(dir, 'charts');
    const charts = fs.existsSync(chartsDir)
      ? fs.readdirSync(chartsDir).filter((f) => f.endsWith('.svg')).sort()
      : [];
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') fail(dir, `console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => fail(dir, `page error: ${e.message}`));
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url || u.startsWith('data:')) return route.continue();
      fail(dir, `network request: ${u}`);
      return route.abort();
    });
    page.on('request', (r) => {
      const u = r.url();
      if (u !== url && !u.startsWith('data:')) fail(dir, `request: ${u}`);
    });
    await page.goto(url, { waitUntil: 'load' });
    const shown = await page.evaluate(() =>
      [...document.querySelectorAll('img.chart')].map((img) => {
        const r = img.getBoundingClientRect();
        return {
          id: img.closest('figure')?.id ?? '',
          loaded: img.complete && img.naturalWidth > 0,
          width: r.width,
          height: r.height,
        };
      }),
    );
    const scripts = await page.evaluate(() => document.scripts.length);
    if (scripts > 0) fail(dir, `${scripts} <script> element(s) in the page`);
    const expected = charts.map((f) => `chart-${f.replace(/\.svg$/, '')}`);
    const ids = shown.map((s) => s.id).sort();
    if (JSON.stringify(ids) !== JSON.stringify(expected.slice().sort())) {
      fail(dir, `charts shown ${JSON.stringify(ids)} != charts/ ${JSON.stringify(expected)}`);
    }
    for (const s of shown) {
      if (!s.loaded || s.width <= 0 || s.height <= 0) {
        fail(dir, `chart ${s.id} not displayed (loaded ${s.loaded}, ${s.width}x${s.height})`);
      }
    }
    const shot = path.join(shotDir, `report-screenshot-${i + 1}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    // Printed: A4 is 210 mm; the print stylesheet's margins leave 186 mm = 703 CSS px.
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 703, height: 1000 });
    const cut = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      return [...document.querySelectorAll('table')]
        .map((t, n) => ({ n, right: t.getBoundingClientRect().right }))
        .filter((t) => t.right > width + 1)
        .map((t) => `table ${t.n + 1} extends to ${Math.round(t.right)}px of ${width}px`);
    });
    for (const c of cut) fail(dir, `printed: ${c}`);
    await page.pdf({ path: path.join(shotDir, `report-${i + 1}.pdf`), format: 'A4' });
    console.log(`${dir}: ${shown.length} chart(s) checked; screenshot ${shot}`);
    await page.close();
  }
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

if (failures.length > 0) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
console.log(`browser check: ${dirs.length} report(s) passed`);
