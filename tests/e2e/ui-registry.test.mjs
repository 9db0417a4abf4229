// The model registry pages served by `runlens serve`, in Chromium through playwright-core:
// the models list (#/models: create, search, rename, delete), registering a run's logged
// model from the run page, and a version's page (#/models/NAME/versions/V: MLmodel summary,
// files, run, history, comparison with another version, description, tags, delete).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, mlflow, startServer, waitFor } from './lib.mjs';

let server;
let context;

before(async () => {
  server = await startServer();
  context = await launchChromium({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
});

after(async () => {
  await context?.close();
  server?.stop();
});

const MLMODEL = `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.4.0
mlflow_version: 2.12.1
model_size_bytes: 1234
model_uuid: 5b9d0c3e2f7a4f1c8d6e0a1b2c3d4e5f
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type": "double", "name": "petal width (cm)", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
utc_time_created: '2024-05-01 10:20:30.123456'
`;

async function openPage() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} (${m.location()?.url ?? ''})`));
  return { page, errors };
}

/** GET on the REST API (the registry's reads answer GET). */
async function mlflowGet(path, query) {
  const resp = await fetch(`${server.url}/api/2.0/mlflow/${path}?${new URLSearchParams(query)}`);
  const json = await resp.json();
  return { status: resp.status, json };
}

async function getModel(name) {
  return mlflowGet('registered-models/get', { name });
}

async function getVersion(name, version) {
  return mlflowGet('model-versions/get', { name, version });
}

/** Uploads one file through the artifact proxy. */
async function upload(root, path, body) {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const resp = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${root}/${encoded}`, { method: 'PUT', body });
  assert.ok(resp.ok, `upload ${path}: ${resp.status} ${await resp.text()}`);
}

let seq = 0;
let experimentId;

/** A finished run with params and metrics that logged an MLflow 3 model (with its files). */
async function runWithModel(params, metrics) {
  const n = ++seq;
  if (!experimentId) ({ experiment_id: experimentId } = await mlflow(server.url, 'experiments/create', { name: 'registry runs' }));
  const start = Date.now() - 30_000;
  const { run } = await mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name: `train-${n}`, start_time: start });
  const runId = run.info.run_id;
  await mlflow(server.url, 'runs/log-batch', {
    run_id: runId,
    params: Object.entries(params).map(([key, value]) => ({ key, value: String(value) })),
    metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: start + 1000, step: 3 })),
  });
  const { model } = await mlflow(server.url, 'logged-models', { experiment_id: experimentId, name: 'model', source_run_id: runId });
  const modelId = model.info.model_id;
  const root = model.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
  await upload(root, 'MLmodel', MLMODEL);
  await upload(root, 'requirements.txt', 'mlflow==2.12.1\nscikit-learn==1.4.0\n');
  await upload(root, 'input_example.json', '{"columns": ["sepal length (cm)", "petal width (cm)"], "data": [[5.1, 0.2]]}');
  await upload(root, 'model.pkl', Buffer.from([0x80, 0x04, 0, 1, 2, 0, 255, 254]));
  await mlflow(server.url, 'runs/outputs', { run_id: runId, models: [{ model_id: modelId, step: 0 }] });
  await mlflow(server.url, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: start + 20_000 });
  return { runId, modelId, name: `train-${n}` };
}

async function openRun(page, runId) {
  await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
  await page.getByTestId('run-name').waitFor({ timeout: 15000 });
}

async function openVersion(page, name, version) {
  await page.goto(`${server.url}/#/models/${encodeURIComponent(name)}/versions/${version}`);
  await page.getByTestId('version-title').waitFor({ timeout: 15000 });
}

function versionsPath(name) {
  return `#/models/${encodeURIComponent(name)}`;
}

// ---- the models list -----------------------------------------------------------------

test('models list: create, search, rename (inline error when taken), delete', async () => {
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/`);
  await page.getByTestId('models-link').click();
  await page.getByTestId('no-models').waitFor();
  assert.match(await page.getByTestId('no-models').textContent(), /registered_model_name/, 'the empty state says how models get here');

  // New model from the UI: it opens the model's board.
  await page.getByTestId('new-model').click();
  const create = page.getByTestId('create-model');
  await create.getByLabel('Model name').fill('Fraud detector');
  await create.locator('textarea').fill('Flags suspicious payments.\n\nSecond paragraph.');
  await create.getByRole('button', { name: 'Create' }).click();
  try {
    await waitFor('the board route', async () => (await page.evaluate(() => window.location.hash)) === versionsPath('Fraud detector'), 5000);
  } catch (e) {
    throw new Error(`${e.message}: ${await page.evaluate(() => window.location.hash)} ${await page.locator('body').innerText()}`);
  }
  const created = await getModel('Fraud detector');
  assert.equal(created.status, 200);
  assert.equal(created.json.registered_model.description, 'Flags suspicious payments.\n\nSecond paragraph.');

  // More models through REST: versions in stages, an alias, a tag.
  const { runId } = await runWithModel({ lr: 0.1 }, { acc: 0.9 });
  for (const name of ['churn-model', 'Churn v2']) await mlflow(server.url, 'registered-models/create', { name });
  for (let i = 0; i < 3; i++) await mlflow(server.url, 'model-versions/create', { name: 'churn-model', source: `runs:/${runId}/model`, run_id: runId });
  await mlflow(server.url, 'model-versions/transition-stage', { name: 'churn-model', version: '2', stage: 'Production', archive_existing_versions: false });
  await mlflow(server.url, 'model-versions/transition-stage', { name: 'churn-model', version: '3', stage: 'Staging', archive_existing_versions: false });
  await mlflow(server.url, 'registered-models/alias', { name: 'churn-model', alias: 'champion', version: '2' });
  await mlflow(server.url, 'registered-models/set-tag', { name: 'churn-model', key: 'team', value: 'risk' });

  await page.goto(`${server.url}/#/models`);
  const list = page.getByTestId('model-list');
  await list.waitFor();
  await waitFor('three models', async () => (await list.getByTestId('model-row').count()) === 3);
  const churn = list.locator('[data-testid="model-row"][data-name="churn-model"]');
  const text = await churn.textContent();
  for (const part of ['Production v2', 'Staging v3', '@champion', 'v2', 'team', 'risk']) assert.ok(text.includes(part), `the row shows ${part}: ${text}`);
  assert.equal(await churn.locator('a.stage[data-stage="Production"]').getAttribute('href'), '#/models/churn-model/versions/2');
  assert.equal(await churn.locator('td.num').textContent(), '3');
  const fraud = list.locator('[data-testid="model-row"][data-name="Fraud detector"]');
  assert.equal((await fraud.locator('.desc').textContent()).trim(), 'Flags suspicious payments.', 'the description’s first line');
  assert.equal(await fraud.getByRole('link', { name: 'Fraud detector' }).getAttribute('href'), versionsPath('Fraud detector'));

  // Search filters as you type (case-insensitive substring).
  await page.getByTestId('model-search').fill('CHURN');
  await waitFor('two matches', async () => (await list.getByTestId('model-row').count()) === 2);
  await page.getByTestId('model-search').fill('nothing like it');
  await page.getByTestId('no-match').waitFor();
  await page.getByTestId('model-search').fill('');
  await waitFor('all models again', async () => (await page.getByTestId('model-row').count()) === 3);

  // Rename onto a taken name: the error shows in the dialog, which stays open.
  await fraud.hover();
  await page.getByRole('button', { name: 'Rename Fraud detector' }).click();
  const rename = page.getByTestId('rename-model');
  await rename.getByLabel('New name').fill('churn-model');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await waitFor('the inline error', async () => /already exists/.test(await rename.getByRole('alert').textContent()));
  await rename.getByLabel('New name').fill('Fraud detector v2');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await rename.waitFor({ state: 'detached' });
  await page.locator('[data-testid="model-row"][data-name="Fraud detector v2"]').waitFor();
  assert.equal((await getModel('Fraud detector v2')).status, 200);
  assert.equal((await getModel('Fraud detector')).status, 404);

  // Delete names how many versions go with it.
  await churn.hover();
  await page.getByRole('button', { name: 'Delete churn-model' }).click();
  const del = page.getByTestId('delete-model');
  assert.match(await del.textContent(), /its 3 versions/);
  await del.getByRole('button', { name: 'Delete' }).click();
  await del.waitFor({ state: 'detached' });
  await waitFor('the row gone', async () => (await page.locator('[data-testid="model-row"][data-name="churn-model"]').count()) === 0);
  assert.equal((await getModel('churn-model')).status, 404);
  // The refused rename answered 400 (Chromium logs it); nothing else.
  assert.deepEqual(errors.filter((e) => !/status of 400.*registered-models\/rename/.test(e)), []);
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/registry-models.png` });
  await page.close();
});

// ---- registering from a run ----------------------------------------------------------

test('register a logged model from the run page, as a new model then into an existing one', async () => {
  const { runId, modelId } = await runWithModel({ lr: 0.05 }, { acc: 0.8 });
  const { page, errors } = await openPage();
  await openRun(page, runId);
  const card = page.getByTestId('logged-models');
  await card.waitFor();
  await card.getByRole('button', { name: 'Register model model' }).click();

  const dialog = page.getByTestId('register-model');
  await dialog.getByLabel('New model name').fill('Iris classifier');
  await dialog.getByRole('button', { name: 'Register' }).click();
  const done = dialog.getByTestId('register-done');
  await done.waitFor();
  assert.match(await done.textContent(), /Registered as\s*Iris classifier version 1/);
  assert.equal(await done.getByRole('link').getAttribute('href'), '#/models/Iris%20classifier/versions/1');

  const v1 = await getVersion('Iris classifier', '1');
  assert.equal(v1.status, 200);
  assert.equal(v1.json.model_version.source, `models:/${modelId}`);
  assert.equal(v1.json.model_version.run_id, runId);

  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  // The run page lists the version at once, and the model says it is registered.
  const versions = page.getByTestId('model-versions');
  await versions.getByRole('link', { name: /Iris classifier/ }).waitFor({ timeout: 5000 });
  assert.match(await card.textContent(), /Registered as\s*Iris classifier v1/);

  // A new model under a taken name is refused, saying so.
  await card.getByRole('button', { name: 'Register model model' }).click();
  await dialog.getByLabel('New model name').fill('Iris classifier');
  await dialog.getByRole('button', { name: 'Register' }).click();
  await waitFor('the taken-name error', async () => /already exists/.test(await dialog.getByRole('alert').textContent()));

  // Into the existing model: version 2.
  await dialog.getByRole('radio', { name: 'Existing model' }).click();
  await dialog.getByLabel('Existing model').selectOption('Iris classifier');
  await dialog.getByRole('button', { name: 'Register' }).click();
  await waitFor('version 2', async () => /version 2/.test(await dialog.getByTestId('register-done').textContent()));
  assert.equal((await getVersion('Iris classifier', '2')).json.model_version.source, `models:/${modelId}`);
  // "Open version" goes to its page.
  await dialog.getByRole('button', { name: 'Open version' }).click();
  await page.getByTestId('version-title').waitFor();
  assert.equal(await page.evaluate(() => window.location.hash), '#/models/Iris%20classifier/versions/2');
  // The refused create answered 400 (Chromium logs it); nothing else.
  assert.deepEqual(errors.filter((e) => !/status of 400.*registered-models\/create/.test(e)), []);
  await page.close();
});

test('register an MLflow 2 folder model (runs:/ source)', async () => {
  const { experiment_id } = await mlflow(server.url, 'experiments/create', { name: 'mlflow 2 models' });
  const { run } = await mlflow(server.url, 'runs/create', { experiment_id, run_name: 'old-style', start_time: Date.now() });
  const runId = run.info.run_id;
  const history = [{ run_id: runId, artifact_path: 'model', utc_time_created: '2024-05-01 10:20:30.123456', flavors: { python_function: {}, sklearn: {} }, model_uuid: 'abc' }];
  await mlflow(server.url, 'runs/set-tag', { run_id: runId, key: 'mlflow.log-model.history', value: JSON.stringify(history) });
  const root = run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
  await upload(root, 'model/MLmodel', MLMODEL);
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/experiments/${experiment_id}/runs/${runId}`);
  await page.getByTestId('run-name').waitFor();
  await page.getByTestId('logged-models').getByRole('button', { name: 'Register model model' }).click();
  const dialog = page.getByTestId('register-model');
  await dialog.getByLabel('New model name').fill('Old style');
  await dialog.getByRole('button', { name: 'Register' }).click();
  await dialog.getByTestId('register-done').waitFor();
  const v = await getVersion('Old style', '1');
  assert.equal(v.json.model_version.source, `runs:/${runId}/model`);
  assert.equal(v.json.model_version.run_id, runId);
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- a version's page ----------------------------------------------------------------

test('the version page: MLmodel summary, files, run, history, edits', async () => {
  const { runId, modelId, name: runName } = await runWithModel({ lr: 0.01, depth: 4 }, { acc: 0.93, loss: 0.21 });
  const model = 'Summary model';
  await mlflow(server.url, 'registered-models/create', { name: model });
  await mlflow(server.url, 'model-versions/create', { name: model, source: `models:/${modelId}`, run_id: runId, model_id: modelId });
  await mlflow(server.url, 'model-versions/transition-stage', { name: model, version: '1', stage: 'Staging', archive_existing_versions: false });
  await mlflow(server.url, 'registered-models/alias', { name: model, alias: 'candidate', version: '1' });

  const { page, errors } = await openPage();
  await openVersion(page, model, '1');
  const crumb = page.getByTestId('version-crumb');
  assert.equal(await crumb.getByRole('link', { name: 'Models' }).getAttribute('href'), '#/models');
  assert.equal(await crumb.getByRole('link', { name: model }).getAttribute('href'), '#/models/Summary%20model');
  assert.equal(await page.getByTestId('version-stage').textContent(), 'Staging');
  assert.equal(await page.getByTestId('version-alias').textContent(), '@candidate');
  assert.equal(await page.getByTestId('version-run-link').getAttribute('href'), `#/experiments/${experimentId}/runs/${runId}`);
  assert.equal(await page.getByTestId('version-run-link').textContent(), runName);
  assert.equal(await page.getByTestId('version-model-id').textContent(), modelId);

  // The MLmodel summary.
  const summary = page.getByTestId('version-summary');
  const flavors = await summary.getByTestId('flavor').evaluateAll((els) => els.map((e) => e.dataset.flavor));
  assert.deepEqual(flavors.sort(), ['python_function', 'sklearn']);
  assert.match(await summary.locator('[data-flavor="sklearn"]').textContent(), /sklearn_version\s*1\.4\.0/);
  const inputs = summary.getByTestId('signature-inputs');
  const inputText = await inputs.textContent();
  for (const part of ['sepal length (cm)', 'petal width (cm)', 'double', 'Required', 'Shape']) assert.ok(inputText.includes(part), `inputs show ${part}`);
  assert.match(await inputs.locator('tbody tr').nth(1).textContent(), /petal width \(cm\)\s*double\s*no/);
  assert.match(await summary.getByTestId('signature-outputs').textContent(), /tensor/);
  assert.match(await summary.getByTestId('mlmodel-facts').textContent(), /2\.12\.1/);
  assert.match(await summary.getByTestId('mlmodel-facts').textContent(), /5b9d0c3e2f7a4f1c8d6e0a1b2c3d4e5f/);
  const reqs = await summary.getByTestId('requirements').locator('li').allTextContents();
  assert.deepEqual(reqs, ['mlflow==2.12.1', 'scikit-learn==1.4.0']);
  const example = await summary.getByTestId('input-example').locator('pre').textContent();
  assert.match(example, /^\{\n {2}"columns": \[/, 'the example is pretty-printed JSON');

  // Description and tags are editable.
  await page.getByRole('button', { name: 'Add a description…' }).click();
  await page.getByLabel('Description (markdown)').fill('Trained on **iris**.');
  await page.getByTestId('description').getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('description-body').locator('strong').waitFor();
  assert.equal((await getVersion(model, '1')).json.model_version.description, 'Trained on **iris**.');
  await page.getByTestId('kv-tags').getByRole('button', { name: 'Add tag' }).click();
  await page.getByLabel('Tag key').fill('validated');
  await page.getByLabel('Tag value').fill('yes');
  await page.getByLabel('Tag value').press('Enter');
  await page.getByTestId('kv-tags').locator('th', { hasText: 'validated' }).waitFor();
  assert.deepEqual((await getVersion(model, '1')).json.model_version.tags, [{ key: 'validated', value: 'yes' }]);

  // Files: a click shows a text file; a binary one is named as such, with a download link.
  await page.getByRole('tab', { name: /Files/ }).click();
  const files = page.getByTestId('version-files');
  await files.waitFor();
  const paths = await files.locator('[data-path]').evaluateAll((els) => els.map((e) => e.dataset.path));
  assert.deepEqual([...paths].sort(), ['MLmodel', 'input_example.json', 'model.pkl', 'requirements.txt']);
  await files.locator('[data-path="MLmodel"]').click();
  const view = page.getByTestId('file-view');
  await view.getByTestId('file-text').waitFor();
  assert.match(await view.getByTestId('file-text').textContent(), /flavors:\n {2}python_function:/);
  await files.locator('[data-path="model.pkl"]').click();
  await view.getByTestId('binary-file').waitFor();
  assert.match(await view.getByTestId('binary-file').textContent(), /Binary file, 8 bytes/);
  const download = view.getByRole('link', { name: 'Download' });
  assert.equal(await download.getAttribute('href'), `/model-versions/get-artifact?name=Summary+model&version=1&path=model.pkl`);
  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  assert.equal(file.suggestedFilename(), 'model.pkl');

  // Run: params and metrics of the source run.
  await page.getByRole('tab', { name: 'Run' }).click();
  const runTab = page.getByTestId('version-run');
  await runTab.waitFor();
  assert.match(await runTab.getByTestId('version-run-params').textContent(), /depth\s*4/);
  assert.match(await runTab.getByTestId('version-run-metrics').textContent(), /acc\s*0\.93/);

  // History: registered, moved to Staging, the alias.
  await page.getByRole('tab', { name: 'History' }).click();
  const history = page.getByTestId('version-history');
  await waitFor('three events', async () => (await history.getByTestId('history-entry').count()) >= 3);
  const kinds = await history.getByTestId('history-entry').evaluateAll((els) => els.map((e) => e.dataset.kind));
  for (const k of ['version_created', 'stage', 'alias_set']) assert.ok(kinds.includes(k), `the timeline has ${k}: ${kinds}`);
  assert.deepEqual(errors, []);
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/registry-version.png` });
  await page.close();
});

test('compare a version with another: param differences, metric deltas, open in compare view', async () => {
  const a = await runWithModel({ lr: 0.1, depth: 4 }, { acc: 0.9 });
  const b = await runWithModel({ lr: 0.01, depth: 4 }, { acc: 0.95 });
  const model = 'Compared model';
  await mlflow(server.url, 'registered-models/create', { name: model });
  await mlflow(server.url, 'model-versions/create', { name: model, source: `models:/${a.modelId}`, run_id: a.runId, model_id: a.modelId });
  await mlflow(server.url, 'model-versions/create', { name: model, source: `models:/${b.modelId}`, run_id: b.runId, model_id: b.modelId });

  const { page, errors } = await openPage();
  await openVersion(page, model, '2');
  await page.getByRole('tab', { name: 'Compare with…' }).click();
  const compare = page.getByTestId('version-compare');
  // The version before this one is chosen first.
  await waitFor('version 1 chosen', async () => (await compare.getByTestId('compare-with').inputValue()) === '1');
  const params = compare.getByTestId('compare-params');
  await params.waitFor();
  const lr = params.locator('tr[data-key="lr"]');
  assert.equal(await lr.getAttribute('class').then((c) => /differs/.test(c ?? '')), true, 'lr differs');
  assert.match(await lr.textContent(), /lr\s*0\.1\s*0\.01/);
  assert.doesNotMatch((await params.locator('tr[data-key="depth"]').getAttribute('class')) ?? '', /differs/);
  assert.match(await compare.getByTestId('compare-metrics').locator('tr[data-key="acc"]').textContent(), /0\.9\s*0\.95\s*\+0\.05/);
  assert.match(await compare.getByTestId('compare-model').textContent(), /all the same/, 'same MLmodel');

  // Differences only hides depth.
  await compare.getByLabel('Differences only').check();
  assert.equal(await params.locator('tr[data-key="depth"]').count(), 0);

  const href = await compare.getByTestId('open-compare').getAttribute('href');
  assert.equal(href, `#/compare-runs?runs=${encodeURIComponent(JSON.stringify([a.runId, b.runId]))}&experiments=${encodeURIComponent(JSON.stringify([experimentId]))}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('delete a version, and unknown versions say so', async () => {
  const { runId, modelId } = await runWithModel({ lr: 1 }, { acc: 0.5 });
  const model = 'Short-lived';
  await mlflow(server.url, 'registered-models/create', { name: model });
  await mlflow(server.url, 'model-versions/create', { name: model, source: `models:/${modelId}`, run_id: runId, model_id: modelId });
  const { page, errors } = await openPage();
  await openVersion(page, model, '1');
  await page.getByRole('button', { name: 'Delete version' }).click();
  const dialog = page.getByTestId('delete-version');
  await dialog.getByRole('button', { name: 'Delete version' }).click();
  await waitFor('the board', async () => (await page.evaluate(() => window.location.hash)) === '#/models/Short-lived');
  assert.equal((await getVersion(model, '1')).status, 404);

  await page.goto(`${server.url}/#/models/${encodeURIComponent(model)}/versions/1`);
  const error = page.getByTestId('version-error');
  await error.waitFor();
  assert.match(await error.textContent(), /No such model version/);
  assert.equal(await error.getByRole('link', { name: 'All models' }).getAttribute('href'), '#/models');
  await page.goto(`${server.url}/#/models/no-such-model/versions/3`);
  await waitFor('the error for a missing model', async () => /No such model version/.test(await page.getByTestId('version-error').textContent()));
  // The 404 of the details call is expected; nothing else.
  assert.deepEqual(errors.filter((e) => !/404|Not Found/.test(e)), []);
  await page.close();
});
