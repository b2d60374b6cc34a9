import type { SchedulableOptimizer, SchedulableParamGroup } from '../optim/param_group.ts';
import { ValidationError } from '../params/error.ts';
import type { StateReader } from '../params/state_reader.ts';

/** What a cyclic schedule cycles: SGD's momentum, or Adam's beta1 (PyTorch 2.x's `use_beta1`). */
export type MomentumTarget = 'momentum' | 'beta1';

/** What cycleMomentum writes in `optimizer`'s groups; refuses an optimizer some group of which has neither. */
export function momentumTarget(where: string, optimizer: SchedulableOptimizer): MomentumTarget {
  const groups = optimizer.paramGroups;
  const target: MomentumTarget = groups[0].betas !== undefined ? 'beta1' : 'momentum';
  groups.forEach((group, i) => {
    const has = target === 'beta1' ? group.betas !== undefined : group.momentum !== undefined;
    if (!has) {
      throw new ValidationError(
        where,
        'cycleMomentum',
        "false, or an optimizer with SGD's momentum or Adam's betas in every param group",
        true,
        `${where}: cycleMomentum (cycle_momentum) needs SGD's momentum or Adam's betas ` +
          'in every param group, ' +
          `but group ${i} has no ${target === 'beta1' ? 'betas' : 'momentum'}; pass cycleMomentum: false`,
      );
    }
  });
  return target;
}

/** What a saved cycling schedule wrote, from its `cycle_momentum` and `use_beta1`; checks, changes nothing. */
export function readMomentumTarget(reader: StateReader): MomentumTarget | undefined {
  if (!reader.boolean('cycle_momentum')) return undefined;
  return reader.boolean('use_beta1') ? 'beta1' : 'momentum';
}

export function writeMomentum(group: SchedulableParamGroup, target: MomentumTarget, value: number): void {
  if (target === 'momentum') group.momentum = value;
  else group.betas = [value, (group.betas as readonly [number, number])[1]];
}

/** At construction, a cycling schedule starts every group's momentum at its maximum and records both ends. */
export function startMomentumCycle(
  group: SchedulableParamGroup,
  target: MomentumTarget | undefined,
  baseMomentum: number,
  maxMomentum: number,
): void {
  if (target === undefined) return;
  writeMomentum(group, target, maxMomentum);
  group.maxMomentum = maxMomentum;
  group.baseMomentum = baseMomentum;
}
