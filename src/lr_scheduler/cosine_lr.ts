import { pythonMod } from '../expr/compile.ts';
import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import type { StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** Options of `CosineAnnealingLR` (PyTorch's `T_max`, `eta_min`, `last_epoch`). */
export interface CosineAnnealingLROptions {
  /** Half-period of the cosine, in steps. */
  tMax: number;
  /** Default 0. */
  etaMin?: number;
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/**
 * Cosine annealing from the initial lr to `etaMin` over `tMax` steps, continuing as a cosine beyond
 * (PyTorch's CosineAnnealingLR). Stepping uses PyTorch's recursive form:
 *
 *     lr(t) = (1 + cos(pi t / T)) / (1 + cos(pi (t-1) / T)) * (lr(t-1) - etaMin) + etaMin
 *
 * except where that ratio would be 0/0, at t = (2k+1) T + 1, where the lr climbs by
 * (base - etaMin) (1 - cos(pi / T)) / 2. Resuming in the constructor uses the closed form (as 1.13 does).
 */
export class CosineAnnealingLR extends LRScheduler implements ClosedForm {
  /** Half-period of the cosine, in steps (PyTorch's `T_max`). */
  tMax: number;
  /** Minimum lr (PyTorch's `eta_min`): `lr = etaMin + (initialLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2`. */
  etaMin: number;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions) {
    const check = new ArgChecker('CosineAnnealingLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['tMax', 'etaMin', 'lastEpoch']);
    const tMax = check.integer('tMax', o.tMax, 1);
    const etaMin = check.number('etaMin', o.etaMin ?? 0, { min: 0 });
    super('CosineAnnealingLR', optimizer, check.lastEpoch(o.lastEpoch ?? -1, optimizer));
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  getLr(): number[] {
    const { lastEpoch: epoch, tMax, etaMin } = this;
    const lrs = this.groupLrs();
    if (epoch === 0) return lrs;
    if (this.stepCount === 1 && epoch > 0) {
      return this.baseLrs.map((baseLr) => etaMin + ((baseLr - etaMin) * (1 + Math.cos((epoch * Math.PI) / tMax))) / 2);
    }
    if (pythonMod(epoch - 1 - tMax, 2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * epoch) / tMax)) / (1 + Math.cos((Math.PI * (epoch - 1)) / tMax));
    return lrs.map((lr) => ratio * (lr - etaMin) + etaMin);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    const { tMax, etaMin } = this;
    return this.baseLrs.map((baseLr) => etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * step) / tMax))) / 2);
  }

  override stateDict(): StateDict {
    return { ...super.stateDict(), T_max: this.tMax, eta_min: this.etaMin };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.tMax = reader.integer('T_max');
    this.etaMin = reader.number('eta_min');
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}

/** Options of `CosineAnnealingWarmRestarts` (PyTorch's `T_0`, `T_mult`, `eta_min`, `last_epoch`). */
export interface CosineAnnealingWarmRestartsOptions {
  /** Length of the first cycle, in steps. */
  t0: number;
  /** Each cycle is `tMult` times longer than the one before; default 1. */
  tMult?: number;
  /** Default 0. */
  etaMin?: number;
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/**
 * SGDR: cosine annealing from the initial lr to `etaMin` over cycles of `t0`, `t0 * tMult`, ... steps,
 * restarting at the initial lr (PyTorch's CosineAnnealingWarmRestarts). Not chainable: the lr is a
 * function of the position in the cycle. `step(epoch)` with a fractional epoch is supported as in PyTorch.
 *
 * Resuming with `lastEpoch = k >= 0` places the cycle exactly at epoch k + 1 (PyTorch 1.13 restarts the
 * cycle arithmetic from `t0` there, which is wrong past the first restart when `tMult > 1`).
 */
export class CosineAnnealingWarmRestarts extends LRScheduler implements ClosedForm {
  /** Length of the first cycle, in steps (PyTorch's `T_0`). */
  t0: number;
  /** Growth factor of the cycle length at each restart (PyTorch's `T_mult`). */
  tMult: number;
  /** Minimum lr (PyTorch's `eta_min`): `lr = etaMin + (initialLr - etaMin) * (1 + cos(pi * tCur / tI)) / 2`. */
  etaMin: number;
  /** Length of the current cycle (PyTorch's `T_i`). */
  tI: number;
  /** Steps since the last restart (PyTorch's `T_cur`); fractional after step(epoch) with a fraction. */
  tCur: number;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    const check = new ArgChecker('CosineAnnealingWarmRestarts');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['t0', 'tMult', 'etaMin', 'lastEpoch']);
    const t0 = check.integer('t0', o.t0, 1);
    const tMult = check.integer('tMult', o.tMult ?? 1, 1);
    const etaMin = check.number('etaMin', o.etaMin ?? 0, { min: 0 });
    const lastEpoch = check.lastEpoch(o.lastEpoch ?? -1, optimizer);
    super('CosineAnnealingWarmRestarts', optimizer, lastEpoch);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tCur = lastEpoch;
    this.initialStep();
  }

  /** Without `epoch`, one step on; with it, jump to that (possibly fractional) epoch, as PyTorch does. */
  override step(epoch?: number): void {
    if (epoch !== undefined) {
      new ArgChecker('CosineAnnealingWarmRestarts.step').number('epoch', epoch, { min: 0 });
      this.moveToEpoch(epoch);
    } else if (this.lastEpoch < 0) {
      this.moveToEpoch(0);
    } else if (this.inInitialStep) {
      const next = this.lastEpoch + 1;
      ({ tCur: this.tCur, tI: this.tI } = this.cycleAt(next));
      this.lastEpoch = next;
    } else {
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
      this.lastEpoch += 1;
    }
    this.stepCount += 1;
    this.applyLrs(this.getLr());
  }

  getLr(): number[] {
    const { etaMin, tCur, tI } = this;
    return this.baseLrs.map((baseLr) => etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    const { tCur, tI } = this.cycleAt(step);
    const { etaMin } = this;
    return this.baseLrs.map((baseLr) => etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2);
  }

  /** SequentialLR's `step(0)`. @internal */
  override restartFromEpochZero(): void {
    this.step(0);
  }

  override stateDict(): StateDict {
    return {
      ...super.stateDict(),
      T_0: this.t0,
      T_i: this.tI,
      T_mult: this.tMult,
      eta_min: this.etaMin,
      T_cur: this.tCur,
    };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.t0 = reader.integer('T_0');
    this.tI = reader.integer('T_i');
    this.tMult = reader.integer('T_mult');
    this.etaMin = reader.number('eta_min');
    this.tCur = reader.number('T_cur');
  }

  /** PyTorch's `step(epoch)` arithmetic, logarithm included. */
  private moveToEpoch(epoch: number): void {
    if (epoch >= this.t0) {
      if (this.tMult === 1) {
        this.tCur = pythonMod(epoch, this.t0);
      } else {
        const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
        this.tCur = epoch - (this.t0 * (Math.pow(this.tMult, n) - 1)) / (this.tMult - 1);
        this.tI = this.t0 * Math.pow(this.tMult, n);
      }
    } else {
      this.tI = this.t0;
      this.tCur = epoch;
    }
    this.lastEpoch = Math.floor(epoch);
  }

  /** Where `step` whole steps from a fresh start land in the cycles: exact integer arithmetic. */
  private cycleAt(step: number): { tCur: number; tI: number } {
    if (this.tMult === 1) return { tCur: step % this.t0, tI: this.t0 };
    let tCur = step;
    let tI = this.t0;
    while (tCur >= tI) {
      tCur -= tI;
      tI *= this.tMult;
    }
    return { tCur, tI };
  }
}
