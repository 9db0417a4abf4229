// The run table: virtualized rows, server-side sort and filter, completion, nesting, groups,
// pinned and hidden runs, selection to compare, deleted runs, CSV export, keyboard, remembered
// columns and live refresh. Facts are checked against the REST API where they change data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launchChromium, mlflow, startServer, waitFor } from './lib.mjs';

let server;
let context;
let exp;
const runs = []; // { id, name, lr, model, loss, parent }

before(async () => {
  server = await startServer();
  context = await launchChromium({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
  // 300 runs: every tenth a parent of the nine after it.
  exp = (await mlflow(server.url, 'experiments/create', { name: 'explorer sweep' })).experiment_id;
  const models = ['tree', 'mlp', 'svm'];
  let parent = null;
  for (let i = 0; i < 300; i++) {
    const name = `run-${String(i).padStart(3, '0')}`;
    const tags = i % 10 !== 0 && parent ? [{ key: 'mlflow.parentRunId', value: parent }] : [];
    const { run } = await mlflow(server.url, 'runs/create', { experiment_id: exp, run_name: name, start_time: 1_700_000_000_000 + i * 1000, tags });
    const id = run.info.run_id;
    if (i % 10 === 0) parent = id;
    const r = { id, name, lr: String([0.1, 0.01, 0.001][i % 3]), model: models[Math.floor(i / 3) % 3], loss: ((i * 37) % 300) / 100, parent: i % 10 ? parent : null };
    runs.push(r);
    await mlflow(server.url, 'runs/log-batch', {
      run_id: id,
      params: [{ key: 'lr', value: r.lr }, { key: 'model', value: r.model }],
      metrics: [{ key: 'loss', value: r.loss, timestamp: 1, step: 0 }, { key: 'acc', value: 1 - r.loss / 3, timestamp: 1, step: 0 }],
    });
    await mlflow(server.url, 'runs/update', { run_id: id, status: i % 7 === 0 ? 'FAILED' : 'FINISHED', end_time: 1_700_000_000_000 + i * 1000 + 5000 });
  }
});

after(async () => {
  await context?.close();
  server?.stop();
});

async function openTable(path = `#/experiments/${exp}`) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/status of 400/.test(m.text()) && errors.push(m.text()));
  await page.goto(`${server.url}/${path}`);
  await page.locator('[data-run-id]').first().waitFor();
  return { page, errors };
}

/** Run names of the rows rendered, top to bottom. */
async function names(page) {
  return page.locator('[data-run-id] .name a').allTextContents();
}

/** A run's lifecycle stage, read through the REST API. */
async function stage(runId) {
  const resp = await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${runId}`);
  return (await resp.json()).run.info.lifecycle_stage;
}

async function resetView(page) {
  await page.evaluate(() => localStorage.clear());
}

test('300 runs: nested by default, only rows in view are in the DOM, newest first', async () => {
  const { page, errors } = await openTable();
  await resetView(page);
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  assert.match(await page.getByTestId('run-count').textContent(), /300\s+runs/);
  // 30 parents at the top level, newest first.
  const shown = await names(page);
  assert.equal(shown[0], 'run-290');
  assert.equal(shown[1], 'run-280');
  // Expanding a parent shows its nine children under it.
  await page.getByRole('button', { name: 'Expand child runs of run-290' }).click();
  await waitFor('children', async () => (await names(page))[1] === 'run-299');
  // Flat: every run; the DOM holds only the rows in view.
  await page.getByLabel('Nested').uncheck();
  await waitFor('flat list', async () => (await names(page))[0] === 'run-299');
  const rendered = await page.locator('[data-run-id]').count();
  assert.ok(rendered < 80, `only rows in view are rendered (${rendered})`);
  // Scrolling to the bottom loads the last rows.
  await page.getByTestId('runs-table').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await waitFor('last row', async () => (await names(page)).includes('run-000'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('sorting by a metric column is done by the store, both ways', async () => {
  const { page, errors } = await openTable();
  await resetView(page);
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  await page.getByLabel('Nested').uncheck();
  const header = page.locator('[data-column="metrics.loss"] .label-btn');
  await header.click();
  const byLoss = [...runs].sort((a, b) => b.loss - a.loss || b.name.localeCompare(a.name));
  await waitFor('descending', async () => (await names(page))[0] === byLoss[0].name);
  await header.click();
  const asc = [...runs].sort((a, b) => a.loss - b.loss || b.name.localeCompare(a.name));
  await waitFor('ascending', async () => (await names(page))[0] === asc[0].name);
  assert.equal(await page.locator('[data-column="metrics.loss"]').getAttribute('aria-sort'), 'ascending');
  // The sort is remembered for this experiment.
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  await waitFor('remembered sort', async () => (await names(page))[0] === asc[0].name);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the filter box completes keys, filters with OR, and shows errors inline', async () => {
  const { page } = await openTable();
  await resetView(page);
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  await page.getByLabel('Nested').uncheck();
  const box = page.getByLabel('Filter runs');
  await box.click();
  await page.keyboard.press('/'); // typing a slash in the box is just a character
  await box.fill('');
  await box.pressSequentially('mod');
  await page.getByRole('listbox', { name: 'Filter completions' }).getByText('params.model').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await box.inputValue(), 'params.model');
  await box.pressSequentially(" = 'svm' or metrics.loss < 0.05");
  await page.keyboard.press('Enter');
  const expected = runs.filter((r) => r.model === 'svm' || r.loss < 0.05).length;
  await waitFor('filtered count', async () => new RegExp(`^${expected}\\s+runs match`).test((await page.getByTestId('run-count').textContent()).trim()));
  // A bad filter: the message inline, the box marked.
  await box.fill('params.model = svm');
  await page.keyboard.press('Enter');
  await page.locator('.filter-error[role="alert"]').waitFor();
  assert.match(await page.locator('.filter-error').textContent(), /quoted string/);
  assert.equal(await box.getAttribute('aria-invalid'), 'true');
  await page.locator('.filter-box').getByRole('button', { name: 'Clear the filter' }).click();
  await page.locator('.filter-error').waitFor({ state: 'detached' });
  await page.close();
});

test('group by a param shows counts and means; pin and hide runs', async () => {
  const { page, errors } = await openTable();
  await resetView(page);
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  await page.getByLabel('Group by').selectOption('params.model');
  await page.getByTestId('group-row').first().waitFor();
  const groups = await page.getByTestId('group-row').allTextContents();
  assert.equal(groups.length, 3);
  for (const m of ['mlp', 'svm', 'tree']) {
    const count = runs.filter((r) => r.model === m).length;
    assert.ok(groups.some((g) => g.includes(m) && g.includes(`${count} runs`)), `${m}: ${groups}`);
  }
  // The loss column shows the group's mean.
  const tree = runs.filter((r) => r.model === 'tree');
  const mean = tree.reduce((s, r) => s + r.loss, 0) / tree.length;
  const treeRow = page.getByTestId('group-row').filter({ hasText: 'tree' });
  assert.match(await treeRow.textContent(), new RegExp(`x̄ ${mean.toPrecision(6).replace(/0+$/, '').replace('.', '\\.').slice(0, 5)}`));
  await treeRow.getByRole('button', { name: 'Expand group' }).click();
  await waitFor('group runs', async () => (await page.locator('[data-run-id]').count()) > 0);
  await page.getByLabel('Group by').selectOption('');
  await page.getByLabel('Nested').uncheck();
  await waitFor('flat', async () => (await names(page))[0] === 'run-299');
  // Pin run-005 to the top; hide run-299.
  const row5 = page.locator(`[data-run-id="${runs[5].id}"]`);
  await page.getByTestId('runs-table').evaluate((el, y) => (el.scrollTop = y), 290 * 34 - 400);
  await row5.waitFor();
  await row5.hover();
  await row5.getByRole('button', { name: 'Pin run' }).click();
  await page.getByTestId('runs-table').evaluate((el) => (el.scrollTop = 0));
  await waitFor('pinned first', async () => (await names(page))[0] === 'run-005');
  const top = page.locator(`[data-run-id="${runs[299].id}"]`);
  await top.hover();
  await top.getByRole('button', { name: 'Hide run' }).click();
  await waitFor('hidden', async () => !(await names(page)).includes('run-299'));
  assert.match(await page.locator('.status-line').textContent(), /1 hidden/);
  await page.getByRole('button', { name: 'Unhide all' }).click();
  await waitFor('unhidden', async () => (await names(page)).includes('run-299'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('select runs, compare them, delete one and restore it from Deleted', async () => {
  const { page, errors } = await openTable();
  await resetView(page);
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  await page.getByLabel('Nested').uncheck();
  await waitFor('flat', async () => (await names(page))[0] === 'run-299');
  await page.getByLabel('Select run-299').check();
  await page.getByLabel('Select run-298').check();
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByTestId('compare-table').waitFor();
  const url = decodeURIComponent(page.url());
  assert.ok(url.includes(runs[299].id) && url.includes(runs[298].id), url);
  assert.match(await page.getByTestId('compare-table').textContent(), /run-299[\s\S]*run-298/);
  await page.goBack();
  await page.locator('[data-run-id]').first().waitFor();
  // Delete run-297 (confirm), then restore it from the Deleted view.
  page.once('dialog', (d) => d.accept());
  await page.getByLabel('Select run-297').check();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await waitFor('deleted', async () => (await stage(runs[297].id)) === 'deleted');
  await page.getByRole('button', { name: 'Deleted', exact: true }).click();
  await waitFor('deleted list', async () => JSON.stringify(await names(page)) === '["run-297"]');
  await page.getByLabel('Select run-297').check();
  await page.getByRole('button', { name: 'Restore' }).click();
  await waitFor('restored', async () => (await stage(runs[297].id)) === 'active');
  assert.deepEqual(errors, []);
  await page.close();
});

test('CSV export holds exactly the filtered, sorted view', async () => {
  const { page, errors } = await openTable();
  await resetView(page);
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  await page.getByLabel('Nested').uncheck();
  await page.getByLabel('Filter runs').fill("params.lr = '0.1'");
  await page.keyboard.press('Enter');
  await page.locator('[data-column="metrics.loss"] .label-btn').click();
  const expected = runs.filter((r) => r.lr === '0.1').sort((a, b) => b.loss - a.loss || b.name.localeCompare(a.name));
  await waitFor('sorted', async () => (await names(page))[0] === expected[0].name);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const lines = readFileSync(await download.path(), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  assert.deepEqual(header.slice(0, 2), ['run_id', 'attributes.run_name']);
  assert.equal(lines.length - 1, expected.length);
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[1]), expected.map((r) => r.name));
  assert.ok(header.includes('metrics.loss') && header.includes('params.model'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('columns: the chooser adds min/max columns, they are remembered; keyboard opens a run', async () => {
  const { page, errors } = await openTable();
  await resetView(page);
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  await page.getByRole('button', { name: 'Columns' }).click();
  const chooser = page.getByRole('dialog', { name: 'Columns' });
  await chooser.locator('.metric', { hasText: 'loss' }).getByLabel('max').check();
  await page.keyboard.press('Escape');
  await page.locator('[data-column="metrics.loss@max"]').waitFor();
  await page.reload();
  await page.locator('[data-column="metrics.loss@max"]').waitFor();
  // Keyboard: j moves down, Enter opens the focused run.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await page.getByTestId('run-name').waitFor();
  assert.equal(await page.getByTestId('run-name').textContent(), 'run-280');
  // `/` focuses the filter.
  await page.goBack();
  await page.locator('[data-run-id]').first().waitFor();
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Filter runs');
  assert.deepEqual(errors, []);
  await page.close();
});

test('regression: rows kept while a column is removed show each cell under its own column (a text cell under a metric column threw and emptied the table)', async () => {
  const { page, errors } = await openTable();
  await resetView(page);
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  const shown = (await page.locator('.head [data-column]').evaluateAll((els) => els.map((e) => e.getAttribute('data-column')))).filter((c) => !c.startsWith('attributes.'));
  assert.ok(shown.length >= 3, `default columns: ${shown}`);
  // Remove the first data column: every later one moves left by one.
  const [removed, ...rest] = shown;
  const expected = (run) => ({ 'params.lr': run.lr, 'params.model': run.model, 'metrics.loss': String(run.loss), 'metrics.acc': String(Number((1 - run.loss / 3).toPrecision(6))) });
  let release;
  const held = new Promise((r) => (release = r));
  await page.route('**/-/call/runlens/runs/table', async (route) => {
    await held;
    // A request the page gave up on (a newer one replaced it) is already answered.
    await route.continue().catch(() => {});
  });
  await page.getByRole('button', { name: 'Columns' }).click();
  const chooser = page.getByRole('dialog', { name: 'Columns' });
  const [entity, key] = removed.split(/\.(.*)/);
  if (entity === 'metrics') await chooser.locator('.metric', { hasText: key }).getByLabel('latest').uncheck();
  else await chooser.getByLabel(key, { exact: true }).uncheck();
  await page.keyboard.press('Escape');
  await waitFor('the column gone', async () => (await page.locator(`.head [data-column="${removed}"]`).count()) === 0);
  const check = async (when) => {
    const row = page.locator('[data-run-id]').first();
    const id = await row.getAttribute('data-run-id');
    const run = runs.find((r) => r.id === id);
    for (const c of rest) {
      const cell = row.locator(`[data-cell="${c}"]`);
      if ((await cell.count()) === 0 || !(c in expected(run))) continue;
      assert.equal((await cell.textContent()).trim(), expected(run)[c], `${when}: ${c} of ${run.name}`);
    }
  };
  // The rows on screen still hold the cells of the old columns while the new page is asked.
  await check('before the new page');
  release();
  await page.waitForTimeout(300);
  await check('after it');
  assert.ok((await page.locator('[data-run-id]').count()) > 10);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a run logged while the table is open appears without a reload; several experiments together', async () => {
  const { page, errors } = await openTable();
  await resetView(page);
  await page.reload();
  await page.locator('[data-run-id]').first().waitFor();
  const { run } = await mlflow(server.url, 'runs/create', { experiment_id: exp, run_name: 'live-run', start_time: 1_800_000_000_000 });
  await waitFor('live run', async () => (await names(page))[0] === 'live-run', 10000);
  assert.match(await page.getByTestId('run-count').textContent(), /301\s+runs/);
  await mlflow(server.url, 'runs/delete', { run_id: run.info.run_id });
  // Two experiments' runs in one table.
  const other = (await mlflow(server.url, 'experiments/create', { name: 'explorer other' })).experiment_id;
  await mlflow(server.url, 'runs/create', { experiment_id: other, run_name: 'other-run', start_time: 1_900_000_000_000 });
  await page.goto(`${server.url}/#/compare-experiments/s?experiments=${encodeURIComponent(JSON.stringify([exp, other]))}`);
  await waitFor('both', async () => (await names(page))[0] === 'other-run');
  assert.match(await page.getByTestId('run-count').textContent(), /301\s+runs/);
  assert.deepEqual(errors, []);
  await page.close();
});
