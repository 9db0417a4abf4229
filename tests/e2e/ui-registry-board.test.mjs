// The model stage board (#/models/NAME) served by `runlens serve`, in Chromium through
// playwright-core: drag and drop between stages (with archiving), the keyboard path,
// aliases moved by the official MLflow client (live refresh) and from the cards, the
// history panel and past boards (?at=).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, launchChromium, mlflow, startServer, waitFor } from './lib.mjs';

let server;
let context;

before(async () => {
  server = await startServer();
  context = await launchChromium({ viewport: { width: 1500, height: 1000 } });
});

after(async () => {
  await context?.close();
  server?.stop();
});

async function openPage() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Refusals the page shows (a reserved alias…) are 4xx answers the console reports too.
  page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && errors.push(m.text()));
  return { page, errors };
}

/** GET on the REST API (the registry reads answer GET only). */
async function restGet(path, query) {
  const resp = await fetch(`${server.url}/api/2.0/${path}?${new URLSearchParams(query)}`);
  const json = await resp.json();
  if (!resp.ok) throw new Error(`${path}: ${resp.status} ${JSON.stringify(json)}`);
  return json;
}

/** Another method on the REST API (update answers PATCH, delete DELETE). */
async function rest(method, path, body) {
  const resp = await fetch(`${server.url}/api/2.0/${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await resp.json();
  if (!resp.ok) throw new Error(`${path}: ${resp.status} ${JSON.stringify(json)}`);
  return json;
}

async function stageOf(name, version) {
  return (await restGet('mlflow/model-versions/get', { name, version })).model_version.current_stage;
}

async function aliasVersion(name, alias) {
  const resp = await fetch(`${server.url}/api/2.0/mlflow/registered-models/alias?${new URLSearchParams({ name, alias })}`);
  if (!resp.ok) return null;
  return (await resp.json()).model_version.version;
}

async function history(name) {
  return (await restGet('runlens/registered-models/history', { name })).events;
}

/** Runs Python with the official MLflow client pointed at the server. */
function python(code) {
  return execFileSync(join(ROOT, '.venv', 'bin', 'python'), ['-c', code], {
    env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', MLFLOW_TRACKING_URI: server.url },
    encoding: 'utf8',
    timeout: 60_000,
  }).trim();
}

let seq = 0;

/** A model with three versions of three runs (metrics logged), v1 in Staging. */
async function setupModel(prefix = 'Board model') {
  const n = ++seq;
  const { experiment_id: experimentId } = await mlflow(server.url, 'experiments/create', { name: `board ${n}` });
  const runIds = [];
  for (let i = 1; i <= 3; i++) {
    const { run } = await mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name: `train-${n}-${i}`, start_time: Date.now() });
    const runId = run.info.run_id;
    await mlflow(server.url, 'runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'accuracy', value: 0.8 + i / 100, timestamp: Date.now(), step: 0 },
        { key: 'loss', value: 0.5 / i, timestamp: Date.now(), step: 0 },
      ],
    });
    await mlflow(server.url, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
    runIds.push(runId);
  }
  const name = `${prefix} ${n}`;
  await mlflow(server.url, 'registered-models/create', { name, description: `The **${n}th** model` });
  for (const runId of runIds) {
    await mlflow(server.url, 'model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId });
  }
  await mlflow(server.url, 'model-versions/transition-stage', { name, version: '1', stage: 'Staging', archive_existing_versions: false });
  return { name, experimentId, runIds, n };
}

async function openBoard(page, name, at) {
  await page.goto(`${server.url}/#/models/${encodeURIComponent(name)}${at ? `?at=${at}` : ''}`);
  try {
    await page.getByTestId('board').waitFor({ timeout: 15000 });
  } catch (e) {
    const body = await page.locator('body').innerText().catch(() => '?');
    throw new Error(`the board did not open: ${e.message}\n--- page text:\n${body.slice(0, 800)}`);
  }
}

const column = (page, stage) => page.getByTestId(`column-${stage}`);
const card = (page, version) => page.getByTestId(`card-${version}`);

async function waitInColumn(page, version, stage) {
  await column(page, stage).getByTestId(`card-${version}`).waitFor({ timeout: 10000 });
}

test('the board shows each version in its stage column with run, metrics and aliases', async () => {
  const { name, experimentId, runIds, n } = await setupModel();
  await mlflow(server.url, 'registered-models/alias', { name, alias: 'champion', version: '1' });
  await mlflow(server.url, 'model-versions/set-tag', { name, version: '2', key: 'team', value: 'vision' });
  await rest('PATCH', 'mlflow/model-versions/update', { name, version: '2', description: '# Better\nTrained on **more** data' });
  const { page, errors } = await openPage();
  await openBoard(page, name);

  assert.match(await page.getByTestId('model-name').textContent(), new RegExp(name));
  assert.match(await page.getByTestId('version-count').textContent(), /3 versions/);
  assert.match(await page.getByTestId('model-description').innerHTML(), /<strong>\d+th<\/strong>/, 'the description is markdown');
  for (const stage of ['None', 'Staging', 'Production', 'Archived']) await column(page, stage).waitFor();
  assert.equal(await column(page, 'None').getAttribute('data-stage'), 'None');
  await waitInColumn(page, '1', 'Staging');
  await waitInColumn(page, '2', 'None');
  await waitInColumn(page, '3', 'None');
  assert.equal((await page.getByTestId('count-None').textContent()).trim(), '2');
  assert.equal((await page.getByTestId('count-Staging').textContent()).trim(), '1');
  assert.equal((await page.getByTestId('count-Production').textContent()).trim(), '0');

  const v1 = card(page, '1');
  assert.ok(await v1.getByTestId('alias-champion').isVisible(), '@champion on v1');
  assert.match(await v1.getByTestId('alias-champion').textContent(), /@champion/);
  const run = v1.getByTestId('card-run');
  assert.equal((await run.textContent()).trim(), `train-${n}-1`);
  assert.equal(await run.getAttribute('href'), `#/experiments/${experimentId}/runs/${runIds[0]}`);
  const metrics = await v1.getByTestId('card-metrics').textContent();
  assert.match(metrics, /accuracy\s*0\.81/);
  assert.match(metrics, /loss\s*0\.5/);
  assert.equal(await v1.getByRole('link', { name: 'Version 1' }).getAttribute('href'), `#/models/${encodeURIComponent(name)}/versions/1`);
  const v2 = await card(page, '2').textContent();
  assert.match(v2, /Better · Trained on more data/, 'the description as plain text');
  assert.match(v2, /team\s*vision/);
  assert.match(v2, /just now/);

  // The history panel has the model's timeline, newest first.
  const entries = page.getByTestId('history').getByTestId('history-entry');
  await waitFor('the history', async () => (await entries.count()) >= 5);
  assert.match(await entries.first().textContent(), /@champion set on v1/);
  assert.match(await page.getByTestId('history').textContent(), /v1 moved None → Staging.*v3 registered.*v2 registered.*v1 registered/s);
  // A version in the history filters the timeline to it.
  await page.getByTestId('history').getByTestId('history-version-2').first().click();
  await page.getByTestId('history-filter').waitFor();
  await waitFor('v2 only', async () => (await entries.count()) === 1);
  assert.match(await entries.first().textContent(), /v2 registered/);
  await page.getByTestId('history-show-all').click();
  await waitFor('every version', async () => (await entries.count()) >= 5);

  // Model tags: add one, remove it.
  await page.getByTestId('model-tag-add').click();
  await page.getByTestId('model-tag-key').fill('owner');
  await page.getByTestId('model-tag-value').fill('ml-team');
  await page.getByTestId('model-tag-value').press('Enter');
  await page.getByTestId('model-tag-owner').waitFor();
  const tags = (await restGet('mlflow/registered-models/get', { name })).registered_model.tags ?? [];
  assert.deepEqual(tags.map((t) => [t.key, t.value]), [['owner', 'ml-team']]);
  await page.getByRole('button', { name: 'Remove tag owner' }).click();
  await page.getByTestId('model-tag-owner').waitFor({ state: 'detached' });

  // The description is editable.
  await page.getByTestId('model-description-edit').click();
  await page.getByTestId('model-description-input').fill('Now *edited*');
  await page.getByTestId('model-description-save').click();
  await waitFor('the new description', async () => /<em>edited<\/em>/.test(await page.getByTestId('model-description').innerHTML()));
  assert.equal((await restGet('mlflow/registered-models/get', { name })).registered_model.description, 'Now *edited*');
  assert.deepEqual(errors, []);
  await page.close();
});

test('dragging a card to Production confirms, archives the one there and records the history', async () => {
  const { name } = await setupModel();
  await mlflow(server.url, 'model-versions/transition-stage', { name, version: '2', stage: 'Production', archive_existing_versions: false });
  const { page, errors } = await openPage();
  await openBoard(page, name);
  await waitInColumn(page, '2', 'Production');

  await card(page, '3').dragTo(column(page, 'Production'));
  const dialog = page.getByTestId('transition-dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Move version 3 from None to Production/);
  const archive = dialog.getByTestId('archive-existing');
  assert.match(await dialog.locator('label', { has: page.getByTestId('archive-existing') }).textContent(), /Archive the other version now in Production \(v2\)/);
  await archive.check();
  await dialog.getByRole('button', { name: 'Move to Production' }).click();
  await dialog.waitFor({ state: 'detached' });

  await waitInColumn(page, '3', 'Production');
  await waitInColumn(page, '2', 'Archived');
  await waitInColumn(page, '1', 'Staging');
  assert.equal(await stageOf(name, '3'), 'Production');
  assert.equal(await stageOf(name, '2'), 'Archived');
  assert.equal(await stageOf(name, '1'), 'Staging');
  assert.match(await page.getByTestId('announce').textContent(), /Version 3 moved from None to Production; v2 archived/);

  const stages = (await history(name)).filter((e) => e.kind === 'stage').map((e) => `${e.version}:${e.old_value}→${e.new_value}`);
  assert.ok(stages.includes('3:None→Production'), stages.join(', '));
  assert.ok(stages.includes('2:Production→Archived'), stages.join(', '));
  const panel = page.getByTestId('history');
  await waitFor('the moves in the panel', async () => /v3 moved None → Production/.test(await panel.textContent()));
  assert.match(await panel.textContent(), /v2 moved Production → Archived/);

  // Dropping on the column a card is already in does nothing; Cancel leaves things as they were.
  await card(page, '1').dragTo(column(page, 'Staging'));
  await card(page, '1').dragTo(column(page, 'Archived'));
  await dialog.waitFor();
  assert.equal(await dialog.getByTestId('archive-existing').count(), 0, 'no archiving when moving to Archived');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await stageOf(name, '1'), 'Staging');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the keyboard moves cards: Alt+arrows, the Move menu, arrow focus and Enter', async () => {
  const { name } = await setupModel();
  const { page, errors } = await openPage();
  await openBoard(page, name);
  await waitInColumn(page, '1', 'Staging');

  // Alt+→ on v1 (Staging) asks to move it to Production; Enter confirms.
  await card(page, '1').focus();
  await page.keyboard.press('Alt+ArrowRight');
  const dialog = page.getByTestId('transition-dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Move version 1 from Staging to Production/);
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'detached' });
  await waitInColumn(page, '1', 'Production');
  assert.equal(await stageOf(name, '1'), 'Production');
  // The focus follows the card to its new column.
  await waitFor('the focus on v1', () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'card-1'));

  // ← moves the focus to the nearest card of the previous column that has any (None: v3, v2).
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'card-3');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'card-2');

  // M opens the Move menu; ↓ and Enter pick Production; the dialog offers to archive v1.
  await page.keyboard.press('m');
  const menuItem = page.getByRole('menuitem', { name: /Production/ });
  await menuItem.waitFor();
  await waitFor('the menu focus', () => page.evaluate(() => document.activeElement?.getAttribute('role') === 'menuitem'));
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Production');
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Move version 2 from None to Production/);
  await dialog.getByTestId('archive-existing').check();
  await dialog.getByRole('button', { name: 'Move to Production' }).press('Enter');
  await dialog.waitFor({ state: 'detached' });
  await waitInColumn(page, '2', 'Production');
  await waitInColumn(page, '1', 'Archived');
  assert.equal(await stageOf(name, '2'), 'Production');
  assert.equal(await stageOf(name, '1'), 'Archived');

  // Esc cancels a move.
  await card(page, '3').focus();
  await page.keyboard.press('Alt+ArrowRight');
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await stageOf(name, '3'), 'None');

  // Enter opens the version page.
  await card(page, '3').focus();
  await page.keyboard.press('Enter');
  await waitFor('the version page', async () => page.url().endsWith(`#/models/${encodeURIComponent(name)}/versions/3`));
  assert.deepEqual(errors, []);
  await page.close();
});

test('aliases: the official client moves one (live), the cards add, move and remove them', async () => {
  const { name } = await setupModel();
  const { page, errors } = await openPage();
  await openBoard(page, name);
  const quoted = JSON.stringify(name);

  python(`from mlflow import MlflowClient; MlflowClient().set_registered_model_alias(${quoted}, 'champion', '2')`);
  await card(page, '2').getByTestId('alias-champion').waitFor({ timeout: 10000 });
  python(`from mlflow import MlflowClient; MlflowClient().set_registered_model_alias(${quoted}, 'champion', '3')`);
  await card(page, '3').getByTestId('alias-champion').waitFor({ timeout: 10000 });
  assert.equal(await card(page, '2').getByTestId('alias-champion').count(), 0, 'v2 lost @champion');
  const panel = page.getByTestId('history');
  await waitFor('the alias move in the history', async () => /@champion moved v2 → v3/.test(await panel.textContent()));

  // Add @challenger to v1 from its card.
  await card(page, '1').getByTestId('add-alias-1').click();
  const input = page.getByTestId('alias-input-1');
  await input.fill('challenger');
  await input.press('Enter');
  await card(page, '1').getByTestId('alias-challenger').waitFor();
  const byAlias = python(`from mlflow import MlflowClient; print(MlflowClient().get_model_version_by_alias(${quoted}, 'challenger').version)`);
  assert.equal(byAlias.split('\n').pop(), '1');

  // Typing an alias another version has says it moves, and Enter moves it.
  await card(page, '1').getByTestId('add-alias-1').click();
  await input.fill('champion');
  await waitFor('the move hint', async () => /moves @champion from v3/.test(await page.getByTestId('alias-hint-1').textContent()));
  await input.press('Enter');
  await card(page, '1').getByTestId('alias-champion').waitFor();
  assert.equal(await card(page, '3').getByTestId('alias-champion').count(), 0);
  assert.equal(await aliasVersion(name, 'champion'), '1');

  // A name MLflow refuses: the server's message shows.
  await card(page, '2').getByTestId('add-alias-2').click();
  await page.getByTestId('alias-input-2').fill('latest');
  await page.getByTestId('alias-input-2').press('Enter');
  // The field warns before Enter; wait for the server's answer (an alert), not the warning.
  await page.getByTestId('alias-hint-2').getByRole('alert').waitFor();
  assert.match(await page.getByTestId('alias-hint-2').textContent(), /reserved/);
  // The field kept its focus through the request (a disabled field would drop it, and Esc with it).
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'alias-input-2');
  await page.getByTestId('alias-input-2').press('Escape');
  await page.getByTestId('alias-editor-2').waitFor({ state: 'detached' });

  // Drag the @challenger badge onto v2: it moves there.
  await card(page, '1').getByTestId('alias-challenger').dragTo(card(page, '2'));
  await card(page, '2').getByTestId('alias-challenger').waitFor();
  assert.equal(await aliasVersion(name, 'challenger'), '2');

  // × removes an alias.
  await card(page, '2').getByTestId('remove-alias-challenger').click();
  await card(page, '2').getByTestId('alias-challenger').waitFor({ state: 'detached' });
  assert.equal(await aliasVersion(name, 'challenger'), null);
  const gone = python(
    `from mlflow import MlflowClient\ntry:\n    MlflowClient().get_model_version_by_alias(${quoted}, 'challenger'); print('still there')\nexcept Exception as e:\n    print('gone')`,
  );
  assert.equal(gone.split('\n').pop(), 'gone');
  await waitFor('the removal in the history', async () => /@challenger removed from v2/.test(await panel.textContent()));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a past board shows the stages then, read-only, with later-deleted versions faded', async () => {
  const { name } = await setupModel();
  await new Promise((r) => setTimeout(r, 30));
  const before = Date.now();
  await new Promise((r) => setTimeout(r, 30));
  await mlflow(server.url, 'model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: false });
  await rest('DELETE', 'mlflow/model-versions/delete', { name, version: '3' });

  const { page, errors } = await openPage();
  await openBoard(page, name, before);
  await page.getByTestId('past-banner').waitFor();
  assert.match(await page.getByTestId('past-banner').textContent(), /Board as of .* Back to now/s);
  await waitInColumn(page, '1', 'Staging');
  await waitInColumn(page, '3', 'None');
  assert.match(await card(page, '3').textContent(), /deleted later/);
  assert.equal(await card(page, '1').getAttribute('draggable'), 'false');
  assert.equal(await page.getByTestId('move-menu-1').count(), 0, 'no menus on a past board');
  assert.equal(await page.getByTestId('add-alias-1').count(), 0);
  // A drag does nothing; nor does the keyboard.
  await card(page, '1').dragTo(column(page, 'Archived'));
  await card(page, '1').focus();
  await page.keyboard.press('Alt+ArrowRight');
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('transition-dialog').count(), 0);
  // The history marks what came later.
  assert.ok((await page.getByTestId('history').locator('.later').count()) >= 2);

  // Back to now: v1 in Production, v3 gone.
  await page.getByTestId('back-to-now').click();
  await waitInColumn(page, '1', 'Production');
  assert.equal(await page.getByTestId('past-banner').count(), 0);
  assert.equal(await card(page, '3').count(), 0);

  // A history entry's time opens the board just after it: after "v1 moved None → Staging".
  const entry = page.getByTestId('history-entry').filter({ hasText: 'v1 moved None → Staging' });
  await entry.getByTestId('history-time').click();
  await page.getByTestId('past-banner').waitFor();
  assert.match(page.url(), /\?at=\d+$/);
  await waitInColumn(page, '1', 'Staging');

  // The "View as of…" field goes to a past board too.
  await page.getByTestId('back-to-now').click();
  await page.getByTestId('past-banner').waitFor({ state: 'detached' });
  const d = new Date(before);
  const p = (x) => String(x).padStart(2, '0');
  await page.getByTestId('view-as-of').fill(`${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`);
  await page.waitForTimeout(2500); // a live refresh does not reset the field being edited
  assert.equal(await page.getByTestId('past-banner').count(), 0, 'not before Enter');
  await page.getByTestId('view-as-of').press('Enter');
  await page.getByTestId('past-banner').waitFor();
  assert.match(page.url(), /\?at=\d+$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an unknown model says so and links to the models', async () => {
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/models/${encodeURIComponent('No such model')}`);
  const err = page.getByTestId('model-error');
  await err.waitFor({ timeout: 15000 });
  assert.match(await err.textContent(), /No model named No such model/);
  assert.equal(await err.getByRole('link', { name: 'All models' }).getAttribute('href'), '#/models');
  assert.deepEqual(errors, []);
  await page.close();
});
