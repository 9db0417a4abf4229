// The boot script's first paint of an experiment's runs: the page as the app draws it (the
// sidebar, the experiment's header, the toolbar and the table's first rows), built as plain
// HTML from the answers the boot script already has, before the app's code has run. It uses
// the app's own styles: the components drawn here get fixed scoped class names
// (vite.config.ts, BOOT_COMPONENTS), so `rl-RunTable` here is the class RunTable.svelte's CSS
// targets. The app replaces it in the task that mounts it (start.ts), so the two are never on
// screen together. A view it cannot draw the way the app would (grouped rows, a description
// in Markdown) is not drawn: the app draws it. It carries none of the app's data-* hooks:
// what finds the app's rows finds the app's, never these.

import type { Experiment } from '../api/types';
import { runColor } from '../lib/colors';
import { formatCount, formatTime } from '../lib/format';
import { experimentHref, runHref } from '../lib/router';
import { NAME, ROW, columnLayout, columnWidth } from '../table/layout';
import { columnLabel, isNumericColumn, parseColumn, serverColumn, type RunRow, type TablePage } from '../table/model';
import { cellText } from '../table/cells';
import { dataColumns } from '../table/request';
import type { FirstTable } from './calls';

export interface Summary {
  experiment_id: string;
  active_runs: number;
}

export interface BootData {
  table: FirstTable;
  page: TablePage;
  experiment: Experiment;
  experiments: Experiment[] | null;
  summary: Summary[] | null;
  origin: string;
  /** The window's size: only the rows and columns in it are drawn. */
  width: number;
  height: number;
  now: number;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text or an attribute value, escaped: everything drawn here comes from the store. */
const e = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);

const NOTE = 'mlflow.note.content';
const SIDEBAR = 248;
// Where the table's first row starts at the least: below the header, toolbar and column heads.
const HEAD = 290;

/** The page's HTML, or null when the app would draw it otherwise than this can. */
export function bootHtml(d: BootData): string | null {
  const { table, page, experiment } = d;
  if (table.experimentIds.length !== 1 || table.view.groupBy) return null;
  if (page.rows.some((r) => r.kind !== 'run')) return null;
  if (experiment.tags?.some((t) => t.key === NOTE && t.value)) return null;
  return `<div class="shell" data-boot aria-busy="true">${sidebar(d)}<main class="content"><div class="explorer rl-ExperimentView">${header(experiment)}${toolbar(d)}${statusLine(d)}<div class="table-area rl-ExperimentView">${grid(d)}</div></div></main></div>`;
}

function sidebar(d: BootData): string {
  const S = 'rl-Sidebar';
  const counts = new Map((d.summary ?? []).map((s) => [String(s.experiment_id), s.active_runs]));
  const rows = (d.experiments ?? [])
    .map((x) => {
      const current = x.experiment_id === d.experiment.experiment_id;
      const count = d.summary ? `<span class="count ${S}" aria-hidden="true">${counts.get(x.experiment_id) ?? 0}</span>` : `<span class="${S}"></span>`;
      return `<div class="row ${S}${current ? ' active' : ''}"><input type="checkbox" class="check ${S}" aria-label="Select ${e(x.name)}"><a href="${e(experimentHref(x.experiment_id))}" class="${S}"${current ? ' aria-current="page"' : ''}>${e(x.name)}</a>${count}<button class="more ${S}" aria-label="Actions for ${e(x.name)}" aria-haspopup="menu" aria-expanded="false"><svg viewBox="0 0 16 16" aria-hidden="true" class="${S}"><circle cx="3.5" cy="8" r="1.3" class="${S}"></circle><circle cx="8" cy="8" r="1.3" class="${S}"></circle><circle cx="12.5" cy="8" r="1.3" class="${S}"></circle></svg></button></div>`;
    })
    .join('');
  const total = d.experiments ? `<span class="total ${S}">${d.experiments.length}</span>` : '';
  const links = [
    ['#/import', 'Import from MLflow…'],
    ['#/presentations', 'Presentations'],
    ['#/models', 'Models'],
    ['#/settings', 'Settings'],
  ]
    .map(([href, text]) => `<a class="import-link ${S}" href="${href}">${text}</a>`)
    .join('');
  return `<aside class="sidebar ${S}"><a class="brand ${S}" href="#/"><span class="logo ${S}" aria-hidden="true"></span>Runlens</a>${links}<div class="search-wrap ${S}"><svg class="search-icon ${S}" viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="4.5" class="${S}"></circle><path d="M10.5 10.5 14 14" class="${S}"></path></svg><input class="search ${S}" type="search" placeholder="Search experiments" aria-label="Search experiments" spellcheck="false"></div><div class="section-head ${S}"><span class="section-title ${S}">Experiments${total}</span><button class="icon-btn ${S}" title="New experiment" aria-label="New experiment"><svg viewBox="0 0 16 16" aria-hidden="true" class="${S}"><path d="M8 3v10M3 8h10" class="${S}"></path></svg></button></div><div class="lists ${S}"><nav aria-label="Experiments" class="${S}">${rows}</nav></div><button class="toggle-deleted ${S}" aria-pressed="false"><span class="switch ${S}" aria-hidden="true"></span>Show deleted</button><div class="tracking ${S}"><span class="label ${S}">Log from Python</span><code class="${S}">${e(d.origin)}</code><button class="link ${S}">Copy</button></div></aside>`;
}

function header(x: Experiment): string {
  const H = 'rl-ExperimentHeader';
  const deleted = x.lifecycle_stage === 'deleted';
  const banner = deleted
    ? `<div class="banner ${H}"><span class="${H}"><strong class="${H}">This experiment is deleted.</strong> Its runs stay readable here; restore it to list it again and log into it.</span> <button class="${H}">Restore</button></div>`
    : '';
  const updated =
    x.last_update_time && x.last_update_time !== x.creation_time ? `<div class="${H}"><dt class="${H}">Updated</dt><dd class="${H}">${e(formatTime(x.last_update_time))}</dd></div>` : '';
  const tags = (x.tags ?? [])
    .filter((t) => !t.key.startsWith('mlflow.'))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((t) => `<span class="tag ${H}"><button class="tag-body ${H}" title="Edit tag ${e(t.key)}"><span class="k ${H}">${e(t.key)}</span>${t.value ? `<span class="v ${H}">${e(t.value)}</span>` : ''}</button><button class="tag-x ${H}" aria-label="Delete tag ${e(t.key)}" title="Delete tag">×</button></span>`)
    .join('');
  return `<header class="exp-head ${H}">${banner}<div class="top ${H}"><div class="title-block ${H}"><p class="crumb ${H}">Experiment <code class="${H}">${e(x.experiment_id)}</code></p><h1 class="${H}"><button class="name ${H}" title="Rename">${e(x.name)}</button></h1></div><div class="actions ${H}"></div></div><dl class="facts ${H}"><div class="${H}"><dt class="${H}">ID</dt><dd class="${H}"><code class="${H}">${e(x.experiment_id)}</code></dd></div><div class="${H}"><dt class="${H}">Created</dt><dd class="${H}">${e(formatTime(x.creation_time))}</dd></div>${updated}<div class="location ${H}"><dt class="${H}">Artifacts</dt><dd class="${H}"><code title="${e(x.artifact_location)}" class="${H}">${e(x.artifact_location || '—')}</code></dd></div></dl><div class="tags ${H}">${tags}<button class="add ${H}">+ Add tag</button></div><section class="description ${H}"><button class="link add-description ${H}">+ Add description</button></section></header>`;
}

function toolbar(d: BootData): string {
  const V = 'rl-ExperimentView';
  const F = 'rl-FilterBox';
  const filter = d.table.view.filter;
  const clear = filter ? `<button class="clear ${F}" type="button" title="Clear the filter" aria-label="Clear the filter">×</button>` : '';
  const placeholder = "Filter runs: metrics.rmse < 1 and params.model = 'tree'   (press /)";
  const box = `<div class="filter-box ${F}"><div class="field ${F}"><span class="icon ${F}" aria-hidden="true">⌕</span><input aria-label="Filter runs" aria-invalid="false" aria-autocomplete="list" placeholder="${e(placeholder)}" spellcheck="false" autocomplete="off" value="${e(filter)}" class="${F}">${clear}<button type="button" class="apply ${F}">Apply</button></div></div>`;
  return `<div class="seg mode ${V}" role="group" aria-label="Show runs as"><button class="on ${V}" aria-pressed="true">Table</button><button class="${V}" aria-pressed="false">Charts</button></div><div class="toolbar ${V}">${box}<div class="seg ${V}" role="group" aria-label="Which runs"><button class="on ${V}" aria-pressed="true">Active</button><button class="${V}" aria-pressed="false">Deleted</button></div><label class="select ${V}"><span class="${V}">Group</span> <select aria-label="Group by" class="${V}"><option value="" class="${V}">None</option></select></label><label class="toggle ${V}" title="Show child runs under their parent"><input type="checkbox"${d.table.view.tree ? ' checked' : ''} class="${V}"> Nested</label><div class="chooser-anchor ${V}"><button class="secondary ${V}" aria-expanded="false">Columns</button></div><button class="secondary ${V}" title="Export exactly this view as CSV">Export CSV</button></div>`;
}

function statusLine(d: BootData): string {
  const V = 'rl-ExperimentView';
  const { view } = d.table;
  const runs = d.page.runs;
  let s = `<span><strong class="${V}">${formatCount(runs)}</strong> ${runs === 1 ? 'run' : 'runs'}${view.filter ? ' match' : ''}</span>`;
  if (view.hiddenRuns.length > 0) {
    s += `<span class="dim ${V}">· ${view.hiddenRuns.length} hidden</span><button class="link ${V}">Show</button><button class="link ${V}">Unhide all</button>`;
  }
  if (view.pinnedRuns.length > 0) s += `<span class="dim ${V}">· ${view.pinnedRuns.length} pinned</span>`;
  s += `<span class="spacer ${V}"></span><span class="hint dim ${V}">j/k move · Enter open · x select · / filter</span>`;
  return `<div class="status-line ${V}">${s}</div>`;
}

function grid(d: BootData): string {
  const T = 'rl-RunTable';
  const { view, columns } = d.table;
  const widthOf = (c: string) => columnWidth(view.widths, c);
  const { boxes: layout, totalWidth } = columnLayout(columns, view.pinnedColumns, view.widths);
  // Only what the window shows: the columns left of its right edge (the sidebar takes
  // SIDEBAR of it) and the rows above its bottom (the first starts HEAD down at the least). The app,
  // drawn a moment later, adds the few it keeps ready beyond the edges for scrolling.
  const visible = layout.filter((c) => c.pinned || c.x < d.width - SIDEBAR);
  // As RunTable.svelte's sortOf: the request's sort keys are the server's columns.
  const sorts = d.table.request.sort;
  const sortOf = (c: string) => sorts.find((s) => s.column === serverColumn(c, view.directions) || s.column === c);
  const place = (c: { w: number; x: number; pinned: boolean }) => `width: ${c.w}px; ${c.pinned ? `left: ${c.x}px` : ''}`;

  const byName = sortOf('attributes.run_name');
  let head = `<div class="head ${T}" style="width: ${totalWidth}px" role="row"><div class="cell name pinned ${T}" style="width: ${widthOf(NAME)}px; left: 0" role="columnheader"><span class="label ${T}">Run</span><button class="sort ${T}${byName ? ' on' : ''}" aria-label="Sort by run name">${byName ? (byName.ascending ? '▲' : '▼') : '↕'}</button><span class="grip ${T}" role="separator" aria-orientation="vertical"></span></div>`;
  for (const c of visible) {
    const s = sortOf(c.id);
    const p = parseColumn(c.id);
    const label = columnLabel(c.id, view.directions);
    const arrow = s ? `<span class="arrow ${T}">${s.ascending ? '▲' : '▼'}${sorts.length > 1 ? `<sub class="${T}">${sorts.indexOf(s) + 1}</sub>` : ''}</span>` : '';
    head += `<div class="cell h ${T}${c.pinned ? ' pinned' : ''}${isNumericColumn(c.id) ? ' num' : ''}" style="${place(c)}" role="columnheader" tabindex="-1" aria-sort="${s ? (s.ascending ? 'ascending' : 'descending') : 'none'}" title="${e(c.id)}"><button class="label-btn ${T}"><span class="entity ${T}">${p.entity === 'attributes' ? '' : e(p.entity.slice(0, -1))}</span><span class="label ${T}">${e(label)}</span>${arrow}</button><button class="menu ${T}" aria-label="Column options for ${e(label)}">⋮</button><span class="grip ${T}" role="separator" aria-orientation="vertical"></span></div>`;
  }
  head += '</div>';

  const cellIndex = new Map(dataColumns(columns).map((c, i) => [c, i]));
  const count = Math.min(d.page.rows.length, Math.ceil(Math.max(0, d.height - HEAD) / ROW));
  let rows = '';
  for (let i = 0; i < count; i++) {
    const r = d.page.rows[i] as RunRow;
    const name = r.run_name || r.run_id;
    const kids = r.children > 0;
    let cells = '';
    for (const c of visible) {
      const title = c.id === 'attributes.start_time' ? ` title="${e(formatTime(r.start_time ?? undefined))}"` : '';
      const text =
        c.id === 'attributes.status'
          ? `<span class="badge badge-${e(r.status.toLowerCase())} rl-StatusBadge" title="${e(r.status)}">${e(r.status.charAt(0) + r.status.slice(1).toLowerCase())}</span>`
          : e(cellText(r, c.id, cellIndex, d.now));
      cells += `<div class="cell ${T}${c.pinned ? ' pinned' : ''}${isNumericColumn(c.id) ? ' num' : ''}" style="${place(c)}"${title}>${text}</div>`;
    }
    const twisty = kids
      ? `<button class="twisty ${T}" aria-expanded="false" aria-label="Expand child runs of ${e(r.run_name)}">▸</button>`
      : `<span class="twisty-space ${T}"></span>`;
    rows += `<div class="row ${T}${r.lifecycle_stage === 'deleted' ? ' deleted' : ''}" style="width: ${totalWidth}px" role="row" aria-rowindex="${i + 1}" aria-selected="false" tabindex="-1"><div class="cell name pinned ${T}" style="width: ${widthOf(NAME)}px; left: 0"><input type="checkbox" aria-label="Select ${e(name)}" class="${T}"><span class="indent ${T}" style="width: ${r.depth * 16}px"></span>${twisty}<span class="dot ${T}" style="background: ${e(runColor(r.run_id))}" aria-hidden="true"></span><a href="${e(runHref(r.experiment_id, r.run_id))}" title="${e(name)}" class="${T}">${e(name)}</a>${r.pulled ? `<span class="pulled ${T}" title="Pulled from a tracking server" aria-label="Pulled from a tracking server">⇣</span>` : ''}${kids ? `<span class="kids ${T}" title="${r.children} child runs">${r.children}</span>` : ''}<span class="actions ${T}"><button class="act ${T}${r.pinned ? ' on' : ''}" title="${r.pinned ? 'Unpin' : 'Pin to the top'}" aria-label="${r.pinned ? 'Unpin run' : 'Pin run'}">${r.pinned ? '★' : '☆'}</button><button class="act ${T}" title="Hide this run" aria-label="Hide run">⊘</button></span></div>${cells}</div>`;
  }
  const body = `<div class="body ${T}" style="height: ${d.page.total_rows * ROW}px; width: ${totalWidth}px"><div class="rows ${T}" style="transform: translateY(0px)">${rows}</div></div>`;
  return `<div class="grid ${T}" role="grid" aria-rowcount="${d.page.total_rows}" tabindex="-1">${head}${body}</div>`;
}
