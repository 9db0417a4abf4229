// A model's history in words: what each registry event (`runlens/registered-models/history`)
// says, for the board's timeline and each version's own.

import type { RegistryEvent } from './api';

/** A piece of an event's sentence: text, a version (`v3`, a filter link) or an alias (`@champion`). */
export type Part = { text: string } | { version: string } | { alias: string };

/** The version an `alias_set` moved the alias away from (`champion@2` → `2`), if it moved. */
export function movedFrom(e: RegistryEvent): string | undefined {
  if (e.kind !== 'alias_set' || !e.old_value) return undefined;
  const at = e.old_value.lastIndexOf('@');
  return at >= 0 ? e.old_value.slice(at + 1) : undefined;
}

/** The alias an event is about (`alias_set`, `alias_deleted`). */
export function aliasOf(e: RegistryEvent): string | undefined {
  if (e.kind === 'alias_set') {
    if (e.new_value) return e.new_value;
    const at = e.old_value?.lastIndexOf('@') ?? -1;
    return at >= 0 ? e.old_value!.slice(0, at) : undefined;
  }
  if (e.kind === 'alias_deleted') return e.old_value ?? e.new_value;
  return undefined;
}

const stageName = (s: string | undefined) => (s && s.length > 0 ? s : 'None');

/** The sentence of an event, as parts (versions and aliases marked). */
export function parts(e: RegistryEvent): Part[] {
  const v: Part[] = e.version !== undefined && e.version !== null ? [{ version: e.version }] : [{ text: 'A version' }];
  switch (e.kind) {
    case 'version_created':
      return [...v, { text: ' registered' }];
    case 'stage':
      return [...v, { text: ` moved ${stageName(e.old_value)} → ${stageName(e.new_value)}` }];
    case 'alias_set': {
      const alias = aliasOf(e) ?? '?';
      const from = movedFrom(e);
      return from !== undefined
        ? [{ alias }, { text: ' moved ' }, { version: from }, { text: ' → ' }, ...v]
        : [{ alias }, { text: ' set on ' }, ...v];
    }
    case 'alias_deleted':
      return [{ alias: aliasOf(e) ?? '?' }, { text: ' removed from ' }, ...v];
    case 'version_deleted':
      return e.old_value && e.old_value !== 'None'
        ? [...v, { text: ` deleted (was in ${e.old_value})` }]
        : [...v, { text: ' deleted' }];
    case 'renamed':
      return [{ text: e.old_value ? `Renamed from ${e.old_value}` : 'Renamed' }, ...(e.new_value ? [{ text: ` to ${e.new_value}` }] : [])];
    default:
      return [{ text: e.kind.replace(/_/g, ' ') }, ...(e.version ? [{ text: ' ' }, ...v] : [])];
  }
}

/** One event as a sentence: "v3 moved Staging → Production", "@champion moved v1 → v3". */
export function describe(e: RegistryEvent): string {
  return parts(e)
    .map((p) => ('version' in p ? `v${p.version}` : 'alias' in p ? `@${p.alias}` : p.text))
    .join('');
}

/** Does the event concern this version (its own, or an alias moved away from it)? */
export function concerns(e: RegistryEvent, version: string): boolean {
  return e.version === version || movedFrom(e) === version;
}

/** The events (oldest first, as the API answers) newest first, of one version when given. */
export function timeline(events: RegistryEvent[], version?: string | null): RegistryEvent[] {
  const out = version ? events.filter((e) => concerns(e, version)) : events.slice();
  return out.reverse();
}

/** The kind of mark an event gets in a timeline. */
export function tone(e: RegistryEvent): 'created' | 'stage' | 'alias' | 'deleted' | 'other' {
  switch (e.kind) {
    case 'version_created':
      return 'created';
    case 'stage':
      return 'stage';
    case 'alias_set':
    case 'alias_deleted':
      return 'alias';
    case 'version_deleted':
      return 'deleted';
    default:
      return 'other';
  }
}
