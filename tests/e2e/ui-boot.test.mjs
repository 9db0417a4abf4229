// The boot script (ui/src/boot/): on an experiment's page it asks the first questions in one
// request and draws the first rows before the app's code runs; the app then takes its answers
// and replaces that paint in one task. Checked here: the paint is the app's page (same text at
// the same place), the app asks none of those questions again, the two are never on screen
// together, the store's text is drawn as text, and the page's CSP allows the inline script.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, mlflow, startServer } from './lib.mjs';

let server;
let context;
let exp;
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

before(async () => {
  server = await startServer();
  context = await launchChromium({ viewport: { width: 1400, height: 900 } });
  exp = (await mlflow(server.url, 'experiments/create', { name: 'boot <b>check</b>', tags: [{ key: 'team', value: 'vision' }] })).experiment_id;
  await mlflow(server.url, 'experiments/create', { name: 'another experiment' });
  for (let i = 0; i < 40; i++) {
    const name = i === 39 ? HOSTILE : `boot-run-${String(i).padStart(2, '0')}`;
    const { run } = await mlflow(server.url, 'runs/create', { experiment_id: exp, run_name: name, start_time: 1_700_000_000_000 + i * 1000 });
    await mlflow(server.url, 'runs/log-batch', {
      run_id: run.info.run_id,
      params: [{ key: 'lr', value: String(0.1 / (i + 1)) }],
      metrics: [{ key: 'loss', value: 1 / (i + 1), timestamp: 1, step: 0 }],
    });
    await mlflow(server.url, 'runs/update', { run_id: run.info.run_id, status: i % 9 === 0 ? 'FAILED' : 'FINISHED', end_time: 1_700_000_000_000 + i * 1000 + 65_000 });
  }
});

after(async () => {
  await context?.close();
  server?.stop();
});

/** A page that records its errors (a CSP violation is one) and its UI calls. */
async function newPage() {
  const page = await context.newPage();
  const errors = [];
  const calls = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/-/call')) calls.push({ path, body: r.postData(), at: Date.now() });
  });
  return { page, errors, calls };
}

/** Text and place of what a scientist sees first, in the boot's paint or in the app. */
async function seen(page, root) {
  return page.evaluate((root) => {
    const base = document.querySelector(root);
    const box = (el) => {
      const r = el.getBoundingClientRect();
      // As drawn (innerText follows the layout), not the markup's spacing.
      return { text: el.innerText.replace(/\s+/g, ' ').trim(), x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width), h: Math.round(r.height) };
    };
    const one = (sel) => {
      const el = base.querySelector(sel);
      return el ? box(el) : null;
    };
    const rows = [...base.querySelectorAll('.grid .row')].map((row) => [...row.querySelectorAll('.cell')].filter((c) => c.getBoundingClientRect().right < window.innerWidth).map(box));
    return {
      name: one('.exp-head h1'),
      crumb: one('.exp-head .crumb'),
      facts: one('.exp-head .facts'),
      tags: one('.exp-head .tags'),
      filter: one('input[aria-label="Filter runs"]'),
      count: one('.status-line'),
      grid: one('.grid'),
      head: [...base.querySelectorAll('.grid .head [role="columnheader"]')].filter((c) => c.getBoundingClientRect().right < window.innerWidth).map(box),
      rows,
      sidebar: [...base.querySelectorAll('.sidebar nav .row')].map(box),
      tracking: one('.sidebar .tracking'),
    };
  }, root);
}

test('the boot paint is the app page: the same text in the same place, replaced in one task', async () => {
  const path = `${server.url}/#/experiments/${exp}/runs`;
  // A first visit leaves the default columns for the next, as a scientist's first visit does.
  const first = await newPage();
  await first.page.goto(path);
  await first.page.locator('[data-run-id]').first().waitFor();
  await first.page.locator('[data-cell="metrics.loss"]').first().waitFor();
  await first.page.close();

  // The app's code never arrives: what is on screen is the boot script's paint alone.
  const boot = await newPage();
  await boot.page.route(/\/assets\/start-[^/]*\.js$/, (r) => r.abort());
  await boot.page.goto(path);
  await boot.page.locator('[data-boot] .grid .row').first().waitFor();
  const painted = await seen(boot.page, '[data-boot]');
  assert.equal(await boot.page.locator('[data-run-id]').count(), 0, 'the paint carries none of the app hooks');
  await boot.page.close();

  const app = await newPage();
  // Every frame before it is drawn: were the boot's paint and the app's rows both there?
  await app.page.addInitScript(() => {
    window.__frames = { boot: 0, both: 0 };
    const frame = () => {
      const boot = document.querySelector('[data-boot]');
      if (boot) window.__frames.boot++;
      if (boot && document.querySelector('[data-run-id]')) window.__frames.both++;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  await app.page.goto(path);
  await app.page.locator('[data-run-id]').first().waitFor();
  await app.page.waitForTimeout(300);
  const drawn = await seen(app.page, '#app');
  assert.equal(await app.page.locator('[data-boot]').count(), 0, 'the paint is gone');
  assert.equal(await app.page.locator('.shell').count(), 1);
  const frames = await app.page.evaluate(() => window.__frames);
  assert.ok(frames.boot > 0, 'the boot paint was drawn');
  assert.equal(frames.both, 0, 'never a frame with both');
  assert.deepEqual(app.errors, []);

  assert.ok(painted.rows.length >= 10, `rows painted: ${painted.rows.length}`);
  assert.ok(painted.head.length >= 5, `columns painted: ${JSON.stringify(painted.head)}`);
  for (const key of ['name', 'crumb', 'facts', 'tags', 'filter', 'count', 'tracking']) {
    assert.deepEqual(painted[key], drawn[key], key);
  }
  // The grid in the same place (the app keeps a few more rows ready below the fold).
  assert.deepEqual({ ...painted.grid, text: '' }, { ...drawn.grid, text: '' });
  assert.deepEqual(painted.head, drawn.head.slice(0, painted.head.length));
  // Every row painted is the app's row at that place, cell by cell.
  assert.deepEqual(painted.rows, drawn.rows.slice(0, painted.rows.length));
  assert.deepEqual(painted.sidebar, drawn.sidebar);
  assert.match(painted.name.text, /boot <b>check<\/b>/);
});

test('the app asks none of the questions the boot script asked', async () => {
  const { page, calls, errors } = await newPage();
  const t0 = Date.now();
  await page.goto(`${server.url}/#/experiments/${exp}`);
  await page.locator('[data-run-id]').first().waitFor();
  // Within the first second no poll is due (the earliest, the table's, comes 2 s after mount).
  await page.waitForTimeout(Math.max(0, t0 + 1000 - Date.now()));
  const early = calls.filter((c) => c.at < t0 + 1000);
  assert.equal(early.filter((c) => c.path === '/-/calls').length, 1, JSON.stringify(early));
  const asked = early.filter((c) => c.path !== '/-/calls').map((c) => c.path.replace('/-/call/', ''));
  for (const op of ['runlens/runs/table', 'mlflow/experiments/get', 'mlflow/experiments/search', 'runlens/experiments/summary', 'runlens/runs/keys']) {
    assert.ok(!asked.includes(op), `${op} asked again: ${asked.join(', ')}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('the store text is drawn as text in the boot paint', async () => {
  const { page, errors } = await newPage();
  await page.route(/\/assets\/start-[^/]*\.js$/, (r) => r.abort());
  await page.goto(`${server.url}/#/experiments/${exp}/runs`);
  await page.locator('[data-boot] .grid .row').first().waitFor();
  assert.equal(await page.locator('[data-boot] .grid .row .name a').first().textContent(), HOSTILE);
  assert.equal(await page.locator('[data-boot] img').count(), 0);
  assert.equal(await page.locator('[data-boot] .exp-head b').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // The only errors: the app's code that was kept from loading.
  assert.ok(errors.every((e) => /start-|dynamically imported module|Failed to load resource/.test(e)), errors.join('\n'));
  await page.close();
});

test('a view the boot script cannot draw as the app would is left to the app', async () => {
  // Grouped rows: the boot script draws nothing, the app draws the groups.
  const { page, calls, errors } = await newPage();
  await page.goto(`${server.url}/#/`);
  await page.evaluate((id) => {
    const key = `runlens.table.${id}`;
    localStorage.setItem(key, JSON.stringify({ ...JSON.parse(localStorage.getItem(key) ?? '{}'), groupBy: 'attributes.status' }));
  }, exp);
  calls.length = 0;
  // Another document (the query), not a hash change: the page loads anew.
  await page.goto(`${server.url}/?again#/experiments/${exp}`);
  await page.locator('[data-testid="group-row"]').first().waitFor();
  assert.equal(await page.locator('[data-boot]').count(), 0);
  assert.equal(calls.filter((c) => c.path === '/-/calls').length, 1, 'its questions are still asked early');
  assert.deepEqual(errors, []);
  await page.evaluate((id) => localStorage.removeItem(`runlens.table.${id}`), exp);
  await page.close();
});

test('answers that come late: the app starts without the paint and shows the rows once', async () => {
  const { page, calls, errors } = await newPage();
  // The boot script's request is held for a second; the app stops waiting after 600 ms.
  await page.route('**/-/calls', async (route) => {
    await new Promise((r) => setTimeout(r, 1000));
    await route.continue();
  });
  await page.goto(`${server.url}/#/experiments/${exp}/runs`);
  await page.locator('[data-run-id]').first().waitFor();
  await page.waitForTimeout(300);
  assert.equal(await page.locator('[data-boot]').count(), 0);
  assert.equal(await page.locator('.shell').count(), 1);
  // The app took the held answers rather than asking again.
  assert.equal(calls.filter((c) => c.path === '/-/call/runlens/runs/table').length, 0, JSON.stringify(calls.map((c) => c.path)));
  assert.deepEqual(errors, []);
  await page.close();
});
