import { resolve } from 'node:path';
import { build, defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The boot script (src/boot/inline.ts) goes into the page itself, first in its head: it asks
// the page's first questions before the app's code is even read, and draws an experiment's
// first rows from the answers. `runlens serve` allows it by its hash (crates/runlens-server,
// page_csp); Tauri adds the hash of every inline script to the window's CSP at build time.
function bootScript(): Plugin {
  return {
    name: 'runlens-boot-script',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      async handler(html, ctx) {
        const out = await build({
          configFile: false,
          logLevel: 'warn',
          build: {
            write: false,
            target: 'es2022',
            minify: true,
            lib: { entry: 'src/boot/inline.ts', formats: ['iife'], name: 'runlensBoot' },
          },
        });
        const result = Array.isArray(out) ? out[0] : out;
        if (!('output' in result)) throw new Error('the boot script did not build');
        // ASCII only (escapes in its strings): its hash must not depend on how the page is decoded.
        const code = result.output[0].code.trim().replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        // Inside <script> only these change how HTML reads the text; the script has none.
        if (/<\/script|<script|<!--/i.test(code)) throw new Error('the boot script cannot be inlined');
        // The app's styles (those of the entry's one dynamic import, main.ts → start.ts) load
        // with the page: the boot script's first paint needs them. Its code is not preloaded
        // with the page: reading and compiling it while the first rows are on their way
        // delays them. The boot script preloads it once its paint is in the page.
        const links: string[] = [];
        const modules: string[] = [];
        const entry = ctx.chunk;
        const bundle = ctx.bundle;
        if (!entry || !bundle) throw new Error('no entry chunk');
        const seen = new Set<string>([entry.fileName, ...entry.imports]);
        const add = (file: string) => {
          const chunk = bundle[file];
          if (seen.has(file) || !chunk || chunk.type !== 'chunk') return;
          seen.add(file);
          modules.push(`./${file}`);
          for (const css of chunk.viteMetadata?.importedCss ?? []) {
            if (!html.includes(`/${css}"`)) links.push(`<link rel="stylesheet" crossorigin href="./${css}">`);
          }
          chunk.imports.forEach(add);
        };
        entry.dynamicImports.forEach(add);
        // The app's modules, for the boot script to preload once its paint is in (inline.ts);
        // before the script, so it is there when the script runs.
        const appModules = `<meta name="runlens-app-modules" content="${modules.join(' ')}">`;
        // After the charset (which must come in the first 1024 bytes), before anything else.
        const charset = '<meta charset="UTF-8" />';
        if (!html.includes(charset)) throw new Error('index.html has no charset');
        return html.replace(charset, `${charset}\n    ${appModules}\n    <script>${code}</script>`).replace('</head>', `  ${links.join('\n    ')}\n  </head>`);
      },
    },
  };
}

// The components the boot script's first paint draws (src/boot/view.ts) get fixed scoped
// class names, so that paint uses their own styles; every other component keeps its hash.
const BOOT_COMPONENTS = new Set(['Sidebar', 'ExperimentHeader', 'ExperimentView', 'FilterBox', 'RunTable', 'StatusBadge']);

// What the app needs to start (src/start.ts and all it imports, but what the entry itself
// imports) is one chunk with one stylesheet: a first visit asks for a handful of files, not
// two dozen that would hold the boot script's request back (six connections per host).
const START = resolve(import.meta.dirname, 'src/start.ts');
const ENTRY = resolve(import.meta.dirname, 'src/main.ts');
let startModules: Set<string> | null = null;
function appChunk(id: string, ctx: { getModuleInfo(id: string): { importedIds: string[] } | null }): string | null {
  if (!startModules) {
    const reach = (from: string) => {
      const seen = new Set<string>();
      const walk = (m: string) => {
        if (seen.has(m)) return;
        seen.add(m);
        ctx.getModuleInfo(m)?.importedIds.forEach(walk);
      };
      walk(from);
      return seen;
    };
    const entry = reach(ENTRY);
    startModules = new Set([...reach(START)].filter((m) => !entry.has(m)));
  }
  return startModules.has(id) ? 'app' : null;
}

// The same build runs in the Tauri window and in a browser served by `runlens serve`.
export default defineConfig({
  plugins: [svelte({ compilerOptions: { cssHash: ({ name, hash, css }) => (BOOT_COMPONENTS.has(name) ? `rl-${name}` : `svelte-${hash(css)}`) } }), bootScript()],
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: appChunk, includeDependenciesRecursively: false }] } } },
  },
  server: { proxy: { '/-/': 'http://127.0.0.1:5055', '/api/': 'http://127.0.0.1:5055' } },
});
