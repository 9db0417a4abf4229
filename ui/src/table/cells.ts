// A run row's cell as text: shared by the table (RunTable.svelte) and the boot script's first
// paint (boot/view.ts), so both show a cell the same way.

import { formatDuration, formatTime, formatValue, relativeTime } from '../lib/format';
import type { FloatJson } from '../api/types';
import { isNumericColumn, parseColumn, type RunRow } from './model';

/** The text of column `c` for row `r`; `index` says where each data column's cell is in `r.cells`. */
export function cellText(r: RunRow, c: string, index: Map<string, number>, now: number): string {
  const p = parseColumn(c);
  if (p.entity === 'attributes') {
    switch (p.key) {
      case 'start_time':
        return relativeTime(r.start_time ?? undefined, now);
      case 'end_time':
        return r.end_time ? formatTime(r.end_time) : '';
      case 'duration':
        return formatDuration(r.start_time ?? undefined, r.end_time ?? (r.status === 'RUNNING' ? undefined : r.start_time ?? undefined), now);
      case 'user_id':
        return r.user_id;
      case 'run_id':
        return r.run_id;
      case 'experiment_id':
        return r.experiment_id;
      default:
        return '';
    }
  }
  const v = r.cells[index.get(c) ?? -1];
  if (v === null || v === undefined) return '';
  return isNumericColumn(c) ? formatValue(v as FloatJson) : String(v);
}
