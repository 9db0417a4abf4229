// Where the run table's columns sit: shared by the table (RunTable.svelte) and the boot
// script's first paint (boot/view.ts), so both put every column at the same place.

import { defaultWidth } from './model';

/** A row's height, in px. */
export const ROW = 34;
/** The run name column: always first, always pinned. */
export const NAME = 'name';

export interface ColumnBox {
  id: string;
  x: number;
  w: number;
  pinned: boolean;
}

/** A column's width: the user's, else its default. */
export function columnWidth(widths: Record<string, number>, c: string): number {
  return widths[c] ?? (c === NAME ? 280 : defaultWidth(c));
}

/** The columns after the name column, pinned ones first, each with its x and width; the
 *  width of them all and of the part pinned to the left (the name column included). */
export function columnLayout(
  columns: string[],
  pinnedColumns: string[],
  widths: Record<string, number>,
): { boxes: ColumnBox[]; totalWidth: number; pinnedWidth: number } {
  const pinned = pinnedColumns.filter((c) => columns.includes(c));
  const ordered = [...pinned, ...columns.filter((c) => !pinned.includes(c))];
  let x = columnWidth(widths, NAME);
  let pinnedWidth = x;
  const boxes = ordered.map((c, i) => {
    const box = { id: c, x, w: columnWidth(widths, c), pinned: i < pinned.length };
    x += box.w;
    if (box.pinned) pinnedWidth = x;
    return box;
  });
  return { boxes, totalWidth: x, pinnedWidth };
}
