export { compileExpression, compileLambda, lambdaSource, pythonFloorDiv, pythonMod } from './compile.ts';
export type { CompiledExpression, CompiledLambda } from './compile.ts';
export { ExprError } from './errors.ts';
export { parse } from './parser.ts';
export type { ExprNode, BinaryOp, UnaryOp } from './ast.ts';
export { FUNCTIONS, CONSTANTS } from './functions.ts';
