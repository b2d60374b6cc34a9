import { pythonMod } from '../expr/compile.ts';
import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { checkNumber } from '../params/check.ts';
import { integer, number, type OptionsOf } from '../params/declare.ts';
import { ParamSet } from '../params/param_set.ts';
import { LAST_EPOCH, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';
import { StateReader, type StateDict } from '../params/state_reader.ts';
import { crPow } from '../data/correctly_rounded_math.ts';

const COSINE_ANNEALING_LR = new ParamSet('CosineAnnealingLR', {
  tMax: integer({ doc: 'Half-period of the cosine, in steps.', min: 1 }),
  etaMin: number({ doc: 'Minimum lr, reached after tMax steps.', default: 0, min: 0 }),
  lastEpoch: LAST_EPOCH,
});

/**
 * Options of `CosineAnnealingLR` (PyTorch's `T_max`, `eta_min`, `last_epoch`), as declared in
 * `CosineAnnealingLR.params`.
 */
export type CosineAnnealingLROptions = OptionsOf<typeof COSINE_ANNEALING_LR.decls>;

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
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = COSINE_ANNEALING_LR;
  /** Half-period of the cosine, in steps (PyTorch's `T_max`). */
  tMax: number;
  /** Minimum lr (PyTorch's `eta_min`): `lr = etaMin + (initialLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2`. */
  etaMin: number;

  /**
   * @param optimizer the optimizer whose groups' lrs it sets
   * @param options see `CosineAnnealingLROptions`
   */
  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions) {
    const o = parseSchedulerOptions(COSINE_ANNEALING_LR, optimizer, options);
    super(COSINE_ANNEALING_LR, optimizer, o.lastEpoch);
    this.tMax = o.tMax;
    this.etaMin = o.etaMin;
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

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}

const COSINE_ANNEALING_WARM_RESTARTS = new ParamSet('CosineAnnealingWarmRestarts', {
  t0: integer({ doc: 'Length of the first cycle, in steps.', min: 1 }),
  tMult: integer({ doc: 'Each cycle is tMult times longer than the one before.', default: 1, min: 1 }),
  etaMin: number({ doc: 'Minimum lr, reached at the end of each cycle.', default: 0, min: 0 }),
  lastEpoch: LAST_EPOCH,
});

/**
 * Options of `CosineAnnealingWarmRestarts` (PyTorch's `T_0`, `T_mult`, `eta_min`, `last_epoch`), as declared in
 * `CosineAnnealingWarmRestarts.params`.
 */
export type CosineAnnealingWarmRestartsOptions = OptionsOf<typeof COSINE_ANNEALING_WARM_RESTARTS.decls>;

/**
 * SGDR: cosine annealing from the initial lr to `etaMin` over cycles of `t0`, `t0 * tMult`, ... steps,
 * restarting at the initial lr (PyTorch's CosineAnnealingWarmRestarts). Not chainable: the lr is a
 * function of the position in the cycle. `step(epoch)` with a fractional epoch is supported as in PyTorch.
 *
 * Resuming with `lastEpoch = k >= 0` places the cycle exactly at epoch k + 1 (PyTorch 1.13 restarts the
 * cycle arithmetic from `t0` there, which is wrong past the first restart when `tMult > 1`).
 */
export class CosineAnnealingWarmRestarts extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = COSINE_ANNEALING_WARM_RESTARTS;
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

  /**
   * @param optimizer the optimizer whose groups' lrs it sets
   * @param options see `CosineAnnealingWarmRestartsOptions`
   */
  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    const o = parseSchedulerOptions(COSINE_ANNEALING_WARM_RESTARTS, optimizer, options);
    super(COSINE_ANNEALING_WARM_RESTARTS, optimizer, o.lastEpoch);
    this.t0 = o.t0;
    this.tI = o.t0;
    this.tMult = o.tMult;
    this.etaMin = o.etaMin;
    this.tCur = o.lastEpoch;
    this.initialStep();
  }

  /** Without `epoch`, one step on; with it, jump to that (possibly fractional) epoch, as PyTorch does. */
  override step(epoch?: number): void {
    if (epoch !== undefined) {
      checkNumber('CosineAnnealingWarmRestarts.step', 'epoch', epoch, { min: 0 });
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

  /** The base state (declared hyper-parameters included) and the position in the cycles, `T_i` and `T_cur`. */
  override stateDict(): StateDict {
    return { ...super.stateDict(), T_i: this.tI, T_cur: this.tCur };
  }

  /** Restores what stateDict() saved; a refused state changes nothing. */
  override loadStateDict(state: StateDict): void {
    const reader = new StateReader(this.schedulerName, state);
    const tI = reader.integer('T_i');
    if (tI < 1) reader.fail('T_i', 'an integer >= 1', tI);
    const tCur = reader.number('T_cur');
    super.loadStateDict(state); // checks the rest before it changes anything
    this.tI = tI;
    this.tCur = tCur;
  }

  /** PyTorch's `step(epoch)` arithmetic, logarithm included. */
  private moveToEpoch(epoch: number): void {
    if (epoch >= this.t0) {
      if (this.tMult === 1) {
        this.tCur = pythonMod(epoch, this.t0);
      } else {
        const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
        this.tCur = epoch - (this.t0 * (crPow(this.tMult, n) - 1)) / (this.tMult - 1);
        this.tI = this.t0 * crPow(this.tMult, n);
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
