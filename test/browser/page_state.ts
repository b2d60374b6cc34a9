import { lessonState, type PlaygroundState } from '../../web/src/state.ts';

/** The lesson's playground state, changed by `edit`. */
export function state(edit: (s: PlaygroundState) => void = () => {}): PlaygroundState {
  const s = lessonState();
  edit(s);
  return s;
}
