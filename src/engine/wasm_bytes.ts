// Where the compiled core comes from: the file next to the sources in Node, a fetched asset in the browser.

export type CoreBuild = 'release' | 'debug';

function coreUrl(build: CoreBuild): URL {
  return build === 'release'
    ? new URL('../../build/anneal.wasm', import.meta.url)
    : new URL('../../build/anneal.debug.wasm', import.meta.url);
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

export async function compileCore(build: CoreBuild): Promise<WebAssembly.Module> {
  const url = coreUrl(build);
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import(/* @vite-ignore */ 'node:fs/promises');
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await readFile(url);
    } catch (err) {
      throw new Error(`anneal: cannot read the WebAssembly core at ${url.pathname} (run \`npm run build:wasm\`): ${(err as Error).message}`);
    }
    return WebAssembly.compile(bytes);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`anneal: cannot fetch the WebAssembly core at ${url}: HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}
