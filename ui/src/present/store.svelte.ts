// The presentations of this browser profile (or desktop window), kept in localStorage under
// `runlens.presentations` and shared by every view: chart cards, the compare view and the
// artifact preview call `addSlide`; the presentations pages list and edit them. Another
// window's changes arrive through the `storage` event.

import {
  KIND,
  UNTITLED,
  VERSION,
  newId,
  normalizePresentation,
  normalizeSlide,
  parsePresentation,
  type Presentation,
  type Slide,
} from './model';

export type { Presentation, Slide } from './model';

const STORAGE_KEY = 'runlens.presentations';

function load(): Presentation[] {
  let raw: unknown;
  try {
    raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: Presentation[] = [];
  const ids = new Set<string>();
  for (const v of raw) {
    try {
      const p = normalizePresentation(v);
      if (ids.has(p.id)) p.id = newId();
      ids.add(p.id);
      out.push(p);
    } catch {
      // A damaged entry is dropped rather than breaking every presentation.
    }
  }
  return out;
}

class PresentationStore {
  /** Every presentation, most recently changed first. */
  list = $state<Presentation[]>(load());
  /** Why the last save failed (storage full or disabled), else null. */
  saveError = $state<string | null>(null);

  constructor() {
    this.sort();
    window.addEventListener('storage', (e) => {
      if (e.key === STORAGE_KEY) {
        this.list = load();
        this.sort();
      }
    });
  }

  private sort() {
    this.list.sort((a, b) => (b.updated ?? 0) - (a.updated ?? 0));
  }

  private save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify($state.snapshot(this.list)));
      this.saveError = null;
    } catch (e) {
      this.saveError = `Could not save presentations: ${(e as Error).message}`;
    }
  }

  /** Applies `fn` to a presentation, marks it changed and saves; false when there is no such one. */
  private change(id: string, fn: (p: Presentation) => void): boolean {
    const p = this.get(id);
    if (!p) return false;
    fn(p);
    p.updated = Date.now();
    this.sort();
    this.save();
    return true;
  }

  get(id: string): Presentation | undefined {
    return this.list.find((p) => p.id === id);
  }

  create(title = UNTITLED, slides: Slide[] = []): Presentation {
    let id = newId();
    while (this.get(id)) id = newId();
    this.list.unshift({ kind: KIND, version: VERSION, id, title: title.trim() || UNTITLED, slides: slides.map(copySlide), updated: Date.now() });
    this.save();
    return this.list[0];
  }

  rename(id: string, title: string) {
    this.change(id, (p) => (p.title = title.trim() || UNTITLED));
  }

  remove(id: string) {
    const i = this.list.findIndex((p) => p.id === id);
    if (i < 0) return;
    this.list.splice(i, 1);
    this.save();
  }

  duplicate(id: string): Presentation | undefined {
    const p = this.get(id);
    if (!p) return undefined;
    return this.create(`${p.title} (copy)`, p.slides);
  }

  /** Adds a presentation read from a file (a new id if this one exists); throws on bad input. */
  importText(text: string): Presentation {
    const p = parsePresentation(text);
    if (this.get(p.id)) p.id = newId();
    p.updated = Date.now();
    this.list.unshift(p);
    this.save();
    return this.list[0];
  }

  addSlide(id: string, slide: Slide, at?: number): boolean {
    const s = copySlide(slide);
    return this.change(id, (p) => {
      if (at === undefined || at < 0 || at > p.slides.length) p.slides.push(s);
      else p.slides.splice(at, 0, s);
    });
  }

  updateSlide(id: string, index: number, slide: Slide) {
    const s = copySlide(slide);
    this.change(id, (p) => {
      if (index >= 0 && index < p.slides.length) p.slides[index] = s;
    });
  }

  removeSlide(id: string, index: number): Slide | undefined {
    let removed: Slide | undefined;
    this.change(id, (p) => {
      removed = $state.snapshot(p.slides.splice(index, 1)[0]) as Slide | undefined;
    });
    return removed;
  }

  /** Moves slide `from` to position `to` (both within range). */
  moveSlide(id: string, from: number, to: number) {
    this.change(id, (p) => {
      if (from < 0 || from >= p.slides.length || to < 0 || to >= p.slides.length || from === to) return;
      const [s] = p.slides.splice(from, 1);
      p.slides.splice(to, 0, s);
    });
  }
}

/** A plain, validated copy (a slide handed in may be another component's reactive state). */
function copySlide(slide: Slide): Slide {
  return normalizeSlide($state.snapshot(slide));
}

export const presentations = new PresentationStore();

/**
 * Adds a slide to a presentation: the one named, else the most recently changed one, else a
 * new "Untitled presentation". Resolves to the presentation's id. Throws when the slide is not
 * valid (a programming error in the caller).
 */
export function addSlide(slide: Slide, presentationId?: string): string {
  const target = (presentationId && presentations.get(presentationId)) || presentations.list[0] || presentations.create();
  presentations.addSlide(target.id, slide);
  return target.id;
}
