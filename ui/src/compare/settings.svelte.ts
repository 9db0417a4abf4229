// What the user chose in each tab, kept while the compare page lives (switching tabs keeps it).

import type { FieldId } from './model';

export class CompareSettings {
  /** Log or linear per field, where the user chose (else values spanning decades get log);
   * shared by every plot. */
  log = $state<Record<string, boolean>>({});

  pcMetric = $state<FieldId | undefined>(undefined);
  /** Param keys on the parallel-coordinates axes; null: the ones that differ. */
  pcParams = $state<string[] | null>(null);

  scatterX = $state<FieldId | undefined>(undefined);
  scatterY = $state<FieldId | undefined>(undefined);

  contourX = $state<FieldId | undefined>(undefined);
  contourY = $state<FieldId | undefined>(undefined);
  contourZ = $state<FieldId | undefined>(undefined);
  contourLines = $state(true);

  artifactPath = $state<string | null>(null);
  artifactQuery = $state('');

  setLog(id: FieldId | undefined, on: boolean) {
    if (id) this.log = { ...this.log, [id]: on };
  }
}
