// The decision boundary: each class's probability on a grid (for regression data, the predicted value as a
// heat map), painted as a small image and scaled up, with
// the training points on top and the test points (held out of training) hollow, as the TensorFlow Playground
// shows test data.

import type { Bounds, PlaneData, Points } from '../run.ts';

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

/**
 * The heat map's colour of a value (regression): the TensorFlow Playground's scale, orange at -1 through white
 * at 0 to blue at +1, clamped beyond.
 */
export function valueColor(v: number): [number, number, number] {
  const t = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  const [r, g, b] = t < 0 ? CLASS_COLORS[0] : CLASS_COLORS[1];
  const a = Math.abs(t);
  return [255 + (r - 255) * a, 255 + (g - 255) * a, 255 + (b - 255) * a];
}

export class BoundaryView {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly image = document.createElement('canvas');
  private points: PlaneData | null = null;
  private bounds: Bounds = { x0: -1, x1: 1, y0: -1, y1: 1 };
  private painted = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d')!;
  }

  /** What the note says of data that is not drawn (its features). */
  private note = { features: 2 };

  setData(points: PlaneData, bounds: Bounds, features = 2): void {
    this.points = points;
    this.note = { features };
    this.canvas.dataset.planar = String(points.planar);
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
        if (this.points.regression) {
          // The predicted value, as a continuous colour.
          const [r, g, b] = valueColor(grid[cell]);
          img.data.set([r, g, b, 255], cell * 4);
          continue;
        }
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
    if (this.points && !this.points.planar) {
      this.drawNote();
      return;
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

  /** Data of more than 2 features has no plane to draw: a note in its place, the charts tell the training. */
  private drawNote(): void {
    const { ctx, canvas } = this;
    ctx.fillStyle = '#f4f5f7';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#444';
    ctx.font = '15px system-ui, sans-serif';
    ctx.textAlign = 'center';
    const lines = [
      `This dataset has ${this.note.features} features:`,
      'there is no 2-D decision boundary to draw.',
      'The loss chart and the status line show the training.',
    ];
    lines.forEach((line, i) => ctx.fillText(line, canvas.width / 2, canvas.height / 2 - 20 + i * 22));
    ctx.textAlign = 'start';
  }

  private drawPoints(): void {
    if (!this.points) return;
    const { test } = this.points;
    const n = this.points.x.length / 2 + (test ? test.x.length / 2 : 0);
    const radius = n > 1000 ? 2 : n > 200 ? 3 : 5;
    this.drawSet(this.points, radius, false);
    if (test) this.drawSet(test, radius, true);
  }

  /** Filled discs with a white rim; hollow rings in the class colour (with a dark rim) for test data. */
  private drawSet(points: Points, radius: number, hollow: boolean): void {
    const { ctx, canvas } = this;
    const { x0, x1, y0, y1 } = this.bounds;
    const { x, y } = points;
    for (let i = 0; i < x.length / 2; i++) {
      const px = ((x[2 * i] - x0) / (x1 - x0)) * canvas.width;
      const py = ((y1 - x[2 * i + 1]) / (y1 - y0)) * canvas.height;
      const [r, g, b] = points.targets ? valueColor(points.targets[i]) : color(y[i]);
      const fill = `rgb(${r * 0.85},${g * 0.85},${b * 0.85})`;
      ctx.beginPath();
      ctx.arc(px, py, radius, 0, Math.PI * 2);
      if (hollow) {
        ctx.lineWidth = 3;
        ctx.strokeStyle = '#222';
        ctx.stroke();
        ctx.lineWidth = 2;
        ctx.strokeStyle = fill;
        ctx.stroke();
      } else {
        ctx.lineWidth = 1.2;
        ctx.strokeStyle = '#fff';
        ctx.fillStyle = fill;
        ctx.fill();
        ctx.stroke();
      }
    }
  }
}
