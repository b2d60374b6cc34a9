// The decision boundary: each class's probability on a grid, painted as a small image and scaled up, with
// the training points on top.

import type { Bounds } from '../run.ts';

/** Class colours (the TensorFlow Playground's orange and blue first). */
export const CLASS_COLORS: readonly [number, number, number][] = [
  [245, 147, 34],
  [8, 119, 189],
  [41, 163, 106],
  [155, 93, 229],
  [228, 87, 46],
  [59, 179, 195],
  [120, 120, 120],
  [200, 60, 140],
];

const color = (k: number) => CLASS_COLORS[k % CLASS_COLORS.length];

export class BoundaryView {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly image = document.createElement('canvas');
  private points: { x: Float32Array; y: Int32Array; classes: number } | null = null;
  private bounds: Bounds = { x0: -1, x1: 1, y0: -1, y1: 1 };
  private painted = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d')!;
  }

  setData(points: { x: Float32Array; y: Int32Array; classes: number }, bounds: Bounds): void {
    this.points = points;
    this.bounds = bounds;
    this.painted = false;
  }

  /** Paints the probabilities (gridSize² cells, classes last), then the points. */
  draw(grid: Float32Array | null, gridSize: number): void {
    const { ctx, canvas } = this;
    const w = canvas.width;
    const h = canvas.height;
    if (grid && this.points) {
      const k = this.points.classes;
      this.image.width = this.image.height = gridSize;
      const ictx = this.image.getContext('2d')!;
      const img = ictx.createImageData(gridSize, gridSize);
      for (let cell = 0; cell < gridSize * gridSize; cell++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (grid[cell * k + c] > grid[cell * k + best]) best = c;
        // Saturation from how sure the model is: white at 1/k, the class colour at certainty.
        const sure = Math.max(0, (grid[cell * k + best] - 1 / k) / (1 - 1 / k)) * 0.8;
        const [r, g, b] = color(best);
        img.data[cell * 4] = 255 + (r - 255) * sure;
        img.data[cell * 4 + 1] = 255 + (g - 255) * sure;
        img.data[cell * 4 + 2] = 255 + (b - 255) * sure;
        img.data[cell * 4 + 3] = 255;
      }
      ictx.putImageData(img, 0, 0);
      this.painted = true;
    }
    if (this.painted) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.image, 0, 0, w, h);
    } else {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, w, h);
    }
    this.drawPoints();
  }

  private drawPoints(): void {
    if (!this.points) return;
    const { ctx, canvas } = this;
    const { x0, x1, y0, y1 } = this.bounds;
    const { x, y } = this.points;
    const n = y.length;
    const radius = n > 1000 ? 2 : n > 200 ? 3 : 5;
    ctx.lineWidth = 1.2;
    ctx.strokeStyle = '#fff';
    for (let i = 0; i < n; i++) {
      const px = ((x[2 * i] - x0) / (x1 - x0)) * canvas.width;
      const py = ((y1 - x[2 * i + 1]) / (y1 - y0)) * canvas.height;
      const [r, g, b] = color(y[i]);
      ctx.fillStyle = `rgb(${r * 0.85},${g * 0.85},${b * 0.85})`;
      ctx.beginPath();
      ctx.arc(px, py, radius, 0, Math.PI * 2);
      ctx.fill();
      ctx.stroke();
    }
  }
}
