// The web UI benchmark's browser side (run by bench/webui.py): time from navigation to the
// first run row of an experiment, in MLflow's own UI and in Runlens's, in headless Chromium.
//   node bench-webui.mjs URL HASH TEXT [REPEATS]
// Prints JSON: {first_ms, warm_ms: [...]}: the first visit (a fresh profile: nothing cached)
// and later visits (a new page each time, the browser cache warm), timed inside the page from
// navigation start to the first frame holding a run's name; *_outside_ms: the same visits
// timed from Node (page.goto to the page's answer that the frame came, CDP round trips included).

import { launchChromium } from './lib.mjs';

const [url, hash, text, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg ?? 3);
const context = await launchChromium({ viewport: { width: 1600, height: 1000 } }, 'runlens-bench-webui-');

// Inside the page, before any of its scripts: each frame, just before it is drawn, looks for
// the text in the DOM; the first frame that holds it is when the row appears (time since
// navigation start). textContent, unlike innerText, forces no layout, so the watch does not
// slow the page it watches.
// Node waits on a promise the page resolves then (one call, no polling: a probe every few
// milliseconds would run on the page's main thread while it loads, slowing the faster page
// most).
await context.addInitScript((t) => {
  let seen;
  window.__firstRow = new Promise((resolve) => (seen = resolve));
  const frame = () => {
    if (document.body && document.body.textContent.includes(t)) seen(performance.now());
    else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}, text);

async function visit() {
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`${url}/${hash}`, { waitUntil: 'commit', timeout: 120000 });
  const inside = await page.evaluate(() => window.__firstRow);
  const outside = Date.now() - t0;
  await page.close();
  // The closed page's process winds down before the next visit starts, not during it.
  await new Promise((r) => setTimeout(r, 500));
  return { inside, outside };
}

const first = await visit();
const out = { first_ms: first.inside, warm_ms: [], first_outside_ms: first.outside, warm_outside_ms: [] };
for (let i = 0; i < repeats; i++) {
  const v = await visit();
  out.warm_ms.push(v.inside);
  out.warm_outside_ms.push(v.outside);
}
await context.close();
console.log(JSON.stringify(out));
