// The chart benchmark's browser side (run by bench/charts.py): draw times of a
// 1,000,000-step history and of 50 runs × 10,000 steps in headless Chromium.
//   node bench-charts.mjs URL EXPERIMENT_ID BIG_RUN_ID RUN_ID,RUN_ID,…
// A draw is timed inside the page: from a change of x axis (which asks the backend for the
// series again) to uPlot's next `draw` of the card (its `data-drawn` counter moving).

import { launchChromium } from './lib.mjs';

const [url, exp, big, many] = process.argv.slice(2);
const context = await launchChromium({ viewport: { width: 1600, height: 1000 } }, 'runlens-bench-');

/**
 * Times from switching a card's x axis (which asks the backend for the series again) to the
 * card's first draw after the series answer arrived. The first switch is to an axis the
 * backend has not drawn this history on yet (it reads the whole history); later ones find its
 * sampled overview.
 */
async function timeDraws(page, card, modes) {
  const repeats = modes.length;
  const times = [];
  await page.locator(card).first().waitFor({ timeout: 60000 });
  await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, card, { timeout: 60000 });
  await page.waitForTimeout(500);
  for (let i = 0; i < repeats; i++) {
    const mode = modes[i];
    times.push(
      await page.evaluate(
        async ({ sel, mode }) => {
          const el = document.querySelector(sel);
          const select = el.querySelector('select');
          let answered = null;
          let drawnAtAnswer = 0;
          const realFetch = window.fetch;
          window.fetch = async (...args) => {
            const resp = await realFetch(...args);
            if (String(args[0]).includes('runlens/metrics/series')) {
              const json = resp.json.bind(resp);
              resp.json = async () => {
                const body = await json();
                answered = performance.now();
                drawnAtAnswer = Number(el.getAttribute('data-drawn'));
                return body;
              };
            }
            return resp;
          };
          const t0 = performance.now();
          select.value = mode;
          select.dispatchEvent(new Event('change', { bubbles: true }));
          const t1 = await new Promise((resolve, reject) => {
            const check = () => {
              if (answered !== null && Number(el.getAttribute('data-drawn')) > drawnAtAnswer) resolve(performance.now());
              else if (performance.now() - t0 > 30000) reject(new Error(`no draw after switching to ${mode}`));
              else requestAnimationFrame(check);
            };
            check();
          });
          window.fetch = realFetch;
          return t1 - t0;
        },
        { sel: card, mode },
      ),
    );
    await page.waitForTimeout(300);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  return { cold: times[0], warm: warm[Math.floor(warm.length / 2)] };
}

const page = await context.newPage();
await page.goto(`${url}/#/experiments/${exp}/runs/${big}?tab=metrics`);
const million = await timeDraws(page, '.chart-card[data-metric="loss"]', ['relative', 'step', 'relative', 'step', 'relative']);

const ids = many.split(',');
await page.goto(`${url}/#/compare-runs?runs=${encodeURIComponent(JSON.stringify(ids))}&experiments=${encodeURIComponent(JSON.stringify([exp]))}&tab=charts`);
const fifty = await timeDraws(page, '.chart-card', ['relative', 'step', 'relative', 'step', 'relative']);

await context.close();
console.log(JSON.stringify({ million_ms: million.cold, million_warm_ms: million.warm, fifty_ms: fifty.cold, fifty_warm_ms: fifty.warm }));
