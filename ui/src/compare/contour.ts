// The contour plot's maths: inverse-distance weighting of scattered runs onto a grid, a
// perceptual colour map, and marching squares for the isolines.

/** Viridis, sampled at ten points (dark purple → yellow). */
const VIRIDIS = ['#440154', '#482878', '#3e4a89', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'].map((h) => [
  parseInt(h.slice(1, 3), 16),
  parseInt(h.slice(3, 5), 16),
  parseInt(h.slice(5, 7), 16),
]);

export const COLOR_STOPS = VIRIDIS.map(([r, g, b]) => `rgb(${r},${g},${b})`);

/** The colour of t in [0, 1] as [r, g, b]. */
export function colorAt(t: number): [number, number, number] {
  const c = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(c));
  const f = c - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

export interface Sample {
  /** Position in [0, 1]² (already through the axes' log when chosen). */
  x: number;
  y: number;
  z: number;
}

export interface Grid {
  nx: number;
  ny: number;
  /** Row-major, row 0 at y = 0 (the bottom). */
  values: Float64Array;
  min: number;
  max: number;
}

/** Inverse-distance weighting (power 2) of the samples on an nx × ny grid over [0, 1]². */
export function idw(samples: Sample[], nx: number, ny: number, power = 2): Grid {
  const values = new Float64Array(nx * ny);
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    if (s.z < min) min = s.z;
    if (s.z > max) max = s.z;
  }
  const half = power / 2;
  for (let j = 0; j < ny; j++) {
    const gy = ny === 1 ? 0.5 : j / (ny - 1);
    for (let i = 0; i < nx; i++) {
      const gx = nx === 1 ? 0.5 : i / (nx - 1);
      let num = 0;
      let den = 0;
      let exact: number | undefined;
      for (const s of samples) {
        const d2 = (s.x - gx) ** 2 + (s.y - gy) ** 2;
        if (d2 < 1e-12) {
          exact = s.z;
          break;
        }
        const w = 1 / Math.pow(d2, half);
        num += w * s.z;
        den += w;
      }
      values[j * nx + i] = exact ?? num / den;
    }
  }
  return { nx, ny, values, min, max };
}

/**
 * Isolines at `level` by marching squares: segments in grid coordinates (i along x, j along
 * y), as [x0, y0, x1, y1] quadruples.
 */
export function isoline(g: Grid, level: number): number[] {
  const out: number[] = [];
  const v = (i: number, j: number) => g.values[j * g.nx + i];
  const lerp = (a: number, b: number) => (a === b ? 0.5 : (level - a) / (b - a));
  for (let j = 0; j < g.ny - 1; j++) {
    for (let i = 0; i < g.nx - 1; i++) {
      const a = v(i, j); // bottom left
      const b = v(i + 1, j); // bottom right
      const c = v(i + 1, j + 1); // top right
      const d = v(i, j + 1); // top left
      const code = (a >= level ? 1 : 0) | (b >= level ? 2 : 0) | (c >= level ? 4 : 0) | (d >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      // Edge crossings: bottom, right, top, left.
      const bottom = () => [i + lerp(a, b), j];
      const right = () => [i + 1, j + lerp(b, c)];
      const top = () => [i + lerp(d, c), j + 1];
      const left = () => [i, j + lerp(a, d)];
      const seg = (p: number[], q: number[]) => out.push(p[0], p[1], q[0], q[1]);
      switch (code) {
        case 1:
        case 14:
          seg(left(), bottom());
          break;
        case 2:
        case 13:
          seg(bottom(), right());
          break;
        case 3:
        case 12:
          seg(left(), right());
          break;
        case 4:
        case 11:
          seg(right(), top());
          break;
        case 6:
        case 9:
          seg(bottom(), top());
          break;
        case 7:
        case 8:
          seg(left(), top());
          break;
        case 5: {
          const center = (a + b + c + d) / 4;
          if (center >= level) {
            seg(left(), top());
            seg(bottom(), right());
          } else {
            seg(left(), bottom());
            seg(right(), top());
          }
          break;
        }
        case 10: {
          const center = (a + b + c + d) / 4;
          if (center >= level) {
            seg(left(), bottom());
            seg(right(), top());
          } else {
            seg(left(), top());
            seg(bottom(), right());
          }
          break;
        }
      }
    }
  }
  return out;
}
