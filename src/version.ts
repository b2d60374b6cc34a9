/** anneal's version (package.json's; test/package/version.test.ts keeps the two equal). */
export const VERSION = '0.1.0';
