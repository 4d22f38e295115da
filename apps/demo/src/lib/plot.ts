/** Minimal line plots on a canvas (no charting dependency): axes, ticks, optional log axes, a legend. */
export interface Series {
  label: string;
  color: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  dashed?: boolean;
}

export interface PlotOptions {
  xLabel?: string;
  yLabel?: string;
  xLog?: boolean;
  yRange?: [number, number];
  xRange?: [number, number];
}

const PAD = { l: 44, r: 10, t: 10, b: 30 };

/** Sizes the canvas backing store to its CSS box (crisp on high-DPI screens) and returns its 2-D context. */
export function fitCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, canvas.clientWidth);
  const h = Math.max(1, canvas.clientHeight);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

/** About five round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function extent(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return fallback;
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) { lo -= 1; hi += 1; }
  return [lo, hi];
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-2)) return v.toExponential(0);
  return String(+v.toPrecision(3));
}

/** Draws the series; returns the data→pixel mapping so callers can draw on top. */
export function linePlot(canvas: HTMLCanvasElement, series: readonly Series[], opts: PlotOptions = {}): { x: (v: number) => number; y: (v: number) => number } {
  const { ctx, w, h } = fitCanvas(canvas);
  const tx = (v: number) => (opts.xLog ? Math.log10(Math.max(v, 1e-12)) : v);
  const allX: number[] = [];
  const allY: number[] = [];
  for (const s of series) {
    for (let i = 0; i < s.xs.length; i++) { allX.push(tx(s.xs[i]!)); allY.push(s.ys[i]!); }
  }
  const [x0, x1] = opts.xRange ? [tx(opts.xRange[0]), tx(opts.xRange[1])] : extent(allX, [0, 1]);
  const [y0, y1] = opts.yRange ?? extent(allY, [0, 1]);
  const px = (v: number) => PAD.l + ((tx(v) - x0) / (x1 - x0)) * (w - PAD.l - PAD.r);
  const py = (v: number) => h - PAD.b - ((v - y0) / (y1 - y0)) * (h - PAD.t - PAD.b);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = '#d8d6cf';
  ctx.fillStyle = '#333';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of ticks(y0, y1)) {
    const yy = py(v);
    ctx.beginPath(); ctx.moveTo(PAD.l, yy); ctx.lineTo(w - PAD.r, yy); ctx.stroke();
    ctx.fillText(fmt(v), PAD.l - 4, yy);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of ticks(x0, x1)) {
    const xx = PAD.l + ((v - x0) / (x1 - x0)) * (w - PAD.l - PAD.r);
    ctx.beginPath(); ctx.moveTo(xx, PAD.t); ctx.lineTo(xx, h - PAD.b); ctx.stroke();
    ctx.fillText(opts.xLog ? fmt(10 ** v) : fmt(v), xx, h - PAD.b + 3);
  }
  if (opts.xLabel) { ctx.textAlign = 'right'; ctx.fillText(opts.xLabel, w - PAD.r, h - 13); }
  if (opts.yLabel) { ctx.textAlign = 'left'; ctx.textBaseline = 'top'; ctx.fillText(opts.yLabel, PAD.l + 4, PAD.t + 2); }
  ctx.save();
  ctx.beginPath(); ctx.rect(PAD.l, PAD.t, w - PAD.l - PAD.r, h - PAD.t - PAD.b); ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? [6, 4] : []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < s.xs.length; i++) {
      const yv = s.ys[i]!;
      if (!Number.isFinite(yv)) { pen = false; continue; }
      const X = px(s.xs[i]!);
      const Y = py(yv);
      if (pen) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
      pen = true;
    }
    ctx.stroke();
  }
  ctx.restore();
  ctx.setLineDash([]);
  // legend, top right
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  series.forEach((s, i) => {
    const yy = PAD.t + 4 + i * 14;
    ctx.fillStyle = '#333';
    ctx.fillText(s.label, w - PAD.r - 22, yy);
    ctx.strokeStyle = s.color;
    ctx.setLineDash(s.dashed ? [4, 3] : []);
    ctx.beginPath(); ctx.moveTo(w - PAD.r - 18, yy + 6); ctx.lineTo(w - PAD.r - 2, yy + 6); ctx.stroke();
  });
  ctx.setLineDash([]);
  return { x: px, y: py };
}
