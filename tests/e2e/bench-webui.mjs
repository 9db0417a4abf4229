// The web UI benchmark's browser side (run by bench/webui.py): time from navigation to the
// first run row of an experiment, in MLflow's own UI and in Runlens's, in headless Chromium.
//   node bench-webui.mjs URL HASH TEXT [LATER] [FIRSTS]
// URL is http://127.0.0.1:PORT. Prints JSON, every figure a list (one per visit), timed inside
// the page from navigation start to the first frame holding a run's name. FIRSTS browsers are
// started, each with a fresh profile, and each makes two visits:
//   new_browser_ms: its first page, the same page on http://localhost:PORT (another origin:
//     nothing it caches or stores is seen by the next visit); the browser's disk cache,
//     storage and fonts are set up during this visit;
//   first_ms: then the page on URL: a first visit in a running browser (empty cache and
//     storage for that origin);
// and in the last browser, LATER times:
//   warm_ms: a new page on URL, the cache warm.
// *_outside_ms: the same visits timed from Node (page.goto to the page's answer that the frame
// came, CDP round trips included).

import { launchChromium } from './lib.mjs';

const [url, hash, text, laterArg, firstsArg] = process.argv.slice(2);
const other = url.replace('//127.0.0.1:', '//localhost:');
const later = Number(laterArg ?? 3);
const firsts = Number(firstsArg ?? 1);
const viewport = { width: 1600, height: 1000 };

// Inside the page, before any of its scripts: each frame, just before it is drawn, looks for
// the text in the DOM; the first frame that holds it is when the row appears (time since
// navigation start). textContent, unlike innerText, forces no layout, so the watch does not
// slow the page it watches.
// Node waits on a promise the page resolves then (one call, no polling: a probe every few
// milliseconds would run on the page's main thread while it loads, slowing the faster page
// most).
async function watched(context) {
  await context.addInitScript((t) => {
    let seen;
    window.__firstRow = new Promise((resolve) => (seen = resolve));
    const frame = () => {
      if (document.body && document.body.textContent.includes(t)) seen(performance.now());
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }, text);
  return context;
}

async function visit(context, base = url) {
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`${base}/${hash}`, { waitUntil: 'commit', timeout: 120000 });
  const inside = await page.evaluate(() => window.__firstRow);
  const outside = Date.now() - t0;
  await page.close();
  // The closed page's process winds down before the next visit starts, not during it.
  await new Promise((r) => setTimeout(r, 500));
  return { inside, outside };
}

const out = { first_ms: [], warm_ms: [], new_browser_ms: [], first_outside_ms: [], warm_outside_ms: [], new_browser_outside_ms: [] };
const push = (kind, v) => {
  out[`${kind}_ms`].push(v.inside);
  out[`${kind}_outside_ms`].push(v.outside);
};

let context;
for (let i = 0; i < firsts; i++) {
  await context?.close();
  context = await watched(await launchChromium({ viewport }, 'runlens-bench-webui-'));
  push('new_browser', await visit(context, other));
  push('first', await visit(context));
}
for (let i = 0; i < later; i++) push('warm', await visit(context));
await context.close();
console.log(JSON.stringify(out));
