// The web UI benchmark's browser side (run by bench/webui.py): time from navigation to the
// first run row of an experiment, in MLflow's own UI and in Runlens's, in headless Chromium.
//   node bench-webui.mjs URL HASH TEXT [REPEATS]
// Prints JSON: {first_ms, warm_ms: [...]}: the first visit (a fresh profile: nothing cached)
// and later visits (a new page each time, the browser cache warm).

import { launchChromium } from './lib.mjs';

const [url, hash, text, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg ?? 3);
const context = await launchChromium({ viewport: { width: 1600, height: 1000 } }, 'runlens-bench-webui-');

async function visit() {
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`${url}/${hash}`, { waitUntil: 'commit' });
  // The first run row is there when its name is on screen.
  await page.waitForFunction((t) => document.body && document.body.innerText.includes(t), text, { timeout: 120000, polling: 10 });
  const ms = Date.now() - t0;
  await page.close();
  return ms;
}

const out = { first_ms: await visit(), warm_ms: [] };
for (let i = 0; i < repeats; i++) out.warm_ms.push(await visit());
await context.close();
console.log(JSON.stringify(out));
