// The compare view (#/compare-runs?runs=[…]&experiments=[…]) in Chromium through
// playwright-core: the table (differences only, best values, direction flip, key search),
// overlay charts, parallel coordinates, scatter, contour, and shared artifacts (images side by
// side with swipe and overlay, JSON/YAML/text diffs). Hostile names render as text; a run id
// that doesn't exist is reported and the rest compared.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { launchChromium, mlflow, startServer, waitFor } from './lib.mjs';

let server;
let context;
let experimentId;
const runs = {}; // name → { id, root }

const EVIL_NAME = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">';
const MISSING_ID = 'deadbeefdeadbeefdeadbeefdeadbeef';

// ---- fixtures ------------------------------------------------------------------------

function crc32(buf) {
  let crc = 0xffffffff;
  for (const byte of buf) {
    let c = (crc ^ byte) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A w×h PNG of one colour. */
function png(w, h, [r, g, b]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = w * 3 + 1;
  const raw = Buffer.alloc(row * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * row + 1 + x * 3;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

const RUNS = [
  {
    name: 'alpha',
    params: { lr: '0.1', layers: '2', optimizer: 'adam', seed: '42' },
    loss: [1.0, 0.5, 0.3],
    acc: 0.8,
    tags: { team: 'vision' },
    files: {
      'images/plot.png': png(40, 30, [220, 30, 30]),
      'config.json': JSON.stringify({ name: '<script>window.pwned=4</script>', model: { depth: 4, width: 64 }, lr: 0.1, layers: [1, 2, 3] }),
      'same.json': '{"a": 1, "b": {"c": 2, "d": [1, 2]}}',
      'params.yaml': 'optimizer:\n  name: adam\n  lr: 0.001\nlayers: [32, 64]\nseed: 42\n',
      'notes.txt': 'line one\nline two\nline three\n',
      'only-alpha.txt': 'mine\n',
    },
  },
  {
    name: 'beta',
    params: { lr: '0.01', layers: '4', optimizer: 'sgd', seed: '42' },
    loss: [1.2, 0.6, 0.2],
    acc: 0.85,
    tags: { team: 'vision' },
    files: {
      'images/plot.png': png(40, 30, [30, 30, 220]),
      // The same content in another key order, one value changed.
      'config.json': JSON.stringify({ layers: [1, 2, 3], lr: 0.1, model: { width: 128, depth: 4 }, name: '<script>window.pwned=4</script>' }),
      'same.json': '{\n  "b": {"d": [1, 2], "c": 2},\n  "a": 1\n}',
      'params.yaml': 'seed: 42\nlayers:\n  - 32\n  - 64\noptimizer:\n  lr: 0.01\n  name: adam\n',
      'notes.txt': 'line one\nline 2\nline three\n',
    },
  },
  {
    name: EVIL_NAME,
    params: { lr: '0.001', layers: '8', optimizer: '<img src=x onerror="window.pwned=3">', seed: '42' },
    loss: [1.1, 0.7, 0.4],
    acc: 0.9,
    tags: { team: '<b>bold</b>' },
    files: { 'notes.txt': 'line one\n' },
  },
];

async function upload(root, path, body) {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const resp = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${root}/${encoded}`, { method: 'PUT', body });
  assert.ok(resp.ok, `upload ${path}: ${resp.status} ${await resp.text()}`);
}

// ---- helpers -------------------------------------------------------------------------

function compareUrl(names, extra = [], tab) {
  const ids = [...names.map((n) => runs[n].id), ...extra];
  const q = `runs=${encodeURIComponent(JSON.stringify(ids))}&experiments=${encodeURIComponent(JSON.stringify([experimentId]))}`;
  return `${server.url}/#/compare-runs?${q}${tab ? `&tab=${tab}` : ''}`;
}

const ALL = () => ['alpha', 'beta', EVIL_NAME];

async function openPage() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} @ ${m.location()?.url ?? ''}`));
  return { page, errors };
}

async function open(names, tab, extra = []) {
  const { page, errors } = await openPage();
  await page.goto(compareUrl(names, extra, tab));
  await page.getByRole('tablist', { name: 'Compare' }).waitFor();
  return { page, errors };
}

function noErrors(errors, allow = []) {
  const left = errors.filter((e) => !allow.some((re) => re.test(e)));
  assert.deepEqual(left, [], 'no page or console errors');
}

async function notPwned(page) {
  assert.equal(await page.evaluate(() => window.pwned), undefined, 'no injected script ran');
}

/** Moves the mouse onto the middle of an SVG path's stroke. */
async function hoverPath(page, locator) {
  const { x, y } = await locator.evaluate((el) => {
    const p = el.getPointAtLength(el.getTotalLength() / 2);
    const m = el.getScreenCTM();
    return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f };
  });
  await page.mouse.move(x, y);
}

// ---- setup ---------------------------------------------------------------------------

before(async () => {
  server = await startServer();
  context = await launchChromium({ viewport: { width: 1400, height: 1000 } });
  ({ experiment_id: experimentId } = await mlflow(server.url, 'experiments/create', { name: 'compare e2e' }));
  const start = Date.now() - 60_000;
  for (const spec of RUNS) {
    const { run } = await mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name: spec.name, start_time: start });
    const id = run.info.run_id;
    const root = run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
    runs[spec.name] = { id, root };
    await mlflow(server.url, 'runs/log-batch', {
      run_id: id,
      params: Object.entries(spec.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(spec.tags).map(([key, value]) => ({ key, value })),
      metrics: [
        ...spec.loss.map((value, step) => ({ key: 'loss', value, timestamp: start + step * 1000, step })),
        { key: 'acc', value: spec.acc, timestamp: start, step: 0 },
      ],
    });
    for (const [path, body] of Object.entries(spec.files)) await upload(root, path, body);
    await mlflow(server.url, 'runs/update', { run_id: id, status: 'FINISHED', end_time: start + 5000 });
  }
});

after(async () => {
  await context?.close();
  server?.stop();
});

// ---- the table ------------------------------------------------------------------------

test('the table: runs as columns, best values highlighted, direction flip, differences only, key search', async () => {
  const { page, errors } = await open(ALL());
  const table = page.getByTestId('compare-table');
  await table.waitFor();
  const heads = table.locator('thead th.run');
  assert.equal(await heads.count(), 3);
  assert.equal(await heads.nth(0).locator('a').textContent(), 'alpha');
  assert.match(await heads.nth(0).locator('a').getAttribute('href'), new RegExp(`#/experiments/${experimentId}/runs/${runs.alpha.id}$`));
  assert.match(await heads.nth(0).textContent(), /Finished/);

  // loss: lower is better → beta (0.2); acc: higher → the third run (0.9).
  const loss = table.locator('tr[data-key="metrics.loss"]');
  assert.deepEqual(await loss.locator('td').allTextContents(), ['0.3', '0.2', '0.4']);
  assert.deepEqual(await loss.locator('td.best').allTextContents(), ['0.2']);
  assert.deepEqual(await table.locator('tr[data-key="metrics.acc"] td.best').allTextContents(), ['0.9']);

  // Flip loss to "higher is better": the best moves to 0.4.
  await loss.getByTestId('flip-direction').click();
  await waitFor('the flipped best', async () => (await loss.locator('td.best').allTextContents()).join() === '0.4');
  await loss.getByTestId('flip-direction').click();
  await waitFor('the best back', async () => (await loss.locator('td.best').allTextContents()).join() === '0.2');

  // Differences only hides the param every run shares.
  assert.equal(await table.locator('tr[data-key="params.seed"]').count(), 1);
  await page.getByLabel('Differences only').check();
  await waitFor('seed hidden', async () => (await table.locator('tr[data-key="params.seed"]').count()) === 0);
  assert.equal(await table.locator('tr[data-key="params.lr"]').count(), 1, 'a differing param stays');
  assert.equal(await table.locator('tr[data-key="tags.team"]').count(), 1, 'a differing tag stays');
  await page.getByLabel('Differences only').uncheck();

  // Key search.
  await page.getByLabel('Search keys').fill('lay');
  await waitFor('only layers', async () => (await table.locator('tbody[data-section="params"] tr[data-key]').count()) === 1);
  assert.equal(await table.locator('tr[data-key="params.layers"]').count(), 1);
  assert.equal(await table.locator('tbody[data-section="metrics"] tr[data-key]').count(), 0);
  noErrors(errors);
  await page.close();
});

test('a run named <script> and hostile params and tags render as text on every tab', async () => {
  const { page, errors } = await open(ALL());
  const table = page.getByTestId('compare-table');
  await table.waitFor();
  assert.equal(await table.locator('thead th.run').nth(2).locator('a').textContent(), EVIL_NAME);
  assert.match(await table.locator('tr[data-key="params.optimizer"]').textContent(), /<img src=x onerror="window\.pwned=3">/);
  assert.match(await table.locator('tr[data-key="tags.team"]').textContent(), /<b>bold<\/b>/);
  assert.equal(await table.locator('script, img, b').count(), 0, 'no element made from a value');
  for (const [tab, ready] of [
    ['Parallel coordinates', 'parallel-coords'],
    ['Scatter', 'scatter'],
    ['Contour', 'contour'],
    ['Charts', 'overlay-charts'],
  ]) {
    await page.getByRole('tab', { name: tab }).click();
    await page.getByTestId(ready).waitFor();
    assert.equal(await page.locator('#compare-panel script').count(), 0);
  }
  // The scatter tooltip shows the name as text.
  await page.getByRole('tab', { name: 'Scatter' }).click();
  await page.locator(`[data-testid="scatter"] circle[data-run="${runs[EVIL_NAME].id}"]`).hover();
  assert.equal(await page.getByTestId('scatter-tip').locator('.tip-name').textContent(), EVIL_NAME);
  await notPwned(page);
  noErrors(errors);
  await page.close();
});

test('a run id that does not exist is listed as not found and the rest are compared', async () => {
  const { page, errors } = await open(['alpha', 'beta'], undefined, [MISSING_ID]);
  const banner = page.getByTestId('compare-missing');
  await banner.waitFor();
  assert.match(await banner.textContent(), new RegExp(`Not found:\\s*${MISSING_ID}`));
  assert.equal(await page.getByTestId('compare-table').locator('thead th.run').count(), 2);
  assert.match(await page.locator('h1').textContent(), /Comparing 2 runs/);
  // The one 404 is the request we provoked.
  noErrors(errors, [/status of 404/]);
  await page.close();
});

// ---- charts ---------------------------------------------------------------------------

test('overlay charts: one chart per metric, each drawn on a canvas with every run', async () => {
  const { page, errors } = await open(ALL(), 'charts');
  const charts = page.getByTestId('overlay-chart');
  await waitFor('two charts', async () => (await charts.count()) === 2);
  assert.deepEqual((await charts.evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')))).sort(), ['acc', 'loss']);
  for (const metric of ['acc', 'loss']) {
    const card = page.locator(`[data-testid="overlay-chart"][data-metric="${metric}"]`);
    await waitFor(`a canvas for ${metric}`, async () => (await card.locator('canvas').count()) > 0);
  }
  // The search narrows the charts.
  await page.getByLabel('Search metrics').fill('los');
  await waitFor('one chart', async () => (await charts.count()) === 1);
  assert.equal(await charts.first().getAttribute('data-metric'), 'loss');
  noErrors(errors);
  await page.close();
});

test('parallel coordinates: one path per run, hover highlights it and names it', async () => {
  const { page, errors } = await open(ALL(), 'parallel');
  const plot = page.getByTestId('parallel-coords');
  await plot.waitFor();
  const lines = plot.locator('path.pc-line');
  assert.equal(await lines.count(), 3);
  for (const name of ['alpha', 'beta', EVIL_NAME]) assert.equal(await plot.locator(`path.pc-line[data-run="${runs[name].id}"]`).count(), 1);
  // Axes: the params that differ, then the metric.
  const axes = () => plot.locator('g.axis').evaluateAll((els) => els.map((e) => e.getAttribute('data-axis')));
  assert.deepEqual(await axes(), ['param:layers', 'param:lr', 'param:optimizer', 'metric:acc']);
  // lr spans two decades: a log axis (its title switches it).
  assert.match(await plot.locator('g.axis[data-axis="param:lr"] .sub').textContent(), /log/);
  assert.match(await plot.locator('g.axis[data-axis="param:optimizer"] .sub').textContent(), /categories/);
  // Hover one run's line.
  const hit = plot.locator('path.pc-hit').nth(1);
  await hoverPath(page, hit);
  const tip = page.getByTestId('pc-tip');
  await tip.waitFor();
  assert.equal(await tip.locator('.tip-name').textContent(), 'beta');
  assert.equal(await plot.locator('path.pc-line.on').getAttribute('data-run'), runs.beta.id);
  // Choosing another metric moves the last axis.
  await page.getByTestId('pc-metric').selectOption('metric:loss');
  await waitFor('loss axis', async () => (await axes()).at(-1) === 'metric:loss');
  await plot.locator('g.axis[data-axis="param:lr"] .title').click();
  await waitFor('lr linear', async () => !/log/.test(await plot.locator('g.axis[data-axis="param:lr"] .sub').textContent()));
  noErrors(errors);
  await page.close();
});

test('scatter: one point per run in its colour, hover labels, log axes', async () => {
  const { page, errors } = await open(ALL(), 'scatter');
  const plot = page.getByTestId('scatter');
  await plot.waitFor();
  await page.getByTestId('scatter-x').selectOption('param:lr');
  await page.getByTestId('scatter-y').selectOption('metric:loss');
  const points = plot.locator('circle.pt');
  await waitFor('three points', async () => (await points.count()) === 3);
  const colours = await points.evaluateAll((els) => els.map((e) => e.getAttribute('fill')));
  assert.ok(colours.every((c) => /^#[0-9a-f]{6}$/i.test(c)), 'points in run colours');
  const alpha = plot.locator(`circle[data-run="${runs.alpha.id}"]`);
  await alpha.hover();
  const tip = page.getByTestId('scatter-tip');
  await tip.waitFor();
  assert.equal(await tip.locator('.tip-name').textContent(), 'alpha');
  assert.match(await tip.textContent(), /lr\s*0\.1/);
  assert.match(await tip.textContent(), /loss\s*0\.3/);
  await page.mouse.move(0, 0);
  // lr = 0.1, 0.01, 0.001 spans decades: log by default (evenly spaced); linear bunches two.
  const xs = async () => (await points.evaluateAll((els) => els.map((e) => Number(e.getAttribute('cx'))))).sort((a, b) => a - b);
  const even = ([a, b, c]) => Math.abs(b - a - (c - b)) < 1;
  assert.equal(await page.getByLabel('Log x').isChecked(), true);
  assert.ok(even(await xs()), 'log x spaces decades evenly');
  await page.getByLabel('Log x').uncheck();
  await waitFor('linear x', async () => !even(await xs()));
  await page.getByLabel('Log x').check();
  await waitFor('log x again', async () => even(await xs()));
  noErrors(errors);
  await page.close();
});

test('contour: interpolated map with the points and a colour scale for 3 runs; says why not for 2', async () => {
  const { page, errors } = await open(ALL(), 'contour');
  const plot = page.getByTestId('contour');
  await plot.waitFor();
  await page.getByTestId('contour-x').selectOption('param:lr');
  await page.getByTestId('contour-y').selectOption('param:layers');
  await page.getByTestId('contour-z').selectOption('metric:loss');
  assert.equal(await plot.locator('circle.pt').count(), 3);
  await plot.getByTestId('contour-legend').waitFor();
  const painted = await plot.getByTestId('contour-canvas').evaluate((c) => {
    const ctx = c.getContext('2d');
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    const colours = new Set();
    let opaque = 0;
    for (let i = 0; i < data.length; i += 4 * 97) {
      if (data[i + 3] > 0) opaque++;
      colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    }
    return { opaque, colours: colours.size, w: c.width };
  });
  assert.ok(painted.w > 100 && painted.opaque > 100, 'the canvas is painted');
  assert.ok(painted.colours > 10, 'with a range of colours');
  assert.ok((await plot.locator('.iso path').count()) > 0, 'isolines drawn');
  noErrors(errors);
  await page.close();

  const two = await open(['alpha', 'beta'], 'contour');
  const empty = two.page.getByTestId('contour-empty');
  await empty.waitFor();
  assert.match(await empty.textContent(), /at least 3 runs/);
  assert.equal(await two.page.getByTestId('contour-canvas').count(), 0);
  noErrors(two.errors);
  await two.page.close();
});

test('the tab is kept in the address and restored on reload', async () => {
  const { page, errors } = await open(ALL());
  await page.getByRole('tab', { name: 'Scatter' }).click();
  await waitFor('tab in the URL', () => page.url().includes('tab=scatter'));
  await page.reload();
  await page.getByTestId('scatter').waitFor();
  assert.equal(await page.getByRole('tab', { name: 'Scatter' }).getAttribute('aria-selected'), 'true');
  noErrors(errors);
  await page.close();
});

// ---- shared artifacts -------------------------------------------------------------------

async function openArtifact(page, path) {
  const list = page.getByTestId('shared-list');
  await list.locator(`button[data-path="${path}"]`).click();
  await waitFor(`${path} selected`, async () => (await list.locator(`button[data-path="${path}"]`).getAttribute('aria-selected')) === 'true');
}

test('shared artifacts: only paths two or more runs have are listed', async () => {
  const { page, errors } = await open(ALL(), 'artifacts');
  const list = page.getByTestId('shared-list');
  await waitFor('the scan', async () => /paths? shared/.test(await page.getByTestId('artifact-scan').textContent()));
  const paths = await list.locator('button[data-path]').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
  assert.deepEqual(paths, ['config.json', 'images/plot.png', 'notes.txt', 'params.yaml', 'same.json']);
  assert.match(await list.locator('button[data-path="notes.txt"]').textContent(), /3\/3 runs/);
  assert.match(await list.locator('button[data-path="config.json"]').textContent(), /2\/3 runs/);
  noErrors(errors);
  await page.close();
});

test('an image shared by two runs: side by side, swipe (range and drag) and overlay', async () => {
  const { page, errors } = await open(['alpha', 'beta'], 'artifacts');
  await openArtifact(page, 'images/plot.png');
  const imgs = page.getByTestId('side-image');
  await waitFor('two images', async () => (await imgs.count()) === 2);
  await waitFor('both decoded', async () => (await imgs.evaluateAll((els) => els.every((e) => e.complete && e.naturalWidth === 40))));
  assert.equal(await page.locator('#compare-panel svg image, #compare-panel object').count(), 0);
  for (const src of await imgs.evaluateAll((els) => els.map((e) => e.getAttribute('src')))) assert.match(src, /\/get-artifact\?/);

  // Swipe: the range moves the divider and the clip of A.
  const divider = page.getByTestId('swipe-divider');
  const layerA = page.getByTestId('layer-a');
  await layerA.waitFor();
  await page.getByTestId('swipe-range').fill('30');
  await waitFor('divider at 30%', async () => (await divider.getAttribute('style')).includes('left: 30%'));
  assert.match(await layerA.getAttribute('style'), /clip-path: inset\(0px 70% 0px 0px\)|clip-path: inset\(0 70% 0 0\)/);
  // Drag the divider to 80% of the stage.
  const stage = page.getByTestId('compare-stage');
  const box = await stage.boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  const at = async () => Number((await divider.getAttribute('style')).match(/left: ([\d.]+)%/)[1]);
  await waitFor('divider dragged', async () => Math.abs((await at()) - 80) < 1.5);
  assert.equal(Number(await page.getByTestId('swipe-range').inputValue()), await at(), 'the range follows the drag');
  // Keyboard on the divider.
  await divider.focus();
  await page.keyboard.press('Home');
  await waitFor('divider at 0', async () => (await at()) === 0);

  // Overlay: A's opacity follows the slider.
  await page.getByRole('tab', { name: 'Overlay' }).click();
  await page.getByTestId('overlay-range').fill('25');
  await waitFor('opacity 0.25', async () => (await layerA.getAttribute('style')).includes('opacity: 0.25'));
  assert.equal(await page.getByTestId('swipe-divider').count(), 0);
  // The pixel under the middle is a mix of red (A) and blue (B).
  noErrors(errors);
  await page.close();
});

test('a JSON config differing in one value shows exactly one changed line; reordered keys show none', async () => {
  const { page, errors } = await open(ALL(), 'artifacts');
  await openArtifact(page, 'config.json');
  const diff = page.getByTestId('text-diff');
  const unified = diff.getByTestId('diff-unified');
  await unified.waitFor();
  assert.equal(await unified.locator('tr.line.del').count(), 1);
  assert.equal(await unified.locator('tr.line.add').count(), 1);
  assert.match(await unified.locator('tr.line.del').textContent(), /"width": 64,?/);
  assert.match(await unified.locator('tr.line.add').textContent(), /"width": 128,?/);
  assert.match(await diff.getByTestId('diff-stats').textContent(), /\+1\s*−1/);
  // The value with a script in it is context text, nothing more.
  assert.match(await unified.textContent(), /"name": "<script>window\.pwned=4<\/script>"/);
  assert.equal(await diff.locator('script').count(), 0);

  // Side by side: one changed row.
  await diff.getByRole('tab', { name: 'Side by side' }).click();
  const split = diff.getByTestId('diff-split');
  await split.waitFor();
  assert.equal(await split.locator('tr.line.changed').count(), 1);
  assert.match(await split.locator('tr.line.changed td.code.del').textContent(), /64/);
  assert.match(await split.locator('tr.line.changed td.code.add').textContent(), /128/);

  // Same content, keys in another order and other spacing: no difference.
  await openArtifact(page, 'same.json');
  await page.getByTestId('diff-none').waitFor();
  assert.match(await page.getByTestId('diff-stats').textContent(), /No differences/);
  // Without normalizing, the files differ as written.
  await page.getByLabel(/Normalize JSON/).uncheck();
  await waitFor('raw differences', async () => /\+\d+/.test(await page.getByTestId('diff-stats').textContent()));
  await notPwned(page);
  noErrors(errors);
  await page.close();
});

test('a YAML diff compares sorted, re-dumped documents; a text diff compares lines', async () => {
  const { page, errors } = await open(ALL(), 'artifacts');
  await openArtifact(page, 'params.yaml');
  const unified = page.getByTestId('diff-unified');
  await unified.waitFor();
  assert.deepEqual(await unified.locator('tr.line.del td.code').allTextContents(), ['  lr: 0.001']);
  assert.deepEqual(await unified.locator('tr.line.add td.code').allTextContents(), ['  lr: 0.01']);
  // Flow and block lists, and key order, are no difference.
  assert.equal(await unified.locator('tr.line.del, tr.line.add').count(), 2);

  await openArtifact(page, 'notes.txt');
  await waitFor('the notes diff', async () => (await page.getByTestId('diff-unified').locator('tr.line.add td.code').allTextContents()).join() === 'line 2');
  assert.deepEqual(await page.getByTestId('diff-unified').locator('tr.line.del td.code').allTextContents(), ['line two']);
  // Choose the third run as B: two lines removed.
  await page.getByLabel('File B').selectOption(runs[EVIL_NAME].id);
  await waitFor('A vs the third run', async () => (await page.getByTestId('diff-unified').locator('tr.line.del').count()) === 2);
  assert.equal(await page.getByTestId('diff-unified').locator('tr.line.add').count(), 0);
  await notPwned(page);
  noErrors(errors);
  await page.close();
});
