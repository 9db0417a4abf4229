// Stable keys for slides in keyed `#each` blocks: a slide keeps its key (and its drawn
// thumbnail) while it moves; slides have no id of their own in the file format.

const keys = new WeakMap<object, string>();
let next = 0;

export function slideKey(slide: object): string {
  let k = keys.get(slide);
  if (!k) {
    k = `s${next++}`;
    keys.set(slide, k);
  }
  return k;
}
