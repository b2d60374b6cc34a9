import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every name the package exports has a doc comment (TSDoc/JSDoc `/** … */`), so the API reference
// (`npm run docs`, TypeDoc) documents the whole API. Checked: each name exported from the three entry points
// (re-exports and `export *` followed to the declaration), and each public or protected member — method,
// property, accessor — of an exported class or interface (or of a type alias of an object type). A member
// without a comment of its own counts as documented when the member it overrides or implements is, as in
// TypeDoc and in an editor's hover. Members and names tagged `@internal` are left out of the reference
// (typedoc.json `excludeInternal`), so here too.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The package's entry points (package.json "exports") and their sources. */
const ENTRY_POINTS: Record<string, string> = {
  anneal: 'src/index.ts',
  'anneal/plot': 'src/plot/index.ts',
  'anneal/node': 'src/node.ts',
};

/** A name of the public API: a top-level export, or `Class.member`. */
interface ApiName {
  /** `Adam`, or `Adam.step` for a member (named after the class or interface that declares it). */
  name: string;
  /** The file that declares it, relative to the repository root. */
  file: string;
  /** The entry point through which it was first found. */
  entry: string;
  /** Whether it has a doc comment (its own, or the overridden or implemented member's). */
  documented: boolean;
}

function hasDocComment(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim().length > 0;
}

function isInternal(declaration: ts.Declaration): boolean {
  return ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'internal');
}

/** The public API reachable from `entries` (entry-point name → source file), each declaration once. */
function collectApi(
  program: ts.Program,
  entries: Record<string, string>,
  inScope: (file: string) => boolean,
): ApiName[] {
  const checker = program.getTypeChecker();
  const found = new Map<ts.Declaration, ApiName>();
  const fileOf = (node: ts.Node) => relative(root, node.getSourceFile().fileName);

  const add = (symbol: ts.Symbol, name: string, entry: string) => {
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (!declaration || found.has(declaration)) return;
    if (isInternal(declaration)) return;
    found.set(declaration, { name, file: fileOf(declaration), entry, documented: hasDocComment(symbol, checker) });
  };

  const addMembers = (owner: string, properties: ts.Symbol[], entry: string) => {
    for (const member of properties) {
      const declaration = member.valueDeclaration ?? member.declarations?.[0];
      if (!declaration || !inScope(declaration.getSourceFile().fileName)) continue; // e.g. Error's `message`
      if (member.name === 'prototype' || member.name.startsWith('#')) continue;
      if (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Private) continue;
      // Named after the class or interface that declares it, which for an inherited member is not `owner`
      // (a parameter property is declared by the constructor's class).
      const parent = ts.isConstructorDeclaration(declaration.parent) ? declaration.parent.parent : declaration.parent;
      const declaringName =
        (ts.isClassLike(parent) || ts.isInterfaceDeclaration(parent)) && parent.name ? parent.name.text : owner;
      add(member, `${declaringName}.${member.name}`, entry);
    }
  };

  for (const [entry, path] of Object.entries(entries)) {
    const source = program.getSourceFile(resolve(root, path)) ?? program.getSourceFile(path);
    if (!source) throw new Error(`entry point ${entry} (${path}) is not in the program`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`entry point ${entry} (${path}) is not a module`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (!declaration) continue;
      add(symbol, exported.name, entry);
      if (symbol.flags & ts.SymbolFlags.Class) {
        addMembers(exported.name, checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)), entry);
        addMembers(exported.name, checker.getPropertiesOfType(checker.getTypeOfSymbol(symbol)), entry); // statics
      } else if (symbol.flags & ts.SymbolFlags.Interface) {
        addMembers(exported.name, checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)), entry);
      } else if (symbol.flags & ts.SymbolFlags.TypeAlias) {
        const alias = symbol.declarations?.find(ts.isTypeAliasDeclaration);
        if (alias && ts.isTypeLiteralNode(alias.type)) {
          addMembers(exported.name, checker.getPropertiesOfType(checker.getTypeAtLocation(alias.type)), entry);
        }
      }
    }
  }
  return [...found.values()];
}

/** The names `collectApi` found without a doc comment, as `name (file)`. */
function undocumented(api: ApiName[]): string[] {
  return api.filter((n) => !n.documented).map((n) => `${n.name} (${n.file})`);
}

/** A program over in-memory sources (absolute path → text), the standard library read from disk. */
function virtualProgram(files: Record<string, string>): ts.Program {
  const options: ts.CompilerOptions = {
    noEmit: true,
    allowImportingTsExtensions: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  host.fileExists = (fileName) => fileName in files || fileExists(fileName);
  host.readFile = (fileName) => (fileName in files ? files[fileName] : readFile(fileName));
  host.directoryExists = (dir) =>
    Object.keys(files).some((f) => f.startsWith(`${dir}/`)) || (directoryExists?.(dir) ?? false);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    fileName in files
      ? ts.createSourceFile(fileName, files[fileName], languageVersion, true)
      : getSourceFile(fileName, languageVersion, ...rest);
  return ts.createProgram(Object.keys(files), options, host);
}

describe('doc comments of the public API', () => {
  it('the checker reports an undocumented export, class member and interface member, and nothing else', () => {
    const dir = resolve(root, 'virtual-fixture'); // in memory only
    const program = virtualProgram({
      [`${dir}/index.ts`]: ["export * from './lib.ts';", "export { Box as Crate, type Shape } from './lib.ts';"].join(
        '\n',
      ),
      [`${dir}/lib.ts`]: [
        '/** Documented. */',
        'export function documented(): void {}',
        'export function bare(): void {}',
        '// A line comment is not a doc comment.',
        'export const answer = 42;',
        '/** A base. */',
        'export abstract class Base {',
        '  /** Steps once. */',
        '  abstract step(): void;',
        '}',
        '/** A box. */',
        'export class Box extends Base {',
        '  /** Its size. */',
        '  size = 1;',
        '  width = 2;',
        '  private hidden = 3;',
        '  /** @internal */',
        '  secret = 4;',
        '  step(): void {}', // documented by Base.step
        '  static make(): Box { return new Box(); }',
        '}',
        '/** A shape. */',
        'export interface Shape {',
        '  /** Its area. */',
        '  area: number;',
        '  sides: number;',
        '}',
        'function notExported(): void {}',
      ].join('\n'),
    });
    const api = collectApi(program, { fixture: `${dir}/index.ts` }, (file) => file.startsWith(`${dir}/`));
    expect(undocumented(api).sort()).toEqual([
      'Box.make (virtual-fixture/lib.ts)',
      'Box.width (virtual-fixture/lib.ts)',
      'Shape.sides (virtual-fixture/lib.ts)',
      'answer (virtual-fixture/lib.ts)',
      'bare (virtual-fixture/lib.ts)',
    ]);
    expect(api.map((n) => n.name).sort()).toEqual(
      // Box is exported once more as Crate: one declaration, listed once (under the name found first).
      [
        'Base',
        'Base.step',
        'Box.make',
        'Box.size',
        'Box.step',
        'Box.width',
        'Crate',
        'Shape',
        'Shape.area',
        'Shape.sides',
        'answer',
        'bare',
        'documented',
      ].sort(),
    );
    expect(api.find((n) => n.name === 'Box.step')?.documented).toBe(true); // by the abstract member it implements
  });

  const config = ts.getParsedCommandLineOfConfigFile(
    resolve(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const program = ts.createProgram(
    Object.values(ENTRY_POINTS).map((path) => resolve(root, path)),
    config.options,
  );
  const api = collectApi(program, ENTRY_POINTS, (file) => file.startsWith(`${resolve(root, 'src')}/`));

  it('finds the whole API of the three entry points', () => {
    const topLevel = api.filter((n) => !n.name.includes('.'));
    expect(topLevel.length).toBeGreaterThan(150);
    expect(api.length).toBeGreaterThan(topLevel.length * 2);
    const where = (name: string) => api.find((n) => n.name === name);
    expect(where('Adam')).toMatchObject({ entry: 'anneal', file: 'src/optim/adam.ts' });
    expect(where('StepLR')).toMatchObject({ entry: 'anneal', file: 'src/lr_scheduler/step_lr.ts' }); // via export *
    expect(where('LRScheduler.getLastLr')).toMatchObject({ file: 'src/lr_scheduler/lr_scheduler.ts' });
    expect(where('renderSvg')).toMatchObject({ entry: 'anneal/plot', file: 'src/plot/render.ts' });
    expect(where('loadCsv')).toMatchObject({ entry: 'anneal/node', file: 'src/data/csv_file.ts' });
    expect(api.every((n) => n.file.startsWith('src/'))).toBe(true);
  });

  it('every exported name has a doc comment', () => {
    const missing = undocumented(api);
    expect(missing, `${missing.length} undocumented:\n${missing.join('\n')}`).toEqual([]);
  });
});
