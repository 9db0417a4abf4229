// Syntax highlighting, loaded on demand: highlight.js core with a few languages registered
// explicitly (the full bundle is large). The result is a token tree that is turned into DOM
// nodes with text nodes only; artifact text is never parsed as HTML.

import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import ini from 'highlight.js/lib/languages/ini';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import r from 'highlight.js/lib/languages/r';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const languages = { bash, c, cpp, ini, javascript, json, markdown, python, r, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang);

/** highlight.js's token tree (TokenTreeEmitter's nodes). */
export interface TokenNode {
  scope?: string;
  children: (TokenNode | string)[];
}

/** The token tree of `code` in `language`, or null when the language is unknown or it fails. */
export function highlightTree(code: string, language: string): TokenNode | null {
  if (!language || !hljs.getLanguage(language)) return null;
  try {
    const result = hljs.highlight(code, { language, ignoreIllegals: true });
    const emitter = result._emitter as unknown as { rootNode?: TokenNode };
    return emitter?.rootNode && Array.isArray(emitter.rootNode.children) ? emitter.rootNode : null;
  } catch {
    return null;
  }
}

/** highlight.js's class names for a scope (`title.function` → `hljs-title function_`). */
function scopeClass(scope: string): string {
  if (scope.startsWith('language:')) return scope.replace('language:', 'language-');
  const [first, ...rest] = scope.split('.');
  return [`hljs-${first}`, ...rest.map((p, i) => `${p}${'_'.repeat(i + 1)}`)].join(' ');
}

/** Appends the tree to `parent` as spans and text nodes. */
export function appendTree(parent: Node, node: TokenNode | string) {
  if (typeof node === 'string') {
    parent.appendChild(document.createTextNode(node));
    return;
  }
  let target = parent;
  if (node.scope) {
    const span = document.createElement('span');
    span.className = scopeClass(node.scope);
    parent.appendChild(span);
    target = span;
  }
  for (const child of node.children) appendTree(target, child);
}
