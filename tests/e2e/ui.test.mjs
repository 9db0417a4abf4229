// The UI served by `runlens serve`, in Debian's Chromium through playwright-core.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, logRun, startServer, tempDir } from './lib.mjs';

let server;
let browser;
let context;

before(async () => {
  server = await startServer();
  context = await launchChromium();
  browser = context;
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function openPage() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return { page, errors };
}

test('a run page shows the params that were logged', async () => {
  const params = { lr: '0.001', optimizer: 'adam', 'note/x': '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">' };
  const { experimentId, runId } = await logRun(server.url, 'playwright params', '<b>run-one</b>', params);
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
  await page.getByTestId('run-name').waitFor();
  assert.equal(await page.getByTestId('run-name').textContent(), '<b>run-one</b>', 'a run name renders as text');
  const table = page.getByTestId('kv-params');
  for (const [key, value] of Object.entries(params)) {
    const row = table.locator('tr', { has: page.locator('th', { hasText: key }) });
    assert.equal((await row.locator('td').textContent())?.trim(), value, `param ${key}`);
  }
  assert.equal(await page.evaluate(() => window.pwned), undefined, 'a param value with <script> renders as text');
  assert.deepEqual(errors, []);
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/run-page.png` : undefined });
  await page.close();
});

test('an experiment page lists its runs, and MLflow 3 links open it too', async () => {
  const { experimentId } = await logRun(server.url, 'playwright table', 'table-run', { a: '1' });
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/experiments/${experimentId}/runs`);
  await page.getByTestId('runs-table').waitFor();
  assert.equal(await page.getByTestId('experiment-name').textContent(), 'playwright table');
  assert.match(await page.getByTestId('runs-table').textContent(), /table-run/);
  assert.match(await page.getByTestId('experiment-list').textContent(), /playwright table/);
  // The table's run link leads to the run page.
  await page.getByRole('link', { name: 'table-run' }).click();
  await page.getByTestId('run-name').waitFor();
  assert.match(page.url(), new RegExp(`#/experiments/${experimentId}/runs/[0-9a-f]{32}$`));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a filter error is shown inline, and unknown pages say so', async () => {
  const { experimentId } = await logRun(server.url, 'playwright filter', 'f-run', { a: '1' });
  const { page } = await openPage();
  await page.goto(`${server.url}/#/experiments/${experimentId}`);
  await page.getByTestId('runs-table').waitFor();
  await page.getByLabel('Filter runs').fill('params.a = 1');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /Expected a quoted string value/);
  await page.getByLabel('Filter runs').fill("params.a = '1'");
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('alert').waitFor({ state: 'detached' });
  // The error goes at once; the rows come with the answer.
  await page.locator('[data-run-id]').first().waitFor();
  assert.match(await page.getByTestId('runs-table').textContent(), /f-run/);
  await page.goto(`${server.url}/#/experiments/99999`);
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /Experiment not found/);
  await page.close();
});

test('a page whose code cannot be loaded says so, and the runs page does not need it', async () => {
  const { experimentId, runId } = await logRun(server.url, 'playwright lazy', 'lazy-run', { a: '1' });
  const { page } = await openPage();
  // Hashed assets are kept for good: the first visit fetches them, later ones do not ask.
  const first = await page.goto(`${server.url}/#/experiments/${experimentId}/runs`);
  assert.equal(first.headers()['cache-control'], 'no-cache', 'the page itself is always asked again');
  await page.getByTestId('runs-table').waitFor();
  const asset = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).find((n) => /\/assets\/index-.*\.js$/.test(n)));
  const resp = await page.request.get(asset);
  assert.equal(resp.headers()['cache-control'], 'public, max-age=31536000, immutable');
  // The run page's code is not in the first bundle: refused here, its page says it could not load.
  await page.route(/\/assets\/RunView-[^/]*\.js$/, (route) => route.abort());
  await page.getByRole('link', { name: 'lazy-run' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /This page could not be loaded/);
  assert.match(page.url(), new RegExp(`/runs/${runId}$`));
  await page.close();
});

test('a run logged while the page is open appears without a reload', async () => {
  const { experimentId } = await logRun(server.url, 'playwright live', 'first', { a: '1' });
  const { page } = await openPage();
  await page.goto(`${server.url}/#/experiments/${experimentId}`);
  await page.getByTestId('runs-table').waitFor();
  const { mlflow } = await import('./lib.mjs');
  await mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name: 'arrived-live', start_time: Date.now() });
  await page.getByRole('link', { name: 'arrived-live' }).waitFor({ timeout: 10000 });
  await page.close();
});

test('an mlruns folder imported from the Import page shows its runs', async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = join(tempDir('runlens-mlruns-'), 'mlruns');
  const exp = join(root, '424242');
  const run = join(exp, 'c0ffee00c0ffee00c0ffee00c0ffee00');
  for (const d of ['metrics', 'params', 'tags', 'artifacts']) mkdirSync(join(run, d), { recursive: true });
  writeFileSync(join(exp, 'meta.yaml'), "artifact_location: file:///old/place\nexperiment_id: '424242'\nlifecycle_stage: active\nname: imported from disk\ncreation_time: 1700000000000\nlast_update_time: 1700000000000\n");
  writeFileSync(join(run, 'meta.yaml'), "run_id: c0ffee00c0ffee00c0ffee00c0ffee00\nexperiment_id: '424242'\nrun_name: disk-run\nstatus: 3\nstart_time: 1700000000000\nend_time: 1700000060000\nlifecycle_stage: active\nuser_id: alice\nartifact_uri: file:///old/place/artifacts\n");
  writeFileSync(join(run, 'params', 'lr'), '0.5');
  writeFileSync(join(run, 'metrics', 'loss'), '1700000000000 0.9 0\n1700000001000 0.4 1\n');
  writeFileSync(join(run, 'artifacts', 'notes.txt'), 'hi');
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/import`);
  await page.getByLabel('Path to import').fill(root);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const summary = page.getByTestId('import-summary');
  await summary.waitFor();
  assert.match(await summary.textContent(), /1 experiments.*1 runs.*2 new metric points.*1 artifact files/s);
  await page.getByRole('button', { name: 'Watch this folder' }).click();
  await page.getByTestId('watched-folders').waitFor();
  assert.match(await page.getByTestId('watched-folders').textContent(), /mlruns/);
  // The sidebar lists the imported experiment at once; it leads to the runs.
  await page.getByTestId('experiment-list').getByRole('link', { name: 'imported from disk' }).click({ timeout: 2000 });
  await page.getByRole('link', { name: 'disk-run' }).waitFor();
  // The row's cells are read after its name: wait for the value rather than race it.
  await page.getByTestId('runs-table').getByText('0.4', { exact: true }).waitFor();
  assert.deepEqual(errors, []);
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/import.png` : undefined });
  await page.close();
});

// Regression: a webview started without a locale reports navigator.language "C"; uPlot's
// module-level Intl.NumberFormat threw a RangeError and the app never mounted (seen in the
// desktop window under Xvfb with LANG unset).
test('the app starts when the webview reports the locale "C"', async () => {
  const { page, errors } = await openPage();
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'language', { get: () => 'C', configurable: true });
    Object.defineProperty(Navigator.prototype, 'languages', { get: () => ['C'], configurable: true });
  });
  await page.goto(`${server.url}/#/`);
  await page.getByTestId('experiment-list').waitFor();
  assert.equal(await page.evaluate(() => navigator.language), 'en-US');
  assert.deepEqual(errors, []);
  await page.close();
});
