/**
 * The learning-rate finder: fastai's `lr_find` range test, its four suggestions and their spread over seeds.
 */
export {
  lrFind,
  rampLr,
  type LrFindMode,
  type LrFindOptions,
  type LrFindResult,
  type LrFindSettings,
  type LrFindStep,
  type LrFindStopReason,
} from './lr_find.ts';
export {
  valley,
  slide,
  minimum,
  steep,
  suggestLrs,
  suggestionWindow,
  SUGGESTION_METHODS,
  MIN_POINTS,
  type LrPoint,
  type LrSuggestion,
  type LrSuggestions,
  type SlideOptions,
  type SuggestionMethod,
} from './suggestions.ts';
export {
  lrFindSeeds,
  suggestionSpread,
  type LrFindSeedsOptions,
  type LrFindSpread,
  type SuggestionSpread,
} from './spread.ts';
