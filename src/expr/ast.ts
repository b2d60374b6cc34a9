/** Syntax tree of an expression. `offset` is where the node's error, if any, points. */
export type ExprNode =
  | { readonly kind: 'number'; readonly value: number; readonly offset: number }
  | { readonly kind: 'variable'; readonly offset: number }
  | { readonly kind: 'constant'; readonly name: string; readonly value: number; readonly offset: number }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly operand: ExprNode; readonly offset: number }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOp;
      readonly left: ExprNode;
      readonly right: ExprNode;
      readonly offset: number;
    }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly ExprNode[]; readonly offset: number };

export type UnaryOp = '+' | '-';
export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';
