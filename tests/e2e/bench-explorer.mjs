// The explorer benchmark's browser side (run by bench/explorer.py): opens an experiment of
// 100,000 runs in headless Chromium against `runlens serve` and prints JSON timings.
//   node bench-explorer.mjs URL EXPERIMENT_ID [REPEATS]

import { launchChromium } from './lib.mjs';

const [url, exp, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg ?? 3);

const context = await launchChromium({ viewport: { width: 1600, height: 1000 } }, 'runlens-bench-');

// Records when the first run row is in the DOM, measured from navigation start.
await context.addInitScript(() => {
  const seen = () => {
    if (document.querySelector('[data-run-id]')) {
      window.__firstRows = performance.now();
      return true;
    }
    return false;
  };
  const obs = new MutationObserver(() => seen() && obs.disconnect());
  document.addEventListener('DOMContentLoaded', () => obs.observe(document.body, { childList: true, subtree: true }));
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = { first_rows_ms: [], sort_ms: [], filter_ms: [], scroll_frame_ms: null, scroll_p95_ms: null };

for (let i = 0; i < repeats; i++) {
  const page = await context.newPage();
  await page.goto(`${url}/#/experiments/${exp}`);
  await page.evaluate(() => localStorage.clear());
  // A cold page each time: a new document (the server may have the view cached; that is
  // what a user gets too after the first visit).
  await page.goto('about:blank');
  await page.goto(`${url}/#/experiments/${exp}`);
  await page.waitForFunction(() => window.__firstRows !== undefined, null, { timeout: 60000 });
  out.first_rows_ms.push(await page.evaluate(() => window.__firstRows));
  await page.getByLabel('Nested').uncheck();
  await page.waitForTimeout(300);
  await page.locator('[data-column^="metrics."]').first().waitFor();

  // Sort by a metric: click to the first row changing.
  const metricColumn = await page.locator('[data-column^="metrics."]').nth(i % 3).getAttribute('data-column');
  out.sort_ms.push(
    await page.evaluate(async (col) => {
      const first = document.querySelector('[data-run-id]')?.getAttribute('data-run-id');
      const t0 = performance.now();
      document.querySelector(`[data-column="${col}"] .label-btn`).click();
      await new Promise((resolve) => {
        const check = () => {
          const now = document.querySelector('[data-run-id]')?.getAttribute('data-run-id');
          if (now && now !== first) resolve();
          else requestAnimationFrame(check);
        };
        check();
      });
      return performance.now() - t0;
    }, metricColumn),
  );

  // Apply a filter: Enter to the run count changing.
  const threshold = [0.01, 0.02, 0.05, 0.1, 0.2][i % 5];
  out.filter_ms.push(
    await page.evaluate(async ({ col, threshold }) => {
      const count = document.querySelector('[data-testid="run-count"]');
      const before = count.textContent;
      const input = document.querySelector('input[aria-label="Filter runs"]');
      input.value = `${col.replace('@min', '').replace('@max', '')} < ${threshold}`;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      const t0 = performance.now();
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      await new Promise((resolve) => {
        const check = () => (count.textContent !== before && !/Loading/.test(count.textContent) ? resolve() : requestAnimationFrame(check));
        check();
      });
      return performance.now() - t0;
    }, { col: metricColumn, threshold }),
  );

  if (i === repeats - 1) {
    // Scroll frame time: clear the filter, then scroll 200 frames of 600 px through the table.
    await page.locator('.filter-box').getByRole('button', { name: 'Clear the filter' }).click();
    await page.waitForFunction(() => /100,000/.test(document.querySelector('[data-testid="run-count"]')?.textContent ?? ''));
    const frames = await page.evaluate(async () => {
      const el = document.querySelector('[data-testid="runs-table"]');
      const times = [];
      let last = performance.now();
      for (let f = 0; f < 200; f++) {
        el.scrollTop += 600;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      return times;
    });
    frames.sort((a, b) => a - b);
    out.scroll_frame_ms = frames[Math.floor(frames.length / 2)];
    out.scroll_p95_ms = frames[Math.floor(frames.length * 0.95)];
  }
  await page.close();
}

await context.close();
console.log(
  JSON.stringify({
    first_rows_ms: median(out.first_rows_ms),
    sort_ms: median(out.sort_ms),
    filter_ms: median(out.filter_ms),
    scroll_frame_ms: out.scroll_frame_ms,
    scroll_p95_ms: out.scroll_p95_ms,
    samples: out,
  }),
);
