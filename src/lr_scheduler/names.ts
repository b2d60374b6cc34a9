// The naming helpers live with the hyper-parameter declarations (src/params/names.ts).
export { camelToSnake, displayName, snakeToCamel } from '../params/names.ts';
