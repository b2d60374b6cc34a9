/** What a run's objects hold, as state dicts, so that two snapshots compare as strings. */
interface Stateful {
  stateDict(): unknown;
}

/** Everything a refused checkpoint load must leave as it was: every object's state, the trainer's history. */
export function snapshotRun(run: {
  model: Stateful;
  optimizer: Stateful;
  scheduler: Stateful;
  batches: Stateful;
  trainer: Stateful & { firstStep: number; history: unknown };
}): string {
  return JSON.stringify({
    model: run.model.stateDict(),
    optimizer: run.optimizer.stateDict(),
    scheduler: run.scheduler.stateDict(),
    batches: run.batches.stateDict(),
    trainer: run.trainer.stateDict(),
    first: run.trainer.firstStep,
    history: run.trainer.history,
  });
}
