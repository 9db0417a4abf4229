// The chart benchmark's browser side (run by bench/charts.py): draw times of a
// 1,000,000-step history and of 50 runs × 10,000 steps in headless Chromium.
//   node bench-charts.mjs URL EXPERIMENT_ID BIG_RUN_ID RUN_ID,RUN_ID,…
// A draw is timed inside the page: from a change of x axis (which asks the backend for the
// series again) to uPlot's next `draw` of the card (its `data-drawn` counter moving).

import { chromium } from 'playwright-core';
import { tempDir } from './lib.mjs';

const [url, exp, big, many] = process.argv.slice(2);
const context = await chromium.launchPersistentContext(tempDir('runlens-bench-'), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1600, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

/** Median time from switching a card's x axis to its next draw, alternating step/relative. */
async function timeDraws(page, card, repeats = 5) {
  const times = [];
  await page.locator(card).first().waitFor({ timeout: 60000 });
  await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, card, { timeout: 60000 });
  for (let i = 0; i < repeats; i++) {
    const mode = i % 2 === 0 ? 'relative' : 'step';
    times.push(
      await page.evaluate(
        async ({ sel, mode }) => {
          const el = document.querySelector(sel);
          const before = Number(el.getAttribute('data-drawn'));
          const select = el.querySelector('select');
          const t0 = performance.now();
          select.value = mode;
          select.dispatchEvent(new Event('change', { bubbles: true }));
          await new Promise((resolve) => {
            const check = () => (Number(el.getAttribute('data-drawn')) > before ? resolve() : requestAnimationFrame(check));
            check();
          });
          return performance.now() - t0;
        },
        { sel: card, mode },
      ),
    );
    await page.waitForTimeout(200);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const page = await context.newPage();
await page.goto(`${url}/#/experiments/${exp}/runs/${big}?tab=metrics`);
const million = await timeDraws(page, '.chart-card[data-metric="loss"]');

const ids = many.split(',');
await page.goto(`${url}/#/compare-runs?runs=${encodeURIComponent(JSON.stringify(ids))}&experiments=${encodeURIComponent(JSON.stringify([exp]))}&tab=charts`);
const fifty = await timeDraws(page, '.chart-card');

await context.close();
console.log(JSON.stringify({ million_ms: million, fifty_ms: fifty }));
