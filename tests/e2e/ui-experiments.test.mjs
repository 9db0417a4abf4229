// Managing experiments from the UI: the sidebar (create, rename, delete, restore, search,
// multi-select) and the experiment page's header (name, tags, description). Each change is
// checked through the REST API, not only on screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, logRun, mlflow, startServer, waitFor } from './lib.mjs';

let server;
let context;

before(async () => {
  server = await startServer();
  context = await launchChromium();
});

after(async () => {
  await context?.close();
  server?.stop();
});

const XSS = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">';

/**
 * A page that records page errors and console errors. Chromium logs every HTTP error answer
 * as a console error: `allow` lists the request URLs a test expects to fail (an inline
 * "already exists" error, say).
 */
async function openPage(allow = []) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url ?? '';
    if (allow.some((re) => re.test(url))) return;
    errors.push(`${m.text()} (${url})`);
  });
  return { page, errors };
}

async function getExperiment(id) {
  const resp = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=${encodeURIComponent(id)}`);
  assert.equal(resp.status, 200, `experiments/get ${id}`);
  return (await resp.json()).experiment;
}

async function createExperiment(name) {
  return (await mlflow(server.url, 'experiments/create', { name })).experiment_id;
}

function tagOf(exp, key) {
  return exp.tags?.find((t) => t.key === key)?.value;
}

const list = (page) => page.getByTestId('experiment-list');
const link = (page, name) => list(page).getByRole('link', { name, exact: true });
const row = (page, name) => list(page).locator('.row', { has: page.getByRole('link', { name, exact: true }) });

async function openMenu(page, name) {
  await row(page, name).hover();
  await list(page).getByRole('button', { name: `Actions for ${name}`, exact: true }).click();
  return page.getByRole('menu');
}

test('an experiment is created from the sidebar; a duplicate name is refused inline', async () => {
  const { page, errors } = await openPage([/\/-\/call\/mlflow\/experiments\/create$/]);
  await page.goto(`${server.url}/#/`);
  await list(page).waitFor();
  await page.getByRole('button', { name: 'New experiment' }).click();
  const dialog = page.getByTestId('create-experiment');
  await dialog.getByLabel('Experiment name').fill('made in the sidebar');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.waitFor({ state: 'detached' });
  // It opens the new experiment.
  await waitFor('the new experiment page', () => /#\/experiments\/\d+$/.test(page.url()));
  const id = page.url().match(/#\/experiments\/(\d+)$/)[1];
  assert.equal((await getExperiment(id)).name, 'made in the sidebar');
  await link(page, 'made in the sidebar').waitFor();
  assert.equal(await link(page, 'made in the sidebar').getAttribute('aria-current'), 'page', 'the open experiment is highlighted');

  // The same name again: the server's error shows in the dialog, which stays open.
  await page.getByRole('button', { name: 'New experiment' }).click();
  await dialog.getByLabel('Experiment name').fill('made in the sidebar');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.getByRole('alert').waitFor();
  assert.match(await dialog.getByRole('alert').textContent(), /already exists/i);
  // An empty name is refused before asking the server.
  await dialog.getByLabel('Experiment name').fill('   ');
  await dialog.getByRole('button', { name: 'Create' }).click();
  assert.match(await dialog.getByRole('alert').textContent(), /cannot be empty/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await list(page).getByRole('link', { name: 'made in the sidebar', exact: true }).count(), 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an experiment is renamed from its ⋯ menu, and F2 opens the same dialog', async () => {
  const id = await createExperiment('before rename');
  await createExperiment('taken name');
  const { page, errors } = await openPage([/\/-\/call\/mlflow\/experiments\/update$/]);
  await page.goto(`${server.url}/#/`);
  await link(page, 'before rename').waitFor();
  const menu = await openMenu(page, 'before rename');
  await menu.getByRole('menuitem', { name: /Rename/ }).click();
  const dialog = page.getByTestId('rename-experiment');
  // A name another experiment has is refused inline.
  await dialog.getByLabel('New name').fill('taken name');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await dialog.getByRole('alert').waitFor();
  assert.match(await dialog.getByRole('alert').textContent(), /already exists/i);
  await dialog.getByLabel('New name').fill('after rename');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await dialog.waitFor({ state: 'detached' });
  await link(page, 'after rename').waitFor();
  assert.equal((await getExperiment(id)).name, 'after rename');

  // From the keyboard: F2 on the focused row, Esc cancels.
  await link(page, 'after rename').focus();
  await page.keyboard.press('F2');
  await dialog.waitFor();
  assert.equal(await dialog.getByLabel('New name').inputValue(), 'after rename');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  // The menu opens from the keyboard too, with its first item focused; Esc closes it.
  await link(page, 'after rename').focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('menu').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'menuitem');
  await page.keyboard.press('Escape');
  await page.getByRole('menu').waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a deleted experiment is listed under "Show deleted" and restored from there', async () => {
  const { experimentId: id } = await logRun(server.url, 'to be deleted', 'doomed-run', { a: '1' });
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/`);
  await link(page, 'to be deleted').waitFor();
  const menu = await openMenu(page, 'to be deleted');
  await menu.getByRole('menuitem', { name: /Delete/ }).click();
  const dialog = page.getByTestId('delete-experiment');
  assert.match(await dialog.textContent(), /to be deleted/);
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await dialog.waitFor({ state: 'detached' });
  await link(page, 'to be deleted').waitFor({ state: 'detached' });
  assert.equal((await getExperiment(id)).lifecycle_stage, 'deleted');

  const toggle = page.getByRole('button', { name: 'Show deleted' });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  const deleted = page.getByTestId('deleted-experiments');
  await deleted.getByRole('link', { name: 'to be deleted', exact: true }).waitFor();
  await deleted.getByRole('button', { name: 'Restore to be deleted' }).click();
  await link(page, 'to be deleted').waitFor();
  assert.equal((await getExperiment(id)).lifecycle_stage, 'active');
  await deleted.getByRole('link', { name: 'to be deleted', exact: true }).waitFor({ state: 'detached' });

  // The Delete key on a focused row asks too; Cancel keeps the experiment.
  await link(page, 'to be deleted').focus();
  await page.keyboard.press('Delete');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await getExperiment(id)).lifecycle_stage, 'active');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the search box filters the list by name', async () => {
  await createExperiment('fruit apple');
  await createExperiment('fruit banana');
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/`);
  await link(page, 'fruit banana').waitFor();
  const search = page.getByLabel('Search experiments');
  await search.fill('APPLE');
  await link(page, 'fruit banana').waitFor({ state: 'detached' });
  assert.equal(await link(page, 'fruit apple').count(), 1);
  await search.fill('fruit');
  await link(page, 'fruit banana').waitFor();
  assert.equal(await list(page).getByRole('link').count(), 2);
  await search.fill('no such experiment');
  assert.match(await list(page).textContent(), /No experiment matches/);
  // Esc clears the search.
  await search.press('Escape');
  await link(page, 'fruit apple').waitFor();
  assert.equal(await search.inputValue(), '');
  assert.deepEqual(errors, []);
  await page.close();
});

test('two experiments selected open together on the compare-experiments route', async () => {
  const a = await createExperiment('multi a');
  const b = await createExperiment('multi b');
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/`);
  await link(page, 'multi a').waitFor();
  // A checkbox (shown on hover) for one, Ctrl-click for the other.
  await row(page, 'multi a').hover();
  await list(page).getByRole('checkbox', { name: 'Select multi a', exact: true }).check();
  assert.match(await page.getByTestId('selection-bar').textContent(), /1 selected/);
  await link(page, 'multi b').click({ modifiers: ['Control'] });
  assert.match(page.url(), /#\/$/, 'a Ctrl-click selects, it does not navigate');
  await page.getByRole('button', { name: 'View 2 together' }).click();
  await waitFor('the compare-experiments route', () => page.url().includes('#/compare-experiments/s?experiments='));
  const ids = JSON.parse(decodeURIComponent(page.url().split('experiments=')[1]));
  assert.deepEqual([...ids].sort(), [a, b].sort());
  // Both are highlighted as the page's experiments; the selection is cleared.
  await waitFor('both highlighted', async () => (await link(page, 'multi a').getAttribute('aria-current')) === 'page');
  assert.equal(await link(page, 'multi b').getAttribute('aria-current'), 'page');
  assert.equal(await page.getByTestId('selection-bar').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an experiment name with markup renders as text', async () => {
  await createExperiment(XSS);
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/`);
  await link(page, XSS).waitFor();
  assert.equal(await link(page, XSS).textContent(), XSS);
  // Its menu and dialogs name it as text too.
  const menu = await openMenu(page, XSS);
  await menu.getByRole('menuitem', { name: /Delete/ }).click();
  assert.match(await page.getByTestId('delete-experiment').textContent(), /<script>window\.pwned=1<\/script>/);
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the sidebar shows run counts', async () => {
  const { experimentId, runId } = await logRun(server.url, 'counted', 'one', { a: '1' });
  await mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name: 'two', start_time: Date.now() });
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/`);
  await link(page, 'counted').waitFor();
  await waitFor('the run count', async () => (await row(page, 'counted').locator('.count').textContent())?.trim() === '2');
  assert.match(await link(page, 'counted').getAttribute('title'), /counted — 2 runs · last run just now/);
  // A deleted run leaves the count (the run table does not list it either).
  await mlflow(server.url, 'runs/delete', { run_id: runId });
  await waitFor('the count without the deleted run', async () => (await row(page, 'counted').locator('.count').textContent())?.trim() === '1');
  assert.match(await link(page, 'counted').getAttribute('title'), /1 run \(\+1 deleted\)/);
  // An experiment without runs shows 0.
  await createExperiment('counted empty');
  await waitFor('a zero count', async () => (await row(page, 'counted empty').locator('.count').textContent())?.trim() === '0');
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- The experiment page's header (ExperimentHeader) ----

async function openHeader(page, hash) {
  await page.goto(`${server.url}/${hash}`);
  const header = page.getByTestId('experiment-header');
  await header.waitFor();
  return header;
}

test('header: rename in place, add / edit / delete tags', async () => {
  const id = await createExperiment('header name');
  await createExperiment('header taken');
  const { page, errors } = await openPage([/\/-\/call\/mlflow\/experiments\/update$/]);
  const header = await openHeader(page, `#/experiments/${id}`);
  const name = header.getByTestId('experiment-name');
  await waitFor('the name', async () => (await name.textContent()) === 'header name');
  assert.match(await header.textContent(), new RegExp(`mlflow-artifacts:/|${id}`));

  // Click the name, type, Enter. A taken name is refused inline; Esc cancels.
  await name.getByRole('button').click();
  const input = header.getByLabel('Experiment name');
  await input.fill('header taken');
  await input.press('Enter');
  await header.getByRole('alert').waitFor();
  assert.match(await header.getByRole('alert').textContent(), /already exists/i);
  await input.fill('header renamed');
  await input.press('Enter');
  await waitFor('the new name', async () => (await header.getByTestId('experiment-name').textContent()) === 'header renamed');
  assert.equal((await getExperiment(id)).name, 'header renamed');
  await link(page, 'header renamed').waitFor({ timeout: 2000 });
  await header.getByTestId('experiment-name').getByRole('button').click();
  await header.getByLabel('Experiment name').fill('not kept');
  await header.getByLabel('Experiment name').press('Escape');
  assert.equal(await header.getByTestId('experiment-name').textContent(), 'header renamed');

  // Tags.
  const tags = header.getByTestId('experiment-tags');
  await tags.getByRole('button', { name: '+ Add tag' }).click();
  await tags.getByLabel('Tag key').fill('team');
  await tags.getByLabel('Tag value').fill('vision <b>');
  await tags.getByRole('button', { name: 'Save' }).click();
  await tags.getByRole('button', { name: 'Delete tag team' }).waitFor();
  assert.equal(tagOf(await getExperiment(id), 'team'), 'vision <b>');
  assert.match(await tags.textContent(), /vision <b>/);
  await tags.getByTitle('Edit tag team').click();
  await tags.getByLabel('Tag value').fill('nlp');
  await tags.getByLabel('Tag value').press('Enter');
  await waitFor('the edited tag', async () => tagOf(await getExperiment(id), 'team') === 'nlp');
  await tags.getByRole('button', { name: 'Delete tag team' }).click();
  await tags.getByRole('button', { name: 'Delete tag team' }).waitFor({ state: 'detached' });
  assert.equal(tagOf(await getExperiment(id), 'team'), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test('header: the markdown description is edited in place and sanitized', async () => {
  const id = await createExperiment('described');
  const { page, errors } = await openPage();
  const header = await openHeader(page, `#/experiments/${id}`);
  const description = header.getByTestId('experiment-description');
  await description.getByRole('button', { name: '+ Add description' }).click();
  const text = `# Goal\n\nFind a **better** optimizer.\n\n${XSS}\n\n[docs](https://example.com)`;
  await description.getByLabel('Description').fill(text);
  await description.getByLabel('Description').press('Control+Enter');
  const html = header.getByTestId('experiment-description-html');
  await html.waitFor();
  assert.equal(await html.locator('h1').textContent(), 'Goal');
  assert.equal(await html.locator('strong').textContent(), 'better');
  assert.equal(await html.locator('script').count(), 0);
  assert.equal(await html.locator('[onerror]').count(), 0);
  assert.equal(await html.locator('a').getAttribute('target'), '_blank');
  assert.equal(tagOf(await getExperiment(id), 'mlflow.note.content'), text);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  // Esc cancels an edit; an empty description removes the tag.
  await description.getByRole('button', { name: 'Edit description' }).click();
  await description.getByLabel('Description').fill('not saved');
  await description.getByLabel('Description').press('Escape');
  assert.equal(await html.locator('strong').textContent(), 'better');
  assert.equal(tagOf(await getExperiment(id), 'mlflow.note.content'), text);

  // A long description is collapsed behind "Show more".
  const long = Array.from({ length: 40 }, (_, i) => `Line ${i + 1} of the notes.`).join('\n\n');
  await description.getByRole('button', { name: 'Edit description' }).click();
  await description.getByLabel('Description').fill(long);
  await description.getByRole('button', { name: 'Save' }).click();
  await description.getByRole('button', { name: 'Show more' }).waitFor();
  await description.getByRole('button', { name: 'Show more' }).click();
  await description.getByRole('button', { name: 'Show less' }).waitFor();

  await description.getByRole('button', { name: 'Edit description' }).click();
  await description.getByLabel('Description').fill('');
  await description.getByLabel('Description').press('Control+Enter');
  await description.getByRole('button', { name: '+ Add description' }).waitFor();
  assert.equal(tagOf(await getExperiment(id), 'mlflow.note.content'), undefined);
  // Chromium reports the blocked handler when DOMPurify parses the text (in an inert
  // document, under the page's CSP); nothing else may be logged.
  assert.deepEqual(errors.filter((e) => !/Executing inline event handler violates the following Content Security Policy/.test(e)), []);
  await page.close();
});

test('header: a deleted experiment has a Restore banner; several experiments show as chips', async () => {
  const a = await createExperiment('header gone');
  const b = await createExperiment('header other');
  await mlflow(server.url, 'experiments/delete', { experiment_id: a });
  const { page, errors } = await openPage();
  const header = await openHeader(page, `#/experiments/${a}`);
  const banner = header.getByTestId('deleted-banner');
  await banner.waitFor();
  await banner.getByRole('button', { name: 'Restore' }).click();
  await banner.waitFor({ state: 'detached' });
  assert.equal((await getExperiment(a)).lifecycle_stage, 'active');
  await link(page, 'header gone').waitFor({ timeout: 2000 });

  await page.goto(`${server.url}/#/compare-experiments/s?experiments=${encodeURIComponent(JSON.stringify([a, b]))}`);
  await waitFor('the multi header', async () => (await header.getByTestId('experiment-name').textContent()) === '2 experiments');
  await header.getByRole('link', { name: 'header other' }).waitFor();
  await header.getByRole('link', { name: 'header gone' }).click();
  await waitFor('the single experiment', () => page.url().endsWith(`#/experiments/${a}`));
  assert.deepEqual(errors, []);
  await page.close();
});
