// A presentation as ONE self-contained HTML file that opens in any browser, offline, without
// Runlens: every slide is drawn now — charts as SVG from the Rust side and artifact images,
// both embedded as data: URIs in <img>; comparison tables as HTML with every value escaped;
// text slides as the sanitized HTML of lib/markdown.ts. A small inline script (allowed by the
// file's CSP through its hash, nothing else may run) steps through the slides.

import { backend, toApiError } from '../api/backend';
import { renderChart } from '../charts/api';
import { renderMarkdown } from '../lib/markdown';
import { loadCompare } from './compare';
import { fileName, slideLabel, type Presentation, type Slide } from './model';
import { CHART_H, CHART_W, dataUri, imageMime, readWhole, slideSpec } from './render';
import { SLIDE_CSS, tableFontSize } from './theme';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value: `& < > " '` escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The sanitized markdown, with images that are not embedded (remote URLs) replaced by their alt text. */
function markdownHtml(md: string): string {
  const doc = new DOMParser().parseFromString(`<body>${renderMarkdown(md)}</body>`, 'text/html');
  for (const img of Array.from(doc.body.querySelectorAll('img'))) {
    const src = img.getAttribute('src') ?? '';
    if (!/^data:image\//i.test(src)) {
      const alt = img.getAttribute('alt');
      img.replaceWith(doc.createTextNode(alt ? `[${alt}]` : ''));
    }
  }
  // Nothing else may load from outside the file either.
  for (const el of Array.from(doc.body.querySelectorAll('[srcset], source, video, audio, picture, link'))) el.remove();
  return doc.body.innerHTML;
}

/** A CSS colour that is only a colour (a user's override could hold anything). */
function safeColor(c: string): string {
  return /^#[0-9a-f]{3,8}$/i.test(c) || /^[a-z]{3,20}$/i.test(c) ? c : '#868e96';
}

async function chartHtml(slide: Slide & { kind: 'chart' }): Promise<string> {
  const svg = await renderChart(slideSpec(slide), 'svg', CHART_W, CHART_H);
  return `<figure class="rl-figure rl-chart"><img src="${dataUri(svg, 'image/svg+xml')}" alt="${escapeHtml(slideLabel(slide))}"></figure>`;
}

async function compareHtml(slide: Slide & { kind: 'compare' }): Promise<string> {
  const t = await loadCompare(slide);
  const params = t.rows.filter((r) => r.section === 'param');
  const metrics = t.rows.filter((r) => r.section === 'metric');
  const fs = tableFontSize(t.rows.length + (params.length ? 1 : 0) + (metrics.length ? 1 : 0), t.runs.length + 1);
  const cols = t.runs.length + 1;
  const head = t.runs
    .map((r) => `<th${r.missing ? ' class="rl-missing"' : ''} title="${escapeHtml(r.missing ?? r.run_id)}"><span class="rl-dot" style="background:${safeColor(r.color)}"></span>${escapeHtml(r.name)}</th>`)
    .join('');
  let body = '';
  if (params.length) {
    body += `<tr class="rl-section"><th colspan="${cols}">Params</th></tr>`;
    for (const row of params) {
      body += `<tr><td class="rl-key" title="${escapeHtml(row.key)}">${escapeHtml(row.key)}</td>${row.cells.map((c) => `<td title="${escapeHtml(c)}">${escapeHtml(c)}</td>`).join('')}</tr>`;
    }
  }
  if (metrics.length) {
    body += `<tr class="rl-section"><th colspan="${cols}">Metrics</th></tr>`;
    for (const row of metrics) {
      const dir = row.direction === 'min' ? '<span class="rl-dir" title="lower is better">↓</span>' : '<span class="rl-dir" title="higher is better">↑</span>';
      body += `<tr><td class="rl-key" title="${escapeHtml(row.key)}">${escapeHtml(row.key)}${dir}</td>${row.cells
        .map((c, i) => `<td${row.best.includes(i) ? ' class="rl-best"' : ''} title="${escapeHtml(c)}">${escapeHtml(c)}</td>`)
        .join('')}</tr>`;
    }
  }
  let out = `<div class="rl-table-wrap"><table class="rl-table" style="--rl-fs:${fs}cqw"><thead><tr><th></th>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
  if (t.hidden > 0) out += `<p class="rl-note">and ${t.hidden} more ${t.hidden === 1 ? 'row' : 'rows'}</p>`;
  if (!t.rows.length) out += '<p class="rl-note">These runs have no params or metrics to compare.</p>';
  return out;
}

async function imageHtml(slide: Slide & { kind: 'image' }): Promise<string> {
  const mime = imageMime(slide.path);
  const caption = `<p class="rl-caption">${escapeHtml(slide.path)}</p>`;
  if (!mime.startsWith('image/')) return `<p class="rl-error">${escapeHtml(slide.path)} is not an image.</p>${caption}`;
  const bytes = await readWhole(slide.run_id, slide.path);
  return `<figure class="rl-figure rl-image"><img src="${dataUri(bytes, mime)}" alt="${escapeHtml(slideLabel(slide))}"></figure>${caption}`;
}

/** One slide's markup (the same as SlideView.svelte's); a slide that fails says why. */
async function slideHtml(slide: Slide, index: number, total: number): Promise<string> {
  const titleOnly = slide.kind === 'text' && !slide.markdown.trim();
  let body = '';
  if (!titleOnly) {
    try {
      if (slide.kind === 'chart') body = await chartHtml(slide);
      else if (slide.kind === 'compare') body = await compareHtml(slide);
      else if (slide.kind === 'image') body = await imageHtml(slide);
      else body = `<div class="rl-md">${markdownHtml(slide.markdown)}</div>`;
    } catch (e) {
      body = `<p class="rl-error">${escapeHtml(`Could not draw this slide: ${toApiError(e).message}`)}</p>`;
    }
    body = `<div class="rl-slide-body">${body}</div>`;
  }
  const title = slide.title.trim() || titleOnly ? `<h2 class="rl-slide-title">${escapeHtml(slide.title.trim() || 'Untitled')}</h2>` : '';
  return `<section class="rl-slide${titleOnly ? ' rl-title-only' : ''}" data-kind="${slide.kind}" aria-label="Slide ${index + 1} of ${total}"><div class="rl-in">${title}${body}</div></section>`;
}

// The page around the slides. Without the script every slide shows, one under the other (and
// one per printed page); with it, one slide fills the window.
const PAGE_CSS = `
html,body{margin:0;background:#07080a;color:#e9edf3;font-family:Inter,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
.deck{display:flex;flex-direction:column;align-items:center;gap:24px;padding:24px}
.deck .rl-slide{max-width:1280px;border-radius:10px;box-shadow:0 10px 40px rgba(0,0,0,.5)}
.bar{display:none}
html.js,html.js body{height:100%;overflow:hidden}
html.js .deck{height:100%;padding:0;display:grid;place-items:center}
html.js .deck .rl-slide{display:none;grid-area:1/1;width:min(100vw,177.78vh);max-width:none;border-radius:0;box-shadow:none}
html.js .deck .rl-slide.current{display:block}
html.js .bar{display:flex;position:fixed;right:14px;bottom:12px;gap:6px;align-items:center;font-size:13px;color:#8d96a8;opacity:.25;transition:opacity .2s}
html.js .bar:hover,html.js .bar:focus-within{opacity:1}
.bar button{background:#1b1f27;color:#e9edf3;border:1px solid #2b313c;border-radius:7px;padding:4px 10px;font:inherit;cursor:pointer}
.bar button:hover{background:#262b35}
.num{font-variant-numeric:tabular-nums;padding:0 6px}
@media print{html.js,html.js body{height:auto;overflow:visible}html.js .deck{display:block}html.js .deck .rl-slide,.deck .rl-slide{display:block;width:100%;max-width:none;break-after:page;box-shadow:none;border-radius:0}.bar{display:none!important}}
`;

const SCRIPT = `(function(){
var d=document,s=d.querySelectorAll('.deck .rl-slide'),n=s.length,i=0,num=d.getElementById('num');
d.documentElement.className='js';
function go(k){i=Math.max(0,Math.min(n-1,k));for(var j=0;j<n;j++){s[j].classList.toggle('current',j===i);s[j].setAttribute('aria-hidden',j===i?'false':'true');}
num.textContent=(i+1)+' / '+n;try{history.replaceState(null,'','#'+(i+1));}catch(e){}}
function fs(){var e=d.documentElement;if(d.fullscreenElement){d.exitFullscreen();}else if(e.requestFullscreen){e.requestFullscreen().catch(function(){});}}
d.addEventListener('keydown',function(e){if(e.altKey||e.ctrlKey||e.metaKey)return;var k=e.key;
if(k==='ArrowRight'||k==='ArrowDown'||k==='PageDown'||k==='Enter'||(k===' '&&!e.shiftKey)){go(i+1);}
else if(k==='ArrowLeft'||k==='ArrowUp'||k==='PageUp'||k==='Backspace'||(k===' '&&e.shiftKey)){go(i-1);}
else if(k==='Home'){go(0);}else if(k==='End'){go(n-1);}else if(k==='f'||k==='F'){fs();}else{return;}e.preventDefault();});
d.getElementById('prev').onclick=function(e){e.stopPropagation();go(i-1);};
d.getElementById('next').onclick=function(e){e.stopPropagation();go(i+1);};
d.getElementById('full').onclick=function(e){e.stopPropagation();fs();};
d.querySelector('.deck').addEventListener('click',function(e){if(e.target.closest('a'))return;go(e.clientX<innerWidth/4?i-1:i+1);});
var h=parseInt(location.hash.slice(1),10);go(h>0?h-1:0);
})();`;

/** `sha256-…` of a script, for the CSP; null where WebCrypto is unavailable (an insecure context). */
async function scriptHash(script: string): Promise<string | null> {
  if (!crypto.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(script)));
  let bin = '';
  for (const b of digest) bin += String.fromCharCode(b);
  return `'sha256-${btoa(bin)}'`;
}

/** The whole file. `onProgress(done, total)` is called after each slide. */
export async function presentationHtml(p: Presentation, onProgress?: (done: number, total: number) => void): Promise<string> {
  const total = p.slides.length;
  const slides: string[] = [];
  for (let i = 0; i < total; i++) {
    slides.push(await slideHtml(p.slides[i], i, total));
    onProgress?.(i + 1, total);
  }
  if (total === 0) slides.push('<section class="rl-slide rl-title-only" aria-label="Slide 1 of 1"><div class="rl-in"><h2 class="rl-slide-title">This presentation has no slides</h2></div></section>');
  const hash = await scriptHash(SCRIPT);
  const csp = `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src ${hash ?? "'unsafe-inline'"}; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Runlens">
<title>${escapeHtml(p.title)}</title>
<style>${PAGE_CSS}${SLIDE_CSS}</style>
</head>
<body>
<main class="deck">
${slides.join('\n')}
</main>
<div class="bar" role="toolbar" aria-label="Slides"><button id="prev" type="button" aria-label="Previous slide">‹</button><span class="num" id="num" aria-live="polite"></span><button id="next" type="button" aria-label="Next slide">›</button><button id="full" type="button" title="Full screen (F)">Full screen</button></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** Builds the file and saves it (a save dialog on the desktop, a download in a browser). */
export async function exportHtml(p: Presentation, onProgress?: (done: number, total: number) => void): Promise<void> {
  const html = await presentationHtml(p, onProgress);
  await backend.saveText(fileName(p.title, 'html'), html, 'text/html');
}

/** Chart slides as 1920×1080 PNGs, saved together; resolves to how many were saved. */
export async function exportPngs(p: Presentation, onProgress?: (done: number, total: number) => void): Promise<number> {
  const charts = p.slides.map((s, i) => [s, i] as const).filter((x): x is readonly [Slide & { kind: 'chart' }, number] => x[0].kind === 'chart');
  const files: { name: string; bytes: Uint8Array }[] = [];
  for (const [slide, i] of charts) {
    // A picture on its own: the slide's title becomes the chart's.
    const bytes = await renderChart({ ...slide.spec, title: slide.title.trim() || slide.spec.title }, 'png', 1920, 1080);
    files.push({ name: `${String(i + 1).padStart(2, '0')}-${fileName(slideLabel(slide), 'png')}`, bytes });
    onProgress?.(files.length, charts.length);
  }
  if (files.length) await backend.saveFiles(files);
  return files.length;
}
