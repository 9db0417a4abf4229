// Links built from values a run logged (tags): only http(s) URLs ever become an href.

/** A repository's web address from its clone URL (https, ssh or scp-like), or null. */
export function repoWebUrl(repo: string | undefined): string | null {
  if (!repo) return null;
  let u = repo.trim();
  const scp = u.match(/^[\w.-]+@([\w.-]+):(?!\/)(.+)$/);
  if (scp) u = `https://${scp[1]}/${scp[2]}`;
  u = u.replace(/^(ssh|git):\/\/(?:[\w.-]+@)?/, 'https://');
  try {
    const url = new URL(u);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString().replace(/\/$/, '').replace(/\.git$/, '');
  } catch {
    return null;
  }
}

/** A commit's page on GitHub, GitLab or Bitbucket; null for other hosts. */
export function commitUrl(repo: string | undefined, commit: string | undefined): string | null {
  const web = repoWebUrl(repo);
  if (!web || !commit || !/^[0-9a-f]{7,64}$/i.test(commit)) return null;
  const host = new URL(web).hostname;
  if (host === 'github.com' || host.endsWith('.github.com')) return `${web}/commit/${commit}`;
  if (host.includes('gitlab')) return `${web}/-/commit/${commit}`;
  if (host === 'bitbucket.org') return `${web}/commits/${commit}`;
  return null;
}

/** An http(s) URL as it is, else null (never a javascript: or data: href). */
export function safeHttpUrl(v: string | undefined): string | null {
  if (!v) return null;
  try {
    const url = new URL(v.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/**
 * Where in the run's artifacts a URI points (`runs:/<run>/path`, or any URI containing
 * `/<run>/artifacts/path`), or null when it is elsewhere.
 */
export function runArtifactPath(uri: string | undefined, runId: string): string | null {
  if (!uri) return null;
  const runs = uri.match(/^runs:\/([^/]+)\/?(.*)$/);
  if (runs) return runs[1] === runId ? runs[2] : null;
  const marker = `/${runId}/artifacts`;
  const at = uri.indexOf(marker);
  if (at < 0) return null;
  const rest = uri.slice(at + marker.length);
  if (rest !== '' && !rest.startsWith('/')) return null;
  return rest.replace(/^\/+/, '');
}

/** The last segment of a path (a script's file name). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? path;
}
