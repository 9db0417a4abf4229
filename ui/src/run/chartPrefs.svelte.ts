// The run page's chart settings (x axis, log scale), kept across pages and sessions.

import type { XAxisKind } from '../charts/series';

const KEY = 'runlens.runCharts';

interface Prefs {
  xAxis: XAxisKind;
  logY: boolean;
}

function read(): Prefs {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>;
    return {
      xAxis: v.xAxis === 'relative' || v.xAxis === 'time' ? v.xAxis : 'step',
      logY: v.logY === true,
    };
  } catch {
    return { xAxis: 'step', logY: false };
  }
}

class ChartPrefs {
  #state = $state(read());

  get xAxis(): XAxisKind {
    return this.#state.xAxis;
  }
  set xAxis(v: XAxisKind) {
    this.#state.xAxis = v;
    this.#save();
  }
  get logY(): boolean {
    return this.#state.logY;
  }
  set logY(v: boolean) {
    this.#state.logY = v;
    this.#save();
  }

  #save() {
    try {
      localStorage.setItem(KEY, JSON.stringify(this.#state));
    } catch {
      // Private mode or a full storage: the setting lasts for this session.
    }
  }
}

export const chartPrefs = new ChartPrefs();
