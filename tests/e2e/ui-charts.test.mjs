// Metric charts in Chromium (playwright-core) against `runlens serve`: the chart card on the run
// page (series sampled in the backend with the spike kept, x modes, smoothing with the raw line
// kept, log y, zoom re-fetching the exact range, export PNG/SVG/CSV) and the experiment's chart
// view (default cards, tooltip over several runs, add, remove, reorder, resize, remembered
// layout, JSON export and import into another experiment, export all as PNG, live updates).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { launchChromium, mlflow, startServer, tempDir, waitFor } from './lib.mjs';

const SPIKE = 1_000_000;
const SPIKE_STEP = 12_345;
const POINTS = 20_000;
const START = Date.now() - 3_600_000;

let server;
let context;
let expA;
let expB;
const runs = {}; // name -> run id

/** Logs `metrics` ({key, value, timestamp, step}) in batches of 1000. */
async function logMetrics(runId, metrics) {
  for (let i = 0; i < metrics.length; i += 1000) {
    await mlflow(server.url, 'runs/log-batch', { run_id: runId, metrics: metrics.slice(i, i + 1000) });
  }
}

async function makeRun(experimentId, name, n, offset, spike) {
  const { run } = await mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name: name, start_time: START });
  const id = run.info.run_id;
  const metrics = [];
  for (let step = 0; step < n; step++) {
    const ts = START + step * 100;
    const loss = spike && step === SPIKE_STEP ? SPIKE : 2 * Math.exp(-step / (n / 5)) + 0.1 + offset + 0.05 * Math.sin(step * 0.7);
    metrics.push({ key: 'loss', value: loss, timestamp: ts, step });
    if (step % 10 === 0) metrics.push({ key: 'acc', value: 1 - Math.exp(-step / (n / 4)) - offset, timestamp: ts, step });
  }
  await logMetrics(id, metrics);
  await mlflow(server.url, 'runs/update', { run_id: id, status: 'FINISHED', end_time: START + n * 100 });
  return id;
}

before(async () => {
  server = await startServer();
  context = await launchChromium({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
  expA = (await mlflow(server.url, 'experiments/create', { name: 'charts A' })).experiment_id;
  runs.alpha = await makeRun(expA, 'alpha', POINTS, 0, true);
  runs.beta = await makeRun(expA, 'beta', 300, 0.2, false);
  runs.gamma = await makeRun(expA, 'gamma', 300, 0.4, false);
  expB = (await mlflow(server.url, 'experiments/create', { name: 'charts B' })).experiment_id;
  runs.delta = await makeRun(expB, 'delta', 200, 0.1, false);
});

after(async () => {
  await context?.close();
  server?.stop();
});

async function openPage() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} (${m.location()?.url ?? ''})`));
  return { page, errors };
}

/** The next `runlens/metrics/series` answer whose request matches `pred`: { body, json }. */
async function nextSeries(page, pred = () => true, timeout = 15000) {
  const resp = await page.waitForResponse((r) => {
    if (!r.url().endsWith('/-/call/runlens/metrics/series')) return false;
    try {
      return pred(JSON.parse(r.request().postData() ?? '{}'));
    } catch {
      return false;
    }
  }, { timeout });
  return { body: JSON.parse(resp.request().postData()), json: await resp.json() };
}

/** A card's request (not the run page's history summary, which asks for 64 pixels). */
const cardRequest = (key, more = () => true) => (b) => b.width > 100 && b.series.length >= 1 && b.series.every((s) => s.key === key) && more(b);

const num = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);

/** What uPlot draws in a card: series (without x), the data, the scales. */
async function drawn(card) {
  return card.locator('.plot').evaluate((el) => {
    const u = el.uplot;
    if (!u) return null;
    return {
      lines: u.series.length - 1,
      labels: u.series.slice(1).map((s) => s.label),
      alphas: u.series.slice(1).map((s) => s.alpha),
      data: u.data.map((c) => Array.from(c)),
      yDistr: u.scales.y.distr,
      xDistr: u.scales.x.distr,
      xMin: u.scales.x.min,
      xMax: u.scales.x.max,
    };
  });
}

async function download(page, action) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), action()]);
  return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b) => PNG.every((v, i) => b[i] === v);
const pngWidth = (b) => b.readUInt32BE(16);

test('a run page chart: the sampled history keeps the spike; zoom, x modes, smoothing and log y', async () => {
  const { page, errors } = await openPage();
  const first = nextSeries(page, cardRequest('loss'));
  await page.goto(`${server.url}/#/experiments/${expA}/runs/${runs.alpha}?tab=metrics`);
  const card = page.locator('[data-testid="metric-card"][data-metric="loss"]');
  await card.locator('canvas').waitFor();

  // The backend sampled 20,000 points to the card's width and kept the spike.
  const { body, json } = await first;
  assert.equal(body.x, 'step');
  assert.ok(body.width >= 200 && body.width <= 1400, `the card's width: ${body.width}`);
  const s = json.series[0];
  assert.equal(s.run_name, 'alpha');
  assert.equal(s.points, POINTS);
  assert.equal(s.sampled, true);
  assert.ok(s.y.length <= 4 * body.width, `${s.y.length} points for ${body.width} pixels`);
  assert.ok(s.y.map(num).includes(SPIKE), 'the spike is in the sampled series');
  assert.ok(s.x.includes(SPIKE_STEP), 'at its step');
  await waitFor('the spike drawn', async () => (await drawn(card))?.data[1].includes(SPIKE));
  assert.equal((await drawn(card)).lines, 1);

  // Zoom: a drag on the canvas asks again for exactly that range.
  const over = card.locator('.u-over');
  const box = await over.boundingBox();
  const zoomed = nextSeries(page, cardRequest('loss', (b) => Array.isArray(b.x_range)));
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const z = await zoomed;
  const [lo, hi] = z.body.x_range;
  assert.ok(lo > 6000 && lo < SPIKE_STEP && hi > SPIKE_STEP && hi < 17000, `the zoomed range: ${lo}..${hi}`);
  const zs = z.json.series[0];
  assert.ok(zs.x.every((v) => v >= lo && v <= hi), 'only points in range');
  assert.ok(zs.points < POINTS && zs.y.length <= 4 * z.body.width);
  assert.ok(zs.y.map(num).includes(SPIKE), 'the zoomed range still has the spike');
  await waitFor('the zoomed scale', async () => {
    const d = await drawn(card);
    return Math.abs(d.xMin - lo) < 1e-6 && Math.abs(d.xMax - hi) < 1e-6;
  });
  // Keyboard: the arrow keys pan (another exact fetch), Reset goes back.
  const panned = nextSeries(page, cardRequest('loss', (b) => Array.isArray(b.x_range) && b.x_range[0] > lo));
  await card.locator('.plot').focus();
  await page.keyboard.press('ArrowRight');
  const p = await panned;
  assert.ok(Math.abs(p.body.x_range[1] - p.body.x_range[0] - (hi - lo)) < 1e-6 * (hi - lo), 'a pan keeps the width');
  // Shift-drag pans the other way (and asks again for the exact range).
  const back = nextSeries(page, cardRequest('loss', (b) => Array.isArray(b.x_range) && b.x_range[0] < p.body.x_range[0]));
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 6 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const pb = await back;
  assert.ok(Math.abs(pb.body.x_range[1] - pb.body.x_range[0] - (hi - lo)) < 1e-6 * (hi - lo), 'a drag pan keeps the width');
  assert.ok(pb.json.series[0].x.every((v) => v >= pb.body.x_range[0] && v <= pb.body.x_range[1]));

  const reset = nextSeries(page, cardRequest('loss', (b) => !b.x_range));
  await card.getByRole('button', { name: 'Reset zoom' }).click();
  await reset;
  await card.getByRole('button', { name: 'Reset zoom' }).waitFor({ state: 'detached' });

  // x as time since the start (seconds), then wall time (epoch ms).
  const rel = nextSeries(page, cardRequest('loss', (b) => b.x === 'relative'));
  await card.getByLabel('X axis').selectOption('relative');
  const r = (await rel).json.series[0];
  assert.notDeepEqual(r.x, s.x, 'relative x differs from steps');
  assert.ok(Math.abs(Math.max(...r.x) - (POINTS - 1) * 0.1) < 0.01, `relative seconds: ${Math.max(...r.x)}`);
  const wall = nextSeries(page, cardRequest('loss', (b) => b.x === 'time'));
  await card.getByLabel('X axis').selectOption('time');
  const w = (await wall).json.series[0];
  assert.equal(w.x[0], START, 'wall time in epoch ms');
  assert.equal(await card.getAttribute('data-x'), 'time');
  // Another metric as x: loss against acc (logged every 10 steps), at the same steps.
  const byAcc = nextSeries(page, cardRequest('loss', (b) => b.x === 'metric:acc'));
  await card.getByLabel('X axis').selectOption('metric:acc');
  const a = (await byAcc).json.series[0];
  assert.equal(a.points, POINTS / 10);
  assert.ok(a.x.every((v) => v >= -0.01 && v <= 1), 'x values are accuracies');
  await waitFor('drawn against acc', async () => (await drawn(card))?.data[0].length === a.x.length);
  await card.getByLabel('X axis').selectOption('step');
  await waitFor('steps again', async () => (await drawn(card))?.data[0].includes(SPIKE_STEP));

  // Smoothing: a second, smoothed line per run; the raw one stays, faint.
  const before = await drawn(card);
  await card.getByLabel('Smoothing').fill('0.9');
  await waitFor('raw and smoothed lines', async () => (await drawn(card))?.lines === 2);
  const sm = await drawn(card);
  assert.ok(sm.alphas[0] < 0.5 && sm.alphas[1] === 1, `raw faint, smoothed solid: ${sm.alphas}`);
  assert.notDeepEqual(sm.data[2], sm.data[1], 'the smoothed line differs from the raw one');
  assert.deepEqual(sm.data[1], before.data[1], 'the raw line is unchanged');
  await card.getByLabel('Smoothing').fill('0');
  await waitFor('one line again', async () => (await drawn(card))?.lines === 1);

  // Log y.
  await card.getByRole('button', { name: 'Log y' }).click();
  await waitFor('a log y scale', async () => (await drawn(card))?.yDistr === 3);
  assert.equal(await card.getByRole('button', { name: 'Log y' }).getAttribute('aria-pressed'), 'true');
  // Log x: step 0 has no place on it.
  await card.getByRole('button', { name: 'Log x' }).click();
  await waitFor('a log x scale', async () => {
    const d = await drawn(card);
    return d?.xDistr === 3 && d.data[0][0] > 0 && d.data[1].includes(SPIKE);
  });
  await card.getByRole('button', { name: 'Log x' }).click();
  await waitFor('a linear x again', async () => (await drawn(card))?.xDistr === 1);

  // The tooltip names the value at the cursor.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await card.getByRole('tooltip').waitFor();
  assert.match(await card.getByRole('tooltip').textContent(), /Step/);

  assert.deepEqual(errors, []);
  await page.close();
});

test('a chart exports PNG (default and hi-DPI sizes), SVG and CSV', async () => {
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/experiments/${expA}/runs/${runs.beta}?tab=metrics`);
  const card = page.locator('[data-testid="metric-card"][data-metric="loss"]');
  await card.locator('canvas').waitFor();

  await card.getByRole('button', { name: /Chart menu/ }).click();
  await page.getByRole('menuitem', { name: 'Export PNG…' }).click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.waitFor();
  assert.equal(await dialog.getByLabel('Size').inputValue(), '1600x900');
  const png = await download(page, () => dialog.getByRole('button', { name: 'Export PNG' }).click());
  assert.equal(png.name, 'loss.png');
  assert.ok(isPng(png.bytes), 'PNG signature');
  assert.equal(pngWidth(png.bytes), 1600);
  await dialog.waitFor({ state: 'detached' });

  // 1280×720 at ×2.
  await card.getByRole('button', { name: /Chart menu/ }).click();
  await page.getByRole('menuitem', { name: 'Export PNG…' }).click();
  await dialog.getByLabel('Size').selectOption('1280x720');
  await dialog.getByLabel('Hi-DPI').check();
  const hidpi = await download(page, () => dialog.getByRole('button', { name: 'Export PNG' }).click());
  assert.ok(isPng(hidpi.bytes));
  assert.equal(pngWidth(hidpi.bytes), 2560);

  // A custom size, as SVG.
  await card.getByRole('button', { name: /Chart menu/ }).click();
  await page.getByRole('menuitem', { name: 'Export SVG…' }).click();
  await dialog.getByLabel('Size').selectOption('custom');
  await dialog.getByLabel('Width in pixels').fill('900');
  await dialog.getByLabel('Height in pixels').fill('500');
  const svg = await download(page, () => dialog.getByRole('button', { name: 'Export SVG' }).click());
  assert.equal(svg.name, 'loss.svg');
  assert.match(svg.bytes.toString('utf8').slice(0, 300), /<svg/);

  // The data behind the chart, full resolution.
  await card.getByRole('button', { name: /Chart menu/ }).click();
  const csv = await download(page, () => page.getByRole('menuitem', { name: 'Export CSV' }).click());
  assert.equal(csv.name, 'loss.csv');
  const lines = csv.bytes.toString('utf8').trim().split('\n');
  assert.match(lines[0], /run_id/);
  assert.match(lines[0], /run_name/);
  assert.equal(lines.length, 1 + 300, 'a header and every point');

  // The menu works by keyboard: Esc closes it and the focus returns.
  const menuButton = card.getByRole('button', { name: /Chart menu/ });
  await menuButton.focus();
  await page.keyboard.press('ArrowDown');
  await page.getByRole('menu').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('menu').waitFor({ state: 'detached' });
  assert.equal(await menuButton.evaluate((el) => el === document.activeElement), true);
  assert.deepEqual(errors, []);
  await page.close();
});

async function openCharts(page, experimentId) {
  await page.goto(`${server.url}/#/experiments/${experimentId}`);
  await page.getByRole('button', { name: 'Charts', exact: true }).click();
  await page.getByTestId('charts-view').waitFor();
}

async function cells(page) {
  return page.getByTestId('chart-cell').evaluateAll((els) => els.map((e) => ({ metrics: e.dataset.metrics, wide: e.classList.contains('wide') })));
}

function cardOf(page, metrics) {
  return page.locator(`[data-testid="chart-cell"][data-metrics="${metrics}"]`).first();
}

async function menu(page, cell, item) {
  await cell.getByRole('button', { name: /Chart menu/ }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

test('the chart view: a card per metric for the runs, tooltip over every run, add, remove, reorder, resize, remembered', async () => {
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/experiments/${expA}`);
  await page.evaluate(() => localStorage.clear());
  // Three runs in one request per card.
  const lossSeries = nextSeries(page, cardRequest('loss', (b) => b.series.length === 3));
  await openCharts(page, expA);
  await waitFor('a card per metric', async () => JSON.stringify(await cells(page)) === JSON.stringify([{ metrics: 'acc', wide: false }, { metrics: 'loss', wide: false }]));
  const { json } = await lossSeries;
  assert.deepEqual(json.series.map((s) => s.run_name).sort(), ['alpha', 'beta', 'gamma']);
  const loss = cardOf(page, 'loss');
  await loss.locator('canvas').waitFor();
  await waitFor('three lines', async () => (await drawn(loss))?.lines === 3);
  const legend = await loss.getByRole('list', { name: 'Legend' }).textContent();
  for (const n of ['alpha', 'beta', 'gamma']) assert.ok(legend.includes(n), `legend names ${n}`);

  // The tooltip lists every run, whatever their x.
  const box = await loss.locator('.u-over').boundingBox();
  await page.mouse.move(box.x + box.width * 0.01, box.y + box.height / 2);
  const tip = loss.getByRole('tooltip');
  await tip.waitFor();
  const text = await tip.textContent();
  for (const n of ['alpha', 'beta', 'gamma']) assert.ok(text.includes(n), `tooltip names ${n}: ${text}`);
  await page.mouse.move(0, 0);

  // Add a chart of both metrics against time since the start.
  await page.getByRole('button', { name: 'Add chart' }).click();
  const dialog = page.getByTestId('add-chart-dialog');
  await dialog.getByRole('checkbox', { name: 'acc' }).check();
  await dialog.getByRole('checkbox', { name: 'loss' }).check();
  await dialog.getByLabel('X axis of the new chart').selectOption('relative');
  await dialog.getByRole('button', { name: 'Add chart' }).click();
  await waitFor('three cards', async () => (await cells(page)).length === 3);
  const both = cardOf(page, 'acc,loss');
  assert.equal(await both.getByLabel('X axis').inputValue(), 'relative');
  await waitFor('six lines (3 runs × 2 metrics)', async () => (await drawn(both))?.lines === 6);
  const bothLegend = await both.getByRole('list', { name: 'Legend' }).textContent();
  assert.ok(bothLegend.includes('acc') && bothLegend.includes('loss'), 'the legend names the metrics');

  // Remove the first, move "loss" right, make it wide, smooth the chart of both.
  await menu(page, cardOf(page, 'acc'), 'Remove chart');
  await waitFor('two cards', async () => (await cells(page)).length === 2);
  await menu(page, cardOf(page, 'loss'), 'Move right');
  await menu(page, cardOf(page, 'loss'), 'Make wide (2 columns)');
  await cardOf(page, 'acc,loss').getByLabel('Smoothing').fill('0.5');
  const expected = [{ metrics: 'acc,loss', wide: false }, { metrics: 'loss', wide: true }];
  await waitFor('the new layout', async () => JSON.stringify(await cells(page)) === JSON.stringify(expected));
  assert.equal(await page.locator('[data-testid="chart-cell"]').first().getByRole('menuitem').count(), 0);

  // Reload: the charts view and its layout are remembered.
  await page.waitForTimeout(400);
  await page.reload();
  await page.getByTestId('charts-view').waitFor();
  await waitFor('the remembered layout', async () => JSON.stringify(await cells(page)) === JSON.stringify(expected));
  assert.equal(await cardOf(page, 'acc,loss').getByLabel('Smoothing').inputValue(), '0.5');
  assert.equal(await cardOf(page, 'acc,loss').getByLabel('X axis').inputValue(), 'relative');

  // The table comes back with one click.
  await page.getByRole('button', { name: 'Table', exact: true }).click();
  await page.locator('[data-run-id]').first().waitFor();
  assert.equal(await page.getByTestId('charts-view').count(), 0);

  // Runs selected in the table are the ones charted.
  await page.getByLabel('Select beta').check();
  await page.getByLabel('Select gamma').check();
  const two = nextSeries(page, cardRequest('loss', (b) => b.series.length === 2));
  await page.getByRole('button', { name: 'Charts', exact: true }).click();
  assert.deepEqual((await two).json.series.map((s) => s.run_name).sort(), ['beta', 'gamma']);
  await waitFor('two runs drawn', async () => JSON.stringify((await drawn(cardOf(page, 'loss')))?.labels.sort()) === '["beta","gamma"]');
  assert.match(await page.getByTestId('charted-runs').textContent(), /2 runs/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a layout exports as JSON and imports into another experiment; export all as PNG', async () => {
  const { page, errors } = await openPage();
  await openCharts(page, expA);
  await page.getByTestId('chart-cell').first().waitFor();
  const layoutA = await cells(page);
  assert.ok(layoutA.length >= 2);

  const file = await download(page, () => page.getByRole('button', { name: 'Export layout' }).click());
  assert.match(file.name, /\.json$/);
  const dash = JSON.parse(file.bytes.toString('utf8'));
  assert.equal(dash.kind, 'runlens.dashboard');
  assert.equal(dash.version, 1);
  assert.deepEqual(dash.charts.map((c) => c.metrics.join(',')), layoutA.map((c) => c.metrics));
  for (const c of dash.charts) {
    assert.deepEqual(Object.keys(c).sort(), ['clip_outliers', 'log_x', 'log_y', 'metrics', 'smooth', 'width', 'x']);
  }

  // Export all: one 1920×1080 PNG per chart.
  const n = layoutA.length;
  const downloads = [];
  const got = new Promise((resolve) => {
    page.on('download', async (d) => {
      downloads.push({ name: d.suggestedFilename(), bytes: readFileSync(await d.path()) });
      if (downloads.length === n) resolve();
    });
  });
  await page.getByRole('button', { name: 'Export all as PNG' }).click();
  await Promise.race([got, new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${downloads.length} of ${n} downloads`)), 30000))]);
  for (const d of downloads) {
    assert.ok(isPng(d.bytes), `${d.name} is a PNG`);
    assert.equal(pngWidth(d.bytes), 1920);
  }
  assert.deepEqual(downloads.map((d) => d.name.slice(0, 3)), layoutA.map((_, i) => `${String(i + 1).padStart(2, '0')}-`));

  // Import into experiment B: the same cards, for B's run.
  const path = `${tempDir('runlens-dash-')}/dash.json`;
  writeFileSync(path, file.bytes);
  await openCharts(page, expB);
  await page.getByTestId('chart-cell').first().waitFor();
  await page.getByLabel('Import layout file').setInputFiles(path);
  await waitFor('the imported layout', async () => JSON.stringify(await cells(page)) === JSON.stringify(layoutA));
  assert.match(await page.getByTestId('charts-view').getByRole('status').first().textContent(), /Imported/);
  const first = page.getByTestId('chart-cell').first();
  await waitFor('delta drawn', async () => (await drawn(first))?.labels.some((l) => l.startsWith('delta')));

  // Something else is refused with a message.
  const bad = `${tempDir('runlens-dash-')}/bad.json`;
  writeFileSync(bad, '{"kind": "something"}');
  await page.getByLabel('Import layout file').setInputFiles(bad);
  await waitFor('an import error', async () => /not a Runlens dashboard/.test(await page.getByTestId('charts-view').textContent()));
  assert.equal((await cells(page)).length, layoutA.length, 'the layout stays');
  assert.deepEqual(errors, []);
  await page.close();
});

test('charts follow runs as they log, without losing a zoom', async () => {
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/experiments/${expB}`);
  await page.evaluate(() => localStorage.clear());
  await openCharts(page, expB);
  const loss = cardOf(page, 'loss');
  await loss.locator('canvas').waitFor();
  await waitFor('drawn', async () => (await drawn(loss))?.data[0].length === 200);

  // Zoom, then log more points: the zoom stays, the new points inside it appear.
  const box = await loss.locator('.u-over').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.99, box.y + box.height / 2, { steps: 6 });
  await page.mouse.up();
  await loss.getByRole('button', { name: 'Reset zoom' }).waitFor();
  const zoomedMin = (await drawn(loss)).xMin;
  await logMetrics(runs.delta, [{ key: 'loss', value: 0.123, timestamp: Date.now(), step: 150 }, { key: 'loss', value: 5, timestamp: Date.now(), step: 250 }]);
  await waitFor('the new point in range', async () => (await drawn(loss)).data.slice(1).some((c) => c.includes(0.123)), 10000);
  const d = await drawn(loss);
  assert.equal(d.xMin, zoomedMin, 'the zoom is kept');
  await loss.locator('.u-over').dblclick();
  await waitFor('the whole range again, with the point outside the old zoom', async () => (await drawn(loss)).data[0].includes(250), 10000);
  assert.deepEqual(errors, []);
  await page.close();
});
