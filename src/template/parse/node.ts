// The parse tree, after Go's text/template/parse/node.go: plain node types,
// no behaviour beyond String(), which error messages quote ("at <.x>").
// `pos` is the byte offset of the node in the template text (as Go's Pos).

export type Pos = number;

export type Node =
  | ListNode
  | TextNode
  | CommentNode
  | ActionNode
  | PipeNode
  | CommandNode
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode;

export interface ListNode {
  type: "list";
  pos: Pos;
  nodes: Node[];
}
export interface TextNode {
  type: "text";
  pos: Pos;
  text: string;
}
export interface CommentNode {
  type: "comment";
  pos: Pos;
  text: string;
}
export interface ActionNode {
  type: "action";
  pos: Pos;
  line: number;
  pipe: PipeNode;
}
export interface PipeNode {
  type: "pipe";
  pos: Pos;
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode {
  type: "command";
  pos: Pos;
  args: Node[];
}
export interface IdentifierNode {
  type: "identifier";
  pos: Pos;
  ident: string;
}
/** `$x.a.b`: ident[0] is the variable name including `$`. */
export interface VariableNode {
  type: "variable";
  pos: Pos;
  ident: string[];
}
export interface DotNode {
  type: "dot";
  pos: Pos;
}
export interface NilNode {
  type: "nil";
  pos: Pos;
}
/** `.a.b`: ident holds ["a", "b"]. */
export interface FieldNode {
  type: "field";
  pos: Pos;
  ident: string[];
}
/** `(pipe).a.b` or `$x.a` after a non-field term: node followed by fields. */
export interface ChainNode {
  type: "chain";
  pos: Pos;
  node: Node;
  field: string[];
}
export interface BoolNode {
  type: "bool";
  pos: Pos;
  value: boolean;
}
/** Go ints are bigints in hecd's value model, float64 are numbers. */
export interface NumberNode {
  type: "number";
  pos: Pos;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  /** Real and imaginary parts when isComplex (Go's Complex128), e.g. for printing `(1+2i)`. */
  complex128?: readonly [number, number];
  text: string;
}
export interface StringNode {
  type: "string";
  pos: Pos;
  /** The original text, quotes included. */
  quoted: string;
  text: string;
}
export interface BranchFields {
  pos: Pos;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface IfNode extends BranchFields {
  type: "if";
}
export interface RangeNode extends BranchFields {
  type: "range";
}
export interface WithNode extends BranchFields {
  type: "with";
}
export interface TemplateNode {
  type: "template";
  pos: Pos;
  line: number;
  name: string;
  pipe: PipeNode | null;
}
export interface BreakNode {
  type: "break";
  pos: Pos;
  line: number;
}
export interface ContinueNode {
  type: "continue";
  pos: Pos;
  line: number;
}

/** One parsed template (Go's parse.Tree). */
export interface Tree {
  name: string;
  /** Name of the top-level template this tree was parsed from (for error positions). */
  parseName: string;
  root: ListNode;
  /** Full source text, used to turn a Pos into line:col. */
  text: string;
}
