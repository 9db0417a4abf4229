// The artifact browser and its previews, in Debian's Chromium through playwright-core.
// Artifacts are uploaded through MLflow's artifact proxy, then opened by their route.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, mlflow, startServer, tempDir } from './lib.mjs';

let server;
let context;
let experimentId;
let runId;

// ---- fixtures ------------------------------------------------------------------------

/** A 2×2 PNG (red, green, blue, transparent). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVQI1wXBAQEAAACAEP9PFyIJBQM/0gX7fbpsCQAAAABJRU5ErkJggg==',
  'base64',
);

/** An image in another format made by ImageMagick, or null when it is not installed. */
function convertImage(ext) {
  try {
    const dir = tempDir('runlens-img-');
    const out = join(dir, `img.${ext}`);
    execFileSync('convert', ['-size', '6x4', 'gradient:red-blue', out], { stdio: 'ignore' });
    return readFileSync(out);
  } catch {
    return null;
  }
}

/** A one-page PDF written by hand (Helvetica text), with a correct xref table. */
function minimalPdf(text) {
  const content = `BT /F1 28 Tf 30 90 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** 0.1 s of a 1 kHz tone: 8 kHz, 16-bit mono PCM. */
function wav() {
  const rate = 8000;
  const n = 800;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + n * 2, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(Math.sin((i / 8) * 2 * Math.PI) * 8000), 44 + i * 2);
  return b;
}

/** A .npy file (format 1.0) holding a 2×3 float64 array. */
function npy() {
  let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const pre = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre);
  pre.writeUInt16LE(header.length, 8);
  const data = Buffer.from(new Float64Array([1, 2, 3, 4, 5, 6.5]).buffer);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), data]);
}

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
run_id: 0123456789abcdef0123456789abcdef
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

const SCRIPTED_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" onload="top.pwned=1"><script>top.pwned=2</script><rect width="40" height="20" fill="teal"/></svg>';
const SCRIPTED_HTML = '<!doctype html><h1>Sandboxed page</h1><script>try{top.pwned=3}catch(e){}</script>';
const SCRIPTED_MD = '# Notes\n\n<script>top.pwned=4</script><img src=x onerror="top.pwned=5">\n\nSome **bold** text.\n';

const BIG_LOG = Array.from({ length: 30000 }, (_, i) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(40)}`).join('\n') + '\n';
const BIG_CSV = 'i,square\n' + Array.from({ length: 110000 }, (_, i) => `${i},${i * i}`).join('\n') + '\n';

const WEIRD = 'weird dir/a b#c%d+e ünï 日本.txt';

const FILES = {
  'images/dot.png': PNG,
  'images/scripted.svg': SCRIPTED_SVG,
  'images/SHOUT.PNG': PNG,
  'code/train.py': 'import numpy as np\n\ndef train(lr: float = 0.1):\n    """Fit."""\n    return np.zeros(3)  # done\n',
  'logs/stdout.log': 'epoch 1 loss 0.9\nepoch 2 loss 0.5\n',
  'logs/big.log': BIG_LOG,
  'notes.txt': 'plain notes\n',
  'config.json': JSON.stringify({ name: 'resnet', layers: [64, 128, 256], nested: { deep: { deeper: true } }, evil: '<img src=x onerror="top.pwned=6">' }),
  'params.yaml': 'optimizer:\n  name: adam\n  lr: 0.001\nlayers:\n  - 32\n  - 64\n',
  'broken.json': '{"a": 1,,}',
  'tables/data.csv': 'n,name,score\n3,gamma,0.3\n1,alpha,10\n2,beta,2\n',
  'tables/data.tsv': 'n\tname\n2\tb\n1\ta\n',
  'tables/big.csv': BIG_CSV,
  'README.md': '# Model card\n\nTrained on **iris**.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n',
  'scripted.md': SCRIPTED_MD,
  'report.html': SCRIPTED_HTML,
  'docs/paper.pdf': minimalPdf('Hello PDF'),
  'media/tone.wav': wav(),
  'media/clip.mp4': Buffer.from('not really a video'),
  'model/MLmodel': MLMODEL,
  'model/requirements.txt': 'mlflow==2.12.1\nscikit-learn==1.4.0\n',
  'model/conda.yaml': 'name: mlflow-env\ndependencies:\n  - python=3.11.7\n',
  'model/python_env.yaml': 'python: 3.11.7\n',
  'model/input_example.json': '{"columns": ["a"], "data": [[1]]}',
  'arrays/weights.npy': npy(),
  'data/small.parquet': readFileSync(join(import.meta.dirname, 'fixtures', 'small.parquet')),
  'blob.bin': Buffer.from([0, 1, 2, 3, 0, 255, 254]),
  'notes.xyz': 'this looks like text\n',
  'empty.txt': '',
  'tree/top.bin': Buffer.alloc(2048, 7),
  'tree/a/b/deep.txt': 'deep down\n',
  [WEIRD]: 'unicode and reserved characters\n',
};

for (const ext of ['jpg', 'gif', 'bmp', 'webp', 'tiff']) {
  const bytes = convertImage(ext);
  if (bytes) FILES[`images/gradient.${ext}`] = bytes;
}

// ---- helpers -------------------------------------------------------------------------

/** Uploads one artifact through `PUT /api/2.0/mlflow-artifacts/artifacts/<root>/<path>`. */
async function upload(root, path, body) {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const resp = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${root}/${encoded}`, { method: 'PUT', body });
  assert.ok(resp.ok, `upload ${path}: ${resp.status} ${await resp.text()}`);
}

function route(path, run = runId, exp = experimentId) {
  const segs = path.split('/').filter(Boolean).map(encodeURIComponent);
  return `${server.url}/#/experiments/${encodeURIComponent(exp)}/runs/${encodeURIComponent(run)}/artifacts${segs.length ? '/' + segs.join('/') : ''}`;
}

async function openPage() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} @ ${m.location()?.url ?? ''}`));
  return { page, errors };
}

/** Opens an artifact by its route and waits for its preview pane. */
async function preview(path) {
  const { page, errors } = await openPage();
  await page.goto(route(path));
  const pane = page.getByTestId('artifact-preview');
  await pane.waitFor();
  assert.equal(await page.getByTestId('preview-name').textContent(), path.split('/').pop(), 'the preview names the file');
  return { page, errors, pane };
}

async function noErrors(errors, allow = []) {
  const left = errors.filter((e) => !allow.some((re) => re.test(e)));
  assert.deepEqual(left, [], 'no page or console errors');
}

// ---- setup ---------------------------------------------------------------------------

before(async () => {
  server = await startServer();
  context = await launchChromium({ acceptDownloads: true });
  ({ experiment_id: experimentId } = await mlflow(server.url, 'experiments/create', { name: 'artifact previews' }));
  const { run } = await mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name: 'with artifacts', start_time: Date.now() });
  runId = run.info.run_id;
  const root = run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
  for (const [path, body] of Object.entries(FILES)) await upload(root, path, body);
  await mlflow(server.url, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
});

after(async () => {
  await context?.close();
  server?.stop();
});

// ---- the tree ------------------------------------------------------------------------

test('the tree lists folders and files with sizes, and opens the folders on the way to a file', async () => {
  const { page, errors } = await openPage();
  await page.goto(route('tree/a/b/deep.txt'));
  await page.getByTestId('artifact-preview').waitFor();
  const tree = page.getByTestId('artifact-tree');
  for (const dir of ['tree', 'tree/a', 'tree/a/b']) {
    assert.equal(await tree.locator(`[data-path="${dir}"]`).getAttribute('aria-expanded'), 'true', `${dir} is expanded`);
  }
  const deep = tree.locator('[data-path="tree/a/b/deep.txt"]');
  assert.equal(await deep.getAttribute('aria-selected'), 'true');
  assert.match(await deep.textContent(), /deep\.txt\s*10 B/);
  assert.match(await tree.locator('[data-path="tree/top.bin"]').textContent(), /2 KB/);
  // Folders sort first; a collapsed folder opens on click and lists its files lazily.
  const first = await tree.locator('[role="treeitem"]').first().getAttribute('data-path');
  assert.equal(first, 'arrays');
  await tree.locator('[data-path="media"]').click();
  await tree.locator('[data-path="media/tone.wav"]').waitFor();
  assert.match(await tree.locator('[data-path="media/tone.wav"]').textContent(), /1\.6\d? KB/);
  assert.match(await page.getByTestId('artifact-browser').textContent(), /mlflow-artifacts:\//, 'the root URI is shown');
  await noErrors(errors);
  await page.close();
});

test('the tree is keyboard-navigable: arrows move and open folders, Enter opens a file', async () => {
  const { page, errors } = await openPage();
  await page.goto(route('logs/stdout.log'));
  await page.getByTestId('artifact-preview').waitFor();
  const tree = page.getByTestId('artifact-tree');
  await tree.locator('[data-path="logs/stdout.log"]').focus();
  await page.keyboard.press('ArrowUp'); // logs/big.log
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => decodeURIComponent(location.hash).endsWith('/artifacts/logs/big.log'));
  await page.getByTestId('artifact-preview').getByText(/line 000000/).waitFor();
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-path'));
  assert.equal(await focused(), 'logs/big.log', 'focus stays on the row after Enter (the run page must not re-mount the browser)');
  await page.keyboard.press('ArrowLeft'); // to the folder
  assert.equal(await focused(), 'logs');
  await page.keyboard.press('ArrowLeft'); // collapse it
  assert.equal(await tree.locator('[data-path="logs"]').getAttribute('aria-expanded'), 'false');
  await page.keyboard.press('ArrowRight'); // expand again
  await tree.locator('[data-path="logs/big.log"]').waitFor();
  await page.keyboard.press('ArrowRight'); // into the folder
  assert.equal(await focused(), 'logs/big.log');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => decodeURIComponent(location.hash).endsWith('/artifacts/logs/stdout.log'));
  await noErrors(errors);
  await page.close();
});

test('names with spaces, #, %, + and unicode open by their route', async () => {
  const { page, errors, pane } = await preview(WEIRD);
  await pane.getByTestId('code').waitFor();
  assert.equal(await pane.getByTestId('code').textContent(), 'unicode and reserved characters\n');
  const row = page.getByTestId('artifact-tree').locator('[aria-selected="true"]');
  assert.equal(await row.getAttribute('data-path'), WEIRD);
  // Clicking it in the tree gives the same route.
  await page.goto(route('notes.txt'));
  await page.getByTestId('artifact-tree').locator('[data-path="notes.txt"][aria-selected="true"]').waitFor();
  await page.getByTestId('artifact-tree').locator(`[data-path="${WEIRD}"]`).click();
  await page.waitForFunction((p) => location.hash.endsWith(p), WEIRD.split('/').map(encodeURIComponent).join('/'));
  await pane.getByText('unicode and reserved characters').waitFor();
  // The download link names the file and fetches its bytes.
  const href = await pane.getByTestId('download').getAttribute('href');
  const body = await (await fetch(new URL(href, server.url))).text();
  assert.equal(body, 'unicode and reserved characters\n');
  await noErrors(errors);
  await page.close();
});

test('a missing path says so, and a run without artifacts says it has none', async () => {
  const { page, errors } = await openPage();
  await page.goto(route('no/such/file.txt'));
  await page.getByText('No artifact at this path').waitFor();
  const { run } = await mlflow(server.url, 'runs/create', { experiment_id: experimentId, run_name: 'empty', start_time: Date.now() });
  await page.goto(route('', run.info.run_id));
  await page.getByTestId('no-artifacts').waitFor();
  await page.getByText('This run has no artifacts').waitFor();
  await noErrors(errors);
  await page.close();
});

test('a folder route lists the folder', async () => {
  const { page, errors } = await openPage();
  await page.goto(route('model'));
  await page.getByRole('link', { name: 'requirements.txt' }).waitFor();
  assert.equal(await page.getByTestId('artifact-tree').locator('[data-path="model"]').getAttribute('aria-expanded'), 'true');
  await noErrors(errors);
  await page.close();
});

// ---- images --------------------------------------------------------------------------

test('images show through <img>, with their size', async () => {
  const { page, errors, pane } = await preview('images/dot.png');
  await pane.getByText('2 × 2 px').waitFor();
  assert.equal(await pane.getByTestId('image').getAttribute('src'), `/get-artifact?run_uuid=${runId}&path=images%2Fdot.png`);
  await page.goto(route('images/SHOUT.PNG'));
  await pane.getByText('2 × 2 px').waitFor();
  for (const ext of ['jpg', 'gif', 'bmp', 'webp']) {
    if (!FILES[`images/gradient.${ext}`]) continue;
    await page.goto(route(`images/gradient.${ext}`));
    await pane.getByText('6 × 4 px').waitFor({ timeout: 5000 });
  }
  await noErrors(errors);
  await page.close();
});

test('a TIFF the webview cannot decode says so and offers the download', { skip: !FILES['images/gradient.tiff'] }, async () => {
  const { page, errors, pane } = await preview('images/gradient.tiff');
  // Chromium has no TIFF decoder; a webview that has one shows the picture.
  await pane.locator('[data-testid="image-unsupported"], :text("6 × 4 px")').first().waitFor();
  if (await pane.getByTestId('image-unsupported').count()) {
    assert.match(await pane.getByTestId('image-unsupported').textContent(), /TIFF images can't be shown here/);
    assert.ok(await pane.getByTestId('image-unsupported').getByRole('link', { name: 'Download' }).count());
  }
  await noErrors(errors);
  await page.close();
});

test('a scripted SVG is shown as an image and its scripts never run', async () => {
  const { page, errors, pane } = await preview('images/scripted.svg');
  await pane.getByText('40 × 20 px').waitFor();
  assert.equal(await pane.locator('svg:not([aria-hidden="true"])').count(), 0, 'the SVG is not inlined');
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  // Its source is text.
  await pane.getByRole('button', { name: 'Source' }).click();
  await pane.getByTestId('code').waitFor();
  assert.match(await pane.getByTestId('code').textContent(), /top\.pwned=2/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await noErrors(errors);
  await page.close();
});

// ---- text ----------------------------------------------------------------------------

test('code is highlighted and logs are shown as text', async () => {
  const { page, errors, pane } = await preview('code/train.py');
  await pane.locator('code .hljs-keyword').first().waitFor();
  assert.equal(await pane.getByTestId('code').textContent(), FILES['code/train.py']);
  assert.ok(await pane.locator('code .hljs-comment').count(), 'a comment is highlighted');
  await page.goto(route('logs/stdout.log'));
  await pane.getByText('epoch 2 loss 0.5').waitFor();
  assert.match(await pane.textContent(), /Plain text · 2 lines/);
  await noErrors(errors);
  await page.close();
});

test('a large log is read 256 KiB at a time with Load more', async () => {
  const { page, errors, pane } = await preview('logs/big.log');
  await pane.getByRole('button', { name: 'Load more' }).waitFor();
  const first = (await pane.getByTestId('code').textContent()).length;
  assert.equal(first, 256 * 1024);
  assert.match(await pane.textContent(), /Showing 256 KB of 1\.\d+ MB/);
  await pane.getByRole('button', { name: 'Load more' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="code"]').textContent.length === 512 * 1024);
  assert.equal(await pane.locator('code .hljs-keyword').count(), 0, 'not highlighted');
  await noErrors(errors);
  await page.close();
});

// ---- structured ----------------------------------------------------------------------

test('JSON is a collapsible tree; strings in it stay text', async () => {
  const { page, errors, pane } = await preview('config.json');
  const tree = pane.getByTestId('structured-tree');
  await tree.waitFor();
  assert.match(await tree.textContent(), /name:\s*"resnet"/);
  assert.match(await tree.textContent(), /"<img src=x onerror=\\"top\.pwned=6\\">"/);
  // Depth 2 is open, deeper levels are collapsed until clicked.
  const deeper = tree.getByRole('button', { name: /^deep\b/ });
  assert.equal(await deeper.getAttribute('aria-expanded'), 'false');
  await deeper.click();
  assert.match(await tree.textContent(), /deeper:\s*true/);
  await pane.getByRole('button', { name: 'Collapse all' }).click();
  assert.match(await tree.textContent(), /nested:\s*\{\s*1 key\s*\}/);
  assert.doesNotMatch(await tree.textContent(), /deeper/);
  await pane.getByRole('button', { name: 'Expand all' }).click();
  assert.match(await tree.textContent(), /deeper:\s*true/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  // Raw source, highlighted.
  await pane.getByRole('button', { name: 'Source' }).click();
  await pane.locator('code .hljs-attr').first().waitFor();
  await noErrors(errors);
  await page.close();
});

test('YAML is a tree; invalid JSON is reported inline with its text', async () => {
  const { page, errors, pane } = await preview('params.yaml');
  const tree = pane.getByTestId('structured-tree');
  await tree.waitFor();
  assert.match(await tree.textContent(), /optimizer:\s*\{\s*name:\s*"adam"\s*lr:\s*0\.001/);
  assert.match(await tree.textContent(), /layers:\s*\[\s*0:\s*32\s*1:\s*64/);
  await page.goto(route('broken.json'));
  await pane.getByRole('alert').waitFor();
  assert.match(await pane.getByRole('alert').textContent(), /not valid JSON/);
  await pane.getByTestId('code').waitFor();
  await noErrors(errors);
  await page.close();
});

test('CSV and TSV are sortable tables; a big CSV shows its first rows', async () => {
  const { page, errors, pane } = await preview('tables/data.csv');
  const table = pane.getByTestId('csv-table');
  await table.waitFor();
  const column = (i) => table.locator('tbody tr').evaluateAll((rows, i) => rows.map((r) => r.children[i].textContent), i);
  assert.deepEqual(await column(2), ['gamma', 'alpha', 'beta']);
  await table.getByRole('button', { name: 'score' }).click();
  assert.deepEqual(await column(3), ['0.3', '2', '10'], 'numbers sort as numbers');
  await table.getByRole('button', { name: /score/ }).click();
  assert.deepEqual(await column(3), ['10', '2', '0.3']);
  await table.getByRole('button', { name: /name/ }).click();
  assert.deepEqual(await column(2), ['alpha', 'beta', 'gamma']);
  assert.match(await pane.getByTestId('table-summary').textContent(), /3 rows × 3 columns/);

  await page.goto(route('tables/data.tsv'));
  await pane.getByTestId('table-summary').getByText('2 rows × 2 columns').waitFor();
  assert.deepEqual(await column(2), ['b', 'a']);

  await page.goto(route('tables/big.csv'));
  await pane.getByTestId('table-summary').getByText(/First [\d,]+ rows of a larger file/).waitFor();
  assert.equal(await table.locator('tbody tr').count(), 500, 'the first 500 rows are drawn');
  await pane.getByRole('button', { name: 'Show more rows' }).waitFor();
  await noErrors(errors);
  await page.close();
});

// ---- documents -----------------------------------------------------------------------

test('markdown is rendered, sanitized', async () => {
  const { page, errors, pane } = await preview('README.md');
  const md = pane.getByTestId('markdown');
  await md.waitFor();
  assert.equal(await md.locator('h1').textContent(), 'Model card');
  assert.equal(await md.locator('strong').textContent(), 'iris');
  assert.equal(await md.locator('table td').count(), 2);
  await noErrors(errors);
  await page.close();
});

test('scripted markdown runs nothing', async () => {
  const { page, errors, pane } = await preview('scripted.md');
  await pane.getByTestId('markdown').locator('strong').waitFor();
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await pane.locator('script').count(), 0);
  assert.equal(await pane.locator('[onerror]').count(), 0);
  // Sanitizing parses the markdown's HTML in an inert document; Chromium still reports the
  // inline handler it sees there against the app's CSP (and blocks it). That report is expected.
  // (The directive allows the page's own boot script by its hash, nothing else inline.)
  await noErrors(errors, [/^Executing inline event handler violates the following Content Security Policy directive 'script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')?'/]);
  await page.close();
});

test('HTML is shown in a sandboxed frame that cannot reach the app', async () => {
  const { page, errors, pane } = await preview('report.html');
  const frame = pane.getByTestId('html-frame');
  await frame.waitFor();
  assert.equal(await frame.getAttribute('sandbox'), 'allow-scripts', 'no allow-same-origin');
  assert.match(await frame.getAttribute('src'), /\/get-artifact\?.*preview=1/);
  // The page renders inside the frame, in an opaque origin.
  const inner = page.frameLocator('[data-testid="html-frame"]');
  assert.equal(await inner.locator('h1').textContent(), 'Sandboxed page');
  assert.equal(await inner.locator('html').evaluate(() => window.origin), 'null');
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await noErrors(errors);
  await page.close();
});

test('a PDF is drawn page by page on canvases', async () => {
  const { page, errors, pane } = await preview('docs/paper.pdf');
  await pane.getByTestId('pdf-pages').getByText('1 page').waitFor({ timeout: 15000 });
  const canvas = pane.getByTestId('pdf-page');
  await page.waitForSelector('[data-testid="pdf-page"][data-rendered="true"]', { timeout: 15000 });
  const inked = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128 && d[i + 3] > 0) dark++;
    return dark;
  });
  assert.ok(inked > 50, `the page has text drawn on it (${inked} dark pixels)`);
  await noErrors(errors);
  await page.close();
});

// ---- media ---------------------------------------------------------------------------

test('audio plays from the artifact URL; video gets a <video> element', async () => {
  const { page, errors, pane } = await preview('media/tone.wav');
  const audio = pane.getByTestId('audio');
  await audio.waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="audio"]').readyState >= 1);
  const duration = await audio.evaluate((a) => a.duration);
  assert.ok(Math.abs(duration - 0.1) < 0.01, `duration ${duration}`);
  await page.goto(route('media/clip.mp4'));
  const video = pane.getByTestId('video');
  await video.waitFor();
  assert.match(await video.getAttribute('src'), /\/get-artifact\?.*clip\.mp4/);
  assert.equal(await video.getAttribute('controls'), '');
  await noErrors(errors);
  await page.close();
});

// ---- ML files ------------------------------------------------------------------------

test('an MLmodel file is summarized: flavors, signature, example, environment files', async () => {
  const { page, errors, pane } = await preview('model/MLmodel');
  const card = pane.getByTestId('mlmodel');
  await card.waitFor();
  const text = await card.textContent();
  assert.match(text, /5b9d0c3e2f7a4f1c8d6e0a1b2c3d4e5f/);
  assert.match(text, /2\.12\.1/);
  assert.match(text, /2024-05-01 10:20:30/);
  assert.equal(await card.getByTestId('flavor').count(), 2);
  assert.match(await card.getByTestId('flavor').first().textContent(), /loader_module\s*mlflow\.sklearn/);
  assert.match(await card.getByTestId('flavor').first().textContent(), /env\.conda\s*conda\.yaml/);
  assert.match(await card.getByTestId('flavor').nth(1).textContent(), /sklearn_version\s*1\.4\.0/);
  const inputs = await card.getByTestId('signature-inputs').textContent();
  assert.match(inputs, /sepal length \(cm\)\s*double/);
  assert.match(inputs, /petal width \(cm\)\s*double\s*optional/);
  assert.match(await card.getByTestId('signature-outputs').textContent(), /tensor\s*dtype int64 · shape \(-1\)/);
  assert.equal(await card.getByTestId('signature-params').count(), 0, 'no params');
  assert.match(text, /pandas_orient\s*split/);
  const links = card.getByTestId('mlmodel-siblings').getByRole('link');
  await links.first().waitFor();
  assert.deepEqual(await links.allTextContents(), ['requirements.txt', 'conda.yaml', 'python_env.yaml', 'input_example.json']);
  await links.first().click();
  await pane.getByText('scikit-learn==1.4.0').waitFor();
  await noErrors(errors);
  await page.close();
});

test('a .npy file shows its shape, dtype, element count and first values', async () => {
  const { page, errors, pane } = await preview('arrays/weights.npy');
  await pane.getByTestId('npy-info').waitFor();
  assert.equal(await pane.getByTestId('npy-shape').textContent(), '(2, 3)');
  assert.match(await pane.getByTestId('npy-dtype').textContent(), /float64 \(<f8\)/);
  assert.equal(await pane.getByTestId('npy-count').textContent(), '6');
  assert.match(await pane.textContent(), /48 B/);
  assert.match(await pane.locator('table').textContent(), /1\.\s*2\.\s*3\.\s*1\s*4\.\s*5\.\s*6\.5/);
  await noErrors(errors);
  await page.close();
});

test('a .parquet file shows its schema, row count and first rows', async () => {
  const { page, errors, pane } = await preview('data/small.parquet');
  await pane.getByTestId('parquet-info').waitFor();
  assert.equal(await pane.getByTestId('parquet-rows').textContent(), '5');
  const schema = await pane.getByTestId('parquet-schema').textContent();
  assert.match(schema, /id\s*INT64/);
  assert.match(schema, /name\s*STRING \(BYTE_ARRAY\)/);
  assert.match(schema, /score\s*DOUBLE/);
  assert.match(schema, /ok\s*BOOLEAN/);
  const rows = pane.getByTestId('parquet-rows-table');
  await rows.waitFor();
  assert.match(await rows.locator('tbody tr').first().textContent(), /1\s*alpha\s*0\.5\s*true/);
  assert.equal(await rows.locator('tbody tr').count(), 5);
  await noErrors(errors);
  await page.close();
});

// ---- anything else -------------------------------------------------------------------

test('other files show their info, and text-like ones can be shown as text', async () => {
  const { page, errors, pane } = await preview('blob.bin');
  await pane.getByTestId('file-info').waitFor();
  await pane.getByText('binary').waitFor();
  assert.equal(await pane.getByRole('button', { name: 'Show as text' }).count(), 0);
  assert.ok(await pane.getByTestId('download').count());
  await page.goto(route('empty.txt'));
  await pane.getByText('This file is empty.').waitFor();
  await page.goto(route('notes.xyz'));
  await pane.getByRole('button', { name: 'Show as text' }).click();
  await pane.getByTestId('code').getByText('this looks like text').waitFor();
  await noErrors(errors);
  await page.close();
});

test('the Artifacts tab of a run page shows the browser', async () => {
  const { page, errors } = await openPage();
  await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
  await page.getByRole('tab', { name: 'Artifacts' }).click();
  await page.getByTestId('artifact-tree').waitFor();
  await page.getByText('Select a file to preview it').waitFor();
  await page.getByTestId('artifact-tree').locator('[data-path="notes.txt"]').click();
  await page.getByTestId('artifact-preview').getByText('plain notes').waitFor();
  if (process.env.SCREENSHOT_DIR) {
    await page.goto(route('model/MLmodel'));
    await page.getByTestId('mlmodel-siblings').waitFor();
    await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/artifacts-mlmodel.png` });
    await page.goto(route('code/train.py'));
    await page.locator('code .hljs-keyword').first().waitFor();
    await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/artifacts-code.png` });
  }
  await noErrors(errors);
  await page.close();
});

// Keep the generated fixtures inspectable when a test fails.
if (process.env.ARTIFACT_FIXTURES_DIR) {
  for (const [p, b] of Object.entries(FILES)) writeFileSync(join(process.env.ARTIFACT_FIXTURES_DIR, p.replace(/\//g, '__')), b);
}
