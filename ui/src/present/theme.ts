// The look of a slide, one stylesheet for the app (thumbnails, presenting) and the exported
// HTML file, so a slide looks the same everywhere. Sizes are in container units (`cqw`, a
// hundredth of the slide's width, so they apply inside `.rl-slide`, the container): a
// thumbnail is the full slide, smaller.

export const SLIDE_CSS = `
.rl-slide{position:relative;display:block;width:100%;aspect-ratio:16/9;container-type:inline-size;overflow:hidden;background:#101318;color:#e9edf3;font-family:Inter,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;line-height:1.35;text-align:left;box-sizing:border-box;-webkit-font-smoothing:antialiased}
.rl-slide *{box-sizing:border-box}
.rl-in{position:absolute;inset:0;display:flex;flex-direction:column;padding:3.2cqw 4.2cqw 2.6cqw;gap:1.6cqw}
.rl-slide-title{margin:0;font-size:3.2cqw;font-weight:700;letter-spacing:-0.01em;line-height:1.15;overflow-wrap:anywhere;flex:none;color:#fff}
.rl-slide-body{flex:1 1 auto;min-height:0;display:flex;flex-direction:column;gap:1cqw}
.rl-figure{flex:1 1 auto;min-height:0;display:flex;align-items:center;justify-content:center;margin:0}
.rl-figure img{max-width:100%;max-height:100%;object-fit:contain;display:block;border-radius:.6cqw}
.rl-chart img{width:100%;height:100%;background:#fff}
.rl-image img{width:100%;height:100%}
.rl-caption{font-size:1.15cqw;color:#8d96a8;margin:0;flex:none;overflow-wrap:anywhere}
.rl-title-only .rl-in{justify-content:center;padding:0 9cqw}
.rl-title-only .rl-slide-title{font-size:5.4cqw;line-height:1.1}
.rl-title-only .rl-slide-title::after{content:'';display:block;width:7cqw;height:.45cqw;margin-top:2.4cqw;border-radius:.3cqw;background:linear-gradient(90deg,#4c6ef5,#12b886)}
.rl-md{font-size:2.15cqw;overflow:hidden;overflow-wrap:anywhere;min-height:0;color:#dde2ea}
.rl-md>:first-child{margin-top:0}
.rl-md h1{font-size:1.75em;margin:.15em 0 .4em;line-height:1.15;color:#fff}
.rl-md h2{font-size:1.4em;margin:.5em 0 .35em;color:#fff}
.rl-md h3,.rl-md h4,.rl-md h5,.rl-md h6{font-size:1.15em;margin:.5em 0 .3em;color:#fff}
.rl-md p,.rl-md ul,.rl-md ol{margin:.45em 0}
.rl-md li{margin:.2em 0}
.rl-md ul,.rl-md ol{padding-left:1.3em}
.rl-md code{font-family:ui-monospace,'JetBrains Mono',Menlo,Consolas,monospace;background:#1f242e;padding:.08em .3em;border-radius:.25em;font-size:.88em}
.rl-md pre{background:#1a1e26;padding:.7em .9em;border-radius:.45em;overflow:hidden;font-size:.78em;line-height:1.4}
.rl-md pre code{background:none;padding:0}
.rl-md a{color:#91a7ff}
.rl-md img{max-width:100%;max-height:30cqw}
.rl-md blockquote{border-left:.3cqw solid #3b4356;margin:.5em 0;padding-left:1em;color:#b7bfcc}
.rl-md table{border-collapse:collapse;font-size:.8em}
.rl-md th,.rl-md td{border:1px solid #2b313c;padding:.25em .6em}
.rl-md hr{border:none;border-top:1px solid #2b313c;margin:.8em 0}
.rl-table-wrap{flex:1 1 auto;min-height:0;overflow:hidden}
.rl-table{border-collapse:collapse;width:100%;font-size:var(--rl-fs,1.6cqw);font-variant-numeric:tabular-nums}
.rl-table th,.rl-table td{padding:.32em .7em;border-bottom:1px solid #242933;text-align:right;white-space:nowrap;max-width:24cqw;overflow:hidden;text-overflow:ellipsis}
.rl-table th:first-child,.rl-table td:first-child{text-align:left}
.rl-table thead th{color:#fff;font-weight:700;border-bottom:2px solid #394050;vertical-align:bottom}
.rl-dot{display:inline-block;width:.62em;height:.62em;border-radius:50%;margin-right:.4em}
.rl-table .rl-section th{color:#8d96a8;text-transform:uppercase;font-size:.7em;letter-spacing:.08em;padding-top:1em;text-align:left;font-weight:700;border-bottom-color:#394050}
.rl-key{color:#c4cad6;font-weight:500}
.rl-dir{color:#6c7485;font-weight:400;margin-left:.3em}
.rl-table td.rl-best{background:rgba(81,207,102,.16);color:#8ce99a;font-weight:700}
.rl-note{color:#8d96a8;font-size:1.15cqw;margin:0}
.rl-missing{color:#ff8787}
.rl-error{color:#ff8787;font-size:1.6cqw;margin:auto;text-align:center;max-width:80%;overflow-wrap:anywhere}
.rl-loading{color:#6c7485;font-size:1.6cqw;margin:auto}
`;

/** Adds the slide stylesheet to the app's document once. */
export function ensureSlideCss() {
  if (document.getElementById('runlens-slide-css')) return;
  const el = document.createElement('style');
  el.id = 'runlens-slide-css';
  el.textContent = SLIDE_CSS;
  document.head.appendChild(el);
}

/** The font size of a comparison table (in cqw) that fits its rows and columns on the slide. */
export function tableFontSize(rows: number, columns: number): number {
  const byRows = 40 / (2.1 * (rows + 2));
  const byCols = 88 / (columns * 7.5);
  return Math.max(0.6, Math.min(1.9, byRows, byCols));
}
