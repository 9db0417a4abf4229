// The run page (#/experiments/E/runs/R) served by `runlens serve`, in Chromium through
// playwright-core: overview facts, lineage, inputs and registered versions, the markdown
// description (sanitized, editable), rename, tags, delete/restore, charts, search.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, mlflow, startServer, waitFor } from './lib.mjs';

let server;
let context;

before(async () => {
  server = await startServer();
  context = await launchChromium({ viewport: { width: 1400, height: 1000 } });
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

/** GET on the REST API (runs/get and the registry searches answer GET only). */
async function mlflowGet(path, query) {
  const resp = await fetch(`${server.url}/api/2.0/mlflow/${path}?${new URLSearchParams(query)}`);
  const json = await resp.json();
  if (!resp.ok) throw new Error(`${path}: ${resp.status} ${JSON.stringify(json)}`);
  return json;
}

async function getRun(runId) {
  return (await mlflowGet('runs/get', { run_id: runId })).run;
}

function tagOf(run, key) {
  return run.data.tags?.find((t) => t.key === key)?.value;
}

let seq = 0;

/** An experiment with a run that has a bit of everything; returns ids and names. */
async function richRun({ description } = {}) {
  const n = ++seq;
  const { experiment_id: experimentId } = await mlflow(server.url, 'experiments/create', { name: `run page ${n}` });
  const start = Date.now() - 60_000;
  const create = (run_name, tags) => mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name, start_time: start, tags });
  const parent = (await create(`parent-${n}`, [])).run.info.run_id;
  const tags = [
    { key: 'mlflow.parentRunId', value: parent },
    { key: 'mlflow.source.name', value: '/home/me/project/train.py' },
    { key: 'mlflow.source.type', value: 'LOCAL' },
    { key: 'mlflow.source.git.commit', value: '0123456789abcdef0123456789abcdef01234567' },
    { key: 'mlflow.source.git.branch', value: 'feature/charts' },
    { key: 'mlflow.source.git.repoURL', value: 'git@github.com:acme/models.git' },
    { key: 'team', value: 'vision' },
  ];
  if (description !== undefined) tags.push({ key: 'mlflow.note.content', value: description });
  const runId = (await create(`main-${n}`, tags)).run.info.run_id;
  const child = (await create(`child-${n}`, [{ key: 'mlflow.parentRunId', value: runId }])).run.info.run_id;
  const params = Array.from({ length: 12 }, (_, i) => ({ key: `param_${String(i).padStart(2, '0')}`, value: `value ${i}` }));
  params.push({ key: 'learning_rate', value: '0.001' });
  const metrics = [];
  for (let step = 0; step < 20; step++) {
    metrics.push({ key: 'loss', value: 2 / (step + 1), timestamp: start + step * 1000, step });
    metrics.push({ key: 'accuracy', value: step / 20, timestamp: start + step * 1000, step });
  }
  metrics.push({ key: 'val/f1', value: 0.5, timestamp: start, step: 0 });
  metrics.push({ key: 'val/f1', value: 'NaN', timestamp: start + 1000, step: 1 });
  metrics.push({ key: 'val/f1', value: 0.7, timestamp: start + 2000, step: 2 });
  metrics.push({ key: 'test/score', value: 0.93, timestamp: start + 20_000, step: 19 });
  await mlflow(server.url, 'runs/log-batch', { run_id: runId, params, metrics });
  await mlflow(server.url, 'runs/log-inputs', {
    run_id: runId,
    datasets: [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'imagenet-mini', digest: 'd1g35t42', source_type: 'local', source: '{"uri": "/data/imagenet-mini"}', schema: '', profile: '{"num_rows": 1000}' },
      },
    ],
  });
  const modelName = `Classifier ${n}`;
  await mlflow(server.url, 'registered-models/create', { name: modelName });
  await mlflow(server.url, 'model-versions/create', { name: modelName, source: `runs:/${runId}/model`, run_id: runId });
  await mlflow(server.url, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: start + 42_000 });
  return { experimentId, runId, parent, child, n, modelName };
}

async function openRun(page, experimentId, runId, suffix = '') {
  await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}${suffix}`);
  try {
    await page.getByTestId('run-name').waitFor({ timeout: 15000 });
  } catch (e) {
    const body = await page.locator('body').innerText().catch(() => '?');
    throw new Error(`the run page did not open: ${e.message}\n--- page text:\n${body.slice(0, 800)}`);
  }
}

test('the overview shows source, git, lineage, datasets and registered versions', async () => {
  const { experimentId, runId, parent, child, n, modelName } = await richRun();
  const { page, errors } = await openPage();
  await openRun(page, experimentId, runId);
  assert.equal(await page.getByTestId('run-name').textContent(), `main-${n}`);

  const details = page.getByTestId('run-details');
  assert.match(await page.getByTestId('run-source').textContent(), /train\.py.*local/s);
  assert.equal((await page.getByTestId('run-commit').textContent()).trim(), '0123456789');
  assert.equal(
    await page.getByTestId('run-commit').locator('a').getAttribute('href'),
    'https://github.com/acme/models/commit/0123456789abcdef0123456789abcdef01234567',
  );
  assert.equal((await page.getByTestId('run-branch').textContent()).trim(), 'feature/charts');
  assert.match(await page.getByTestId('run-repo').textContent(), /git@github\.com:acme\/models\.git/);
  assert.match(await details.textContent(), /42\.0 s/, 'the duration of a finished run');

  // Parent (by name) and child links, after the related searches.
  const parentLink = page.getByTestId('parent-run').getByRole('link');
  await waitFor('the parent name', async () => (await parentLink.textContent()) === `parent-${n}`, 10000);
  assert.equal(await parentLink.getAttribute('href'), `#/experiments/${experimentId}/runs/${parent}`);
  const childLink = page.getByTestId('child-runs').getByRole('link', { name: `child-${n}` });
  await childLink.waitFor();
  assert.equal(await childLink.getAttribute('href'), `#/experiments/${experimentId}/runs/${child}`);

  const datasets = page.getByTestId('datasets');
  await datasets.waitFor();
  const text = await datasets.textContent();
  for (const part of ['imagenet-mini', 'd1g35t42', 'training', '/data/imagenet-mini', '1000 rows']) assert.ok(text.includes(part), `dataset shows ${part}: ${text}`);

  const version = page.getByTestId('model-versions').getByRole('link', { name: new RegExp(modelName) });
  await version.waitFor();
  assert.equal(await version.getAttribute('href'), `#/models/${encodeURIComponent(modelName)}/versions/1`);

  // The metrics table has the latest value, the step and the history's range.
  const loss = page.getByTestId('kv-metrics').locator('tr', { has: page.locator('th', { hasText: 'loss' }) });
  await waitFor('the loss range', async () => /0\.1\s*19\s*0\.1\s*2/.test(await loss.textContent()), 10000);

  // Following the child link opens the child, whose parent is this run.
  await childLink.click();
  await waitFor('the child page', async () => (await page.getByTestId('run-name').textContent()) === `child-${n}`);
  await waitFor('the child names its parent', async () => (await page.getByTestId('parent-run').textContent()).includes(`main-${n}`), 10000);
  assert.deepEqual(errors, []);
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/run-overview.png` : undefined });
  await page.close();
});

test('the description is markdown, sanitized, and editable in place', async () => {
  const hostile = '# Notes\n\nSome **bold** text.\n\n<script>window.pwned=1</script><img src=x onerror="window.pwned=2">';
  const { experimentId, runId } = await richRun({ description: hostile });
  const { page, errors } = await openPage();
  await openRun(page, experimentId, runId);
  const body = page.getByTestId('description-body');
  await body.waitFor();
  assert.equal(await body.locator('h1').textContent(), 'Notes');
  assert.equal(await body.locator('strong').textContent(), 'bold');
  assert.equal(await body.locator('script').count(), 0);
  assert.equal(await body.locator('img').getAttribute('onerror'), null);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.pwned), undefined, 'a scripted description runs nothing');

  // Edit: Esc cancels, Ctrl+Enter saves.
  const description = page.getByTestId('description');
  await description.getByRole('button', { name: 'Edit' }).click();
  const area = page.getByLabel('Description (markdown)');
  await area.fill('discarded');
  await area.press('Escape');
  await area.waitFor({ state: 'detached' });
  assert.equal(await body.locator('h1').textContent(), 'Notes');
  await description.getByRole('button', { name: 'Edit' }).click();
  await area.fill('Tuned the *learning rate*.\n\n- one\n- two');
  await area.press('Control+Enter');
  await body.locator('em').waitFor();
  assert.equal(await body.locator('em').textContent(), 'learning rate');
  assert.equal(await body.locator('li').count(), 2);
  assert.equal(tagOf(await getRun(runId), 'mlflow.note.content'), 'Tuned the *learning rate*.\n\n- one\n- two');
  // Chromium reports the blocked handler when DOMPurify parses the text (in an inert
  // document, under the page's CSP); nothing else may be logged.
  assert.deepEqual(errors.filter((e) => !/Executing inline event handler violates the following Content Security Policy/.test(e)), []);
  await page.close();
});

test('a run without a description can get one', async () => {
  const { experimentId, runId } = await richRun();
  const { page, errors } = await openPage();
  await openRun(page, experimentId, runId);
  await page.getByRole('button', { name: 'Add a description…' }).click();
  await page.getByLabel('Description (markdown)').fill('First **note**');
  await page.getByTestId('description').getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('description-body').locator('strong').waitFor();
  assert.equal(tagOf(await getRun(runId), 'mlflow.note.content'), 'First **note**');
  assert.deepEqual(errors, []);
  await page.close();
});

test('rename, add and delete a tag', async () => {
  const { experimentId, runId, n } = await richRun();
  const { page, errors } = await openPage();
  await openRun(page, experimentId, runId);

  // Rename: Esc cancels, Enter saves.
  await page.getByRole('button', { name: 'Rename' }).click();
  const input = page.getByTestId('run-name-input');
  await input.fill('nope');
  await input.press('Escape');
  assert.equal(await page.getByTestId('run-name').textContent(), `main-${n}`);
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByTestId('run-name-input').fill('<i>renamed</i>');
  await page.getByTestId('run-name-input').press('Enter');
  await waitFor('the new name', async () => (await page.getByTestId('run-name').textContent()) === '<i>renamed</i>');
  assert.equal((await getRun(runId)).info.run_name, '<i>renamed</i>');

  // Add a tag, change it, delete it.
  const tags = page.getByTestId('kv-tags');
  await tags.getByRole('button', { name: 'Add tag' }).click();
  await page.getByLabel('Tag key').fill('stage');
  await page.getByLabel('Tag value').fill('<script>window.pwned=3</script>');
  await tags.getByRole('button', { name: 'Add', exact: true }).click();
  const row = tags.locator('tr', { has: page.locator('th', { hasText: 'stage' }) });
  await row.waitFor();
  assert.equal(await row.locator('td').first().textContent(), '<script>window.pwned=3</script>');
  assert.equal(tagOf(await getRun(runId), 'stage'), '<script>window.pwned=3</script>');

  await row.hover();
  await tags.getByRole('button', { name: 'Edit tag stage' }).click();
  await page.getByLabel('Value of stage').fill('prod');
  await page.getByLabel('Value of stage').press('Enter');
  await waitFor('the edited tag', async () => (await row.locator('td').first().textContent()) === 'prod');
  assert.equal(tagOf(await getRun(runId), 'stage'), 'prod');

  await row.hover();
  await tags.getByRole('button', { name: 'Delete tag stage' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal(tagOf(await getRun(runId), 'stage'), undefined);
  assert.equal(tagOf(await getRun(runId), 'team'), 'vision', 'other tags stay');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test('delete asks first, shows a banner, and restore brings the run back', async () => {
  const { experimentId, runId } = await richRun();
  const { page, errors } = await openPage();
  await openRun(page, experimentId, runId);
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await getRun(runId)).info.lifecycle_stage, 'active', 'cancel deletes nothing');

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await dialog.getByRole('button', { name: 'Delete run' }).click();
  const banner = page.getByTestId('deleted-banner');
  await banner.waitFor();
  assert.match(await banner.textContent(), /This run is deleted/);
  assert.equal((await getRun(runId)).info.lifecycle_stage, 'deleted');
  // A deleted run cannot be edited from the page.
  assert.equal(await page.getByTestId('kv-tags').getByRole('button', { name: 'Add tag' }).count(), 0);

  await banner.getByRole('button', { name: 'Restore' }).click();
  await banner.waitFor({ state: 'detached' });
  assert.equal((await getRun(runId)).info.lifecycle_stage, 'active');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the metrics tab draws a chart per metric; tabs are addressable', async () => {
  const { experimentId, runId } = await richRun();
  const { page, errors } = await openPage();
  await openRun(page, experimentId, runId);
  // The overview previews a few charts.
  await page.locator('[data-testid="metric-card"] canvas').first().waitFor();

  await page.getByRole('tab', { name: /Metrics/ }).click();
  await waitFor('the metrics tab url', async () => page.url().endsWith('?tab=metrics'));
  const grid = page.getByTestId('metric-grid');
  await grid.waitFor();
  // Three curves (test/score, logged once, is a value once its history is read).
  await waitFor('a canvas per metric', async () => (await grid.locator('[data-testid="metric-card"] canvas').count()) === 3, 10000);
  assert.equal(await grid.getByTestId('metric-card').count(), 3);
  for (const key of ['accuracy', 'loss', 'val/f1']) {
    const card = grid.locator(`[data-metric="${key}"]`);
    const box = await card.locator('canvas').boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, `${key} chart has a size: ${JSON.stringify(box)}`);
  }
  // A metric logged once is a value, not a chart.
  const values = page.getByTestId('metric-values');
  assert.match(await values.locator('[data-metric="test/score"]').textContent(), /0\.93.*step 19/s);
  assert.equal(await values.locator('canvas').count(), 0);
  // A tooltip follows the cursor.
  const canvas = grid.locator('[data-metric="loss"] .u-over');
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await grid.locator('[data-metric="loss"]').getByRole('tooltip').waitFor();

  // The filter narrows the cards; the log scale and the x axis redraw them.
  await page.getByLabel('Filter metrics').fill('val/');
  await waitFor('one card', async () => (await grid.getByTestId('metric-card').count()) === 1);
  assert.equal(await values.count(), 0);
  await page.getByLabel('Filter metrics').fill('');
  await page.getByLabel('Log scale').check();
  await page.getByRole('radio', { name: 'Time since start' }).click();
  await waitFor('three canvases', async () => (await grid.locator('canvas').count()) === 3);

  // Reloading keeps the tab; the Artifacts tab has its own URL.
  await page.reload();
  await page.getByTestId('metric-grid').waitFor();
  await page.getByRole('tab', { name: 'Artifacts' }).click();
  await waitFor('the artifacts url', async () => page.url().endsWith(`/runs/${runId}/artifacts`));
  assert.equal(await page.getByRole('tab', { name: 'Artifacts' }).getAttribute('aria-selected'), 'true');
  await page.getByRole('tab', { name: 'Overview' }).click();
  await waitFor('the run url', async () => page.url().endsWith(`/runs/${runId}`));
  await page.getByTestId('kv-params').waitFor();
  await page.evaluate(() => localStorage.removeItem('runlens.runCharts'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('an artifacts URL opens the Artifacts tab', async () => {
  const { experimentId, runId } = await richRun();
  const { page, errors } = await openPage();
  await openRun(page, experimentId, runId, '/artifacts');
  assert.equal(await page.getByRole('tab', { name: 'Artifacts' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.getByTestId('kv-params').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('params search filters rows; system tags fold away', async () => {
  const { experimentId, runId } = await richRun();
  const { page, errors } = await openPage();
  await openRun(page, experimentId, runId);
  const params = page.getByTestId('kv-params');
  assert.equal(await params.locator('tbody tr').count(), 13);
  await page.getByLabel('Search params').fill('learning');
  await waitFor('one param row', async () => (await params.locator('tbody tr').count()) === 1);
  assert.equal(await params.locator('th').textContent(), 'learning_rate');
  await page.getByLabel('Search params').fill('value 1');
  await waitFor('value rows', async () => (await params.locator('tbody tr').count()) === 3); // 1, 10, 11
  await page.getByLabel('Search params').press('Escape');
  await waitFor('all rows', async () => (await params.locator('tbody tr').count()) === 13);

  const system = page.getByTestId('kv-system-tags');
  assert.equal(await system.locator('table').count(), 0, 'closed at first');
  await system.getByRole('button', { name: /System tags/ }).click();
  assert.match(await system.textContent(), /mlflow\.source\.git\.branch/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a running run refreshes live; a missing run says so', async () => {
  const { experimentId } = await richRun();
  const { run } = await mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name: 'live-run', start_time: Date.now() });
  const runId = run.info.run_id;
  await mlflow(server.url, 'runs/log-metric', { run_id: runId, key: 'loss', value: 1, timestamp: Date.now(), step: 0 });
  const { page, errors } = await openPage();
  await openRun(page, experimentId, runId);
  assert.match(await page.getByTestId('run-details').textContent(), /Running/);
  // An edit in progress survives the refreshes.
  await page.getByRole('button', { name: 'Add a description…' }).click();
  await page.getByLabel('Description (markdown)').fill('typing while it runs');
  await mlflow(server.url, 'runs/log-metric', { run_id: runId, key: 'loss', value: 0.25, timestamp: Date.now(), step: 1 });
  await mlflow(server.url, 'runs/log-parameter', { run_id: runId, key: 'late_param', value: 'arrived' });
  const params = page.getByTestId('kv-params');
  await params.locator('th', { hasText: 'late_param' }).waitFor({ timeout: 10000 });
  const loss = page.getByTestId('kv-metrics').locator('tr', { has: page.locator('th', { hasText: 'loss' }) });
  await waitFor('the new loss', async () => /0\.25\s*1\s*0\.25\s*1/.test(await loss.textContent()), 10000);
  assert.equal(await page.getByLabel('Description (markdown)').inputValue(), 'typing while it runs');
  await mlflow(server.url, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  await waitFor('finished', async () => /Finished/.test(await page.getByTestId('run-details').textContent()), 10000);
  await page.getByLabel('Description (markdown)').press('Escape');

  await page.goto(`${server.url}/#/experiments/${experimentId}/runs/0000000000000000000000000000dead`);
  const alert = page.getByTestId('run-error');
  await alert.waitFor();
  assert.match(await alert.textContent(), /Run not found/);
  // The failed request's console line is the browser's, not the page's.
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
});
