// Markdown from untrusted sources (descriptions, artifacts) rendered to sanitized HTML:
// marked parses, DOMPurify removes scripts, event handlers, javascript: URLs and forms.

import DOMPurify from 'dompurify';
import { marked } from 'marked';

const purifier = DOMPurify(window);
purifier.addHook('afterSanitizeAttributes', (node) => {
  // Links open outside the app, never in its own window.
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Sanitized HTML for `{@html}`; safe for any input. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true, breaks: false }) as string;
  return purifier.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
    FORBID_ATTR: ['style'],
  });
}

/** The text a reader sees in rendered markdown (no markup), for one-line summaries. */
export function markdownToText(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true, breaks: false }) as string;
  // A parsed document is inert: nothing in it loads or runs.
  return new DOMParser().parseFromString(html, 'text/html').body.textContent ?? '';
}
