/**
 * Numbers as people read them: thousands separators, byte sizes in adaptive binary units (as
 * `zdb` prints them: three significant digits, the unit that keeps the value under 1024), and
 * percentages that never read "-0.0".
 */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 1536 → "1.50 KiB", -5 MiB → "-5.00 MiB", 0 → "0 B" */
export function bytes(n: number): string {
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1024) return `${sign}${Math.round(v)} B`;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  // 1023.996 KiB rounds to "1024": show it as the next unit
  let text = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  if (Number(text) >= 1024 && u < UNITS.length - 1) {
    u++;
    text = (v / 1024).toFixed(2);
  }
  return `${sign}${text} ${UNITS[u]}`;
}

/** a ratio as a percentage: one decimal, or two significant digits when that would read 0.0 */
export function pct(r: number): string {
  const p = r * 100;
  if (p === 0) return '0 %';
  const a = Math.abs(p);
  const text = a >= 0.05 ? a.toFixed(1) : a.toPrecision(2);
  return `${p < 0 ? '-' : ''}${text} %`;
}

export function fixed2(r: number): string {
  return r.toFixed(2);
}
