// Imported first by main.ts. A webview started without a locale (LANG unset: "C") reports
// `navigator.language` as "C", which Intl rejects with a RangeError — and uPlot builds an
// Intl.NumberFormat from it when its module loads, which would stop the whole app. Such a
// language is replaced by the first one Intl accepts.

function usable(tag: string | undefined): boolean {
  if (!tag) return false;
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

// A well-formed tag ("en-US", "de") is taken as it is: asking Intl costs ~20 ms at startup.
const WELL_FORMED = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;

if (!WELL_FORMED.test(navigator.language ?? '') && !usable(navigator.language)) {
  const fallback = (navigator.languages ?? []).find(usable) ?? 'en-US';
  Object.defineProperty(Navigator.prototype, 'language', { get: () => fallback, configurable: true });
}
