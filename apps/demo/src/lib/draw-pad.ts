/** A canvas to draw a digit on with a mouse, pen or finger (white ink on black, as MNIST). */
export class DrawPad {
  private drawing = false;
  private last: [number, number] | null = null;
  onStrokeEnd: () => void = () => {};

  constructor(readonly canvas: HTMLCanvasElement) {
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.last = this.point(e);
      this.line(this.last, this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      const p = this.point(e);
      this.line(this.last!, p);
      this.last = p;
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      this.onStrokeEnd();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  private get ctx(): CanvasRenderingContext2D {
    return this.canvas.getContext('2d', { willReadFrequently: true })!;
  }

  private point(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.canvas.width, ((e.clientY - r.top) / r.height) * this.canvas.height];
  }

  private line(a: [number, number], b: [number, number]): void {
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
  }

  clear(): void {
    const ctx = this.ctx;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** The drawing's ink per pixel, in [0, 1]. */
  ink(): Float32Array {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const out = new Float32Array(width * height);
    for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4]! / 255;
    return out;
  }

  /** Shows a 28×28 digit (values in [0, 1]) scaled up. */
  show(pixels: Float32Array): void {
    const ctx = this.ctx;
    const s = this.canvas.width / 28;
    this.clear();
    for (let i = 0; i < 784; i++) {
      const g = Math.round(pixels[i]! * 255);
      if (g === 0) continue;
      ctx.fillStyle = `rgb(${g},${g},${g})`;
      ctx.fillRect((i % 28) * s, Math.floor(i / 28) * s, Math.ceil(s), Math.ceil(s));
    }
  }
}
