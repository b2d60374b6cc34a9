/**
 * anneal/node: what needs Node's file system. Everything else is in `anneal`.
 * @module anneal/node
 */
export { loadCsv, loadCsvSync } from './data/csv_file.ts';
