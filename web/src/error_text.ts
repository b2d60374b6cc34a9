// How the playground words an error, in one place: the worker's error messages (a refused run, schedule or
// step count, a failed training step), the schedule preview's note and the page's own failures all go
// through errorText before they are shown.

import { ValidationError } from '../../src/params/error.ts';

/**
 * The text the playground shows for `err`. A ValidationError (a setting, URL parameter, scheduler argument or
 * expression the library refused) is shown as the library words it — `StepLR: stepSize (step_size) must be
 * an integer >= 1, got 0` — which names where it was refused, the parameter, what is allowed and the value;
 * any other error (a NaN loss, a failure of the page) by its message; a thrown non-Error by its text.
 */
export function errorText(err: unknown): string {
  if (err instanceof ValidationError) return err.message;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
