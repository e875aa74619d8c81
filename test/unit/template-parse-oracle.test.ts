// Differential tests of the template lexer/parser against Go 1.19:
// - the gotmpl oracle (text/template as confd uses it) decides whether a
//   template fails at parse time and with which exact message;
// - a small Go program built here dumps every parse tree Go builds (String()
//   and every node with its byte position, line and values), which must match
//   our tree node for node.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TemplateError } from "../../src/template/errors.js";
import type { Node } from "../../src/template/parse/node.js";
import { nodeString } from "../../src/template/parse/node-string.js";
import { parse } from "../../src/template/parse/parse.js";
import { requireTool } from "../harness/tools.js";

const BUILTINS =
  "and call html index slice js len not or print printf println urlquery eq ge gt le lt ne".split(" ");
const CONFD =
  "get gets getv getvs ls lsdir exists base dir split join json jsonArray map getenv datetime toUpper toLower contains replace trimSuffix lookupIP lookupIPV4 lookupIPV6 lookupSRV fileExists base64Encode base64Decode parseBool reverse sortByLength sortKVByLength add sub mul div mod seq atoi".split(
    " ",
  );
const FUNCS: ReadonlySet<string> = new Set([...BUILTINS, ...CONFD]);

const NUMBERS = [
  "0",
  "-1",
  "+1",
  "1.5",
  "1e3",
  "1E-3",
  "0x1F",
  "0X1f",
  "0o17",
  "0O17",
  "017",
  "0b101",
  "0B11",
  "1_000",
  "0x_1F",
  "0b_1",
  "0_7",
  ".5",
  "5.",
  "-.5",
  "-0",
  "+0",
  "-0.0",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775808",
  "-9223372036854775809",
  "18446744073709551615",
  "18446744073709551616",
  "1e100",
  "1e400",
  "1e-400",
  "0x1p-2",
  "0x1.8p1",
  "0X1P+2",
  "0x1p",
  "0x1.8",
  "0x",
  "0b",
  "0o",
  "1e",
  "1e+",
  "1i",
  "0i",
  "1.5i",
  "1e3i",
  "0x1i",
  "-2i",
  "1+2i",
  "1-2i",
  "-1+2i",
  "1.5e3+0i",
  "0x1+2i",
  "1e+2i",
  "1__0",
  "1_",
  "0_",
  "08",
  "089",
  "0b102",
  "0o8",
  "1.5.5",
  "1e1_0",
  "1_000.5",
  "0x1_0p1_0",
  "4611686018427387904.5",
  "1e19",
  "1.8446744073709552e19",
  "-1e19",
  "3.0",
  "1e18",
  "0.1",
  "123456789012345678901234567890",
  "0x10000000000000000",
  "0377",
  "'a'",
  "'\\n'",
  "'\\x41'",
  "'\\u00e9'",
  "'é'",
  "'\\U0001F600'",
  "'😀'",
  "'ab'",
  "''",
  "'\\400'",
  "'\\377'",
  "'\\U00110000'",
  "'\\ud800'",
  "'\\''",
  "'\"'",
  "'\\\"'",
  "'\\q'",
  "'\\0'",
  "1.e5",
  "00",
  "0.",
];

const CASES: string[] = [
  // text, actions, fields, variables
  "",
  "hello",
  "héllo wörld 😀",
  "{{.}}",
  "{{.a.b.c}}",
  "{{$}}",
  "{{$.a.b}}",
  "{{$x := 1}}{{$x}}",
  "{{$x := 1}}{{$x = 2}}{{$x}}",
  "{{$x:=1}}{{$x=2}}",
  "{{ $x := .a }}{{ $x.b.c }}",
  "{{$ := 1}}{{$}}",
  '{{$x := 1 | printf "%d"}}',
  "{{$x := 1 | 2}}",
  "{{$x}}",
  "{{$x, $y := .}}",
  "{{$x.y}}",
  "{{.x .y}}",
  "{{. .}}",
  "{{1 2}}",
  "{{nil}}",
  "{{nil.a}}",
  '{{printf "%v" nil}}',
  "{{. | nil}}",
  "{{true}}{{false}}",
  "{{true.x}}",
  '{{"x".a}}',
  "{{1.5.x}}",
  "{{..x}}",
  "{{$x := .}}{{$x.}}",
  "{{.x.}}",
  "{{.x=1}}",
  "{{.x-}}",
  "{{.x:}}",
  "{{.x : .y}}",
  "{{ é }}",
  "{{ .é.ü }}",
  "{{ $é := 1 }}{{ $é }}",
  "{{ \u00a0 }}",
  "{{#}}",
  "{{.x # }}",
  "{{nosuchfunc}}",
  "{{_1}}",
  '{{len . | printf "%d" | len}}',
  "{{.x | 3}}",
  '{{.x | "s"}}',
  "{{.x | .}}",
  "{{.x | true}}",
  "{{.x | $}}",
  "{{.a | | .b}}",
  "{{.a |}}",
  "{{|.a}}",
  "{{.a | printf}}",
  // parentheses and chains
  "{{(.a).b}}",
  "{{(index . 1).x.y}}",
  "{{(1).x}}",
  "{{(nil).x}}",
  '{{printf "%d" (len .)}}',
  "{{if and .a (or .b .c)}}x{{end}}",
  "{{()}}",
  "{{(1}}",
  "{{1)}}",
  "{{((1))}}",
  "{{(.x) .y}}",
  "{{(.x)(.y)}}",
  '{{(.x).y.z | printf "%v"}}',
  '{{"a""b"}}',
  '{{(.x | printf "%v").y}}',
  "{{($x := 1)}}",
  "{{($x := 1)}}{{$x}}",
  // strings
  '{{"a\\nb"}}',
  '{{"\\xff"}}',
  '{{"\\xc3\\xa9"}}',
  '{{"\\u00e9\\U0001F600"}}',
  '{{"\\q"}}',
  '{{"\\\'"}}',
  '{{"\\""}}',
  '{{"\\400"}}',
  '{{"\\377"}}',
  '{{"\\ud800"}}',
  "{{`a\nb`}}{{.x}}",
  "{{`a\r\nb`}}",
  "{{`a\\n`}}",
  '{{"abc}}',
  "{{`abc}}",
  '{{"abc\ndef"}}',
  "{{'a}}",
  '{{.x\n\n"abc}}',
  "{{.x\n\n'a}}",
  "{{.x\n\n`abc}}",
  // comments and trim markers
  "a{{/* c */}}b",
  "a {{- /* c */ -}} b",
  "a {{- /* c */}} b",
  "a {{/* c */ -}} b",
  "{{/* multi\nline */}}\n{{.x}}",
  "{{/* multi\nline */}}\n{{.x",
  "{{/* c */}}",
  "{{/* unclosed",
  "{{/* x */ }}",
  "{{/*x*/ .y}}",
  "{{/* a */-}}",
  "{{ /* x */ }}",
  "{{-/* x */-}}",
  "a  {{- .x -}}  b",
  "a \n\t{{- .x -}}\n\t b",
  "{{- 3}}",
  "{{-3}}",
  "{{3 -}}",
  "{{3-}}",
  "{{ 3 -}}\n\n x",
  "{{-.x}}",
  "{{- .x}}{{.y -}}   {{- .z}}",
  "x {{- -}} y",
  "{{- -}}",
  "{{ -}}",
  "{{  -}}x",
  "{{.x  -}}  y",
  "{{- /* a */ -}}{{- /* b */ -}}",
  "a\r\n{{- .x}}",
  // control structures
  "{{if .a}}A{{else if .b}}B{{else}}C{{end}}",
  "{{if .a}}A{{else if .b}}B{{else if .c}}C{{end}}",
  "{{if .}}{{else}}{{end}}",
  "{{if .}}a{{else}}b{{else}}c{{end}}",
  "{{if .}}a{{end}}{{end}}",
  "{{if .}}",
  "{{if .}}{{else}}",
  "{{if}}{{end}}",
  "{{if .}}{{else if}}{{end}}",
  "{{if .}}{{else x}}{{end}}",
  "{{if $x := .a}}{{$x}}{{end}}",
  "{{if $x := .a}}{{end}}{{$x}}",
  "{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}",
  "{{with .a}}{{.}}{{else}}x{{end}}",
  "{{with $v := .a}}{{$v}}{{end}}",
  "{{with .}}{{else with .}}{{end}}",
  "{{with}}{{end}}",
  "{{range .}}{{.}}{{end}}",
  "{{range $i, $v := .}}{{$i}}{{$v}}{{end}}",
  "{{range $v := .}}{{$v}}{{else}}none{{end}}",
  "{{range .}}{{else if .}}{{end}}",
  "{{range}}{{end}}",
  "{{range $x, $y, $z := .}}{{end}}",
  "{{range $x, 1 := .}}{{end}}",
  "{{range $x, := .}}{{end}}",
  "{{range $i, $v := $z}}{{end}}",
  "{{range .}}{{$i := .}}{{end}}{{$i}}",
  "{{range $i, $v := .}}{{$i = 1}}{{end}}",
  "{{range .}}{{if .}}{{break}}{{end}}{{continue}}{{end}}",
  "{{range .}}{{break}}{{else}}{{break}}{{end}}",
  "{{break}}",
  "{{continue}}",
  "{{if .}}{{break}}{{end}}",
  "{{range .}}{{break 1}}{{end}}",
  "{{range .}}{{continue .}}{{end}}",
  '{{range .}}{{block "b" .}}{{break}}{{end}}{{end}}',
  "{{range .}}{{with .}}{{range .}}{{end}}{{continue}}{{end}}{{end}}",
  "{{end}}",
  "{{else}}",
  "{{else if .}}",
  "{{end x}}",
  "{{if .}}",
  // define / template / block
  '{{define "x"}}X{{end}}{{template "x"}}',
  '{{define "x"}}X{{end}}',
  '{{define "x"}}{{$x}}{{end}}',
  "{{define `x`}}X{{end}}{{template `x` .}}",
  '{{template "x" .}}',
  '{{template "x" | printf}}',
  '{{template "x\\q"}}',
  "{{template .x}}",
  "{{template}}",
  '{{template "x" .a .b}}',
  '{{template "x" $x}}',
  '{{block "b" .}}B{{end}}',
  '{{block "b" .}}B{{else}}C{{end}}',
  '{{block "b"}}x{{end}}',
  '{{block "b" .}}{{define "c"}}{{end}}{{end}}',
  '{{block "b" .}}{{$x := 1}}{{end}}{{$x}}',
  '{{$x := 1}}{{block "b" .}}{{$x}}{{end}}',
  "{{define}}",
  '{{define "a"}}',
  '{{define "a"}}x{{else}}y{{end}}',
  '{{define "a" .}}x{{end}}',
  '{{define "a"}}x{{end}}{{define "a"}}y{{end}}',
  '{{define "a"}}x{{end}}\n{{define "a"}} {{end}}',
  '{{define "a"}} {{end}}\n{{define "a"}}y{{end}}',
  '{{define "a"}}{{/* c */}}{{end}}{{define "a"}}y{{end}}',
  'x{{define "template.tmpl"}}y{{end}}',
  '\n\n{{define "template.tmpl"}}y{{end}}\n',
  '{{define "template.tmpl"}}y{{end}}\nx\nz',
  '{{define "a"}}{{define "b"}}{{end}}{{end}}',
  '{{range .}}{{define "a"}}{{end}}{{end}}',
  '{{ define "a" }}A{{ end }} {{- template "a" -}}',
  '{{block "a" .}}A{{end}}{{define "a"}}B{{end}}',
  '{{define "a"}}B{{end}}{{block "a" .}}A{{end}}',
  '{{define "a\\u00e9"}}x{{end}}{{template "a\\u00e9"}}',
  '{{template "a\\"b"}}',
  // unclosed actions, EOF and line numbers
  "{{.x",
  "{{.x}",
  "{{",
  "{{.x\n\n",
  "a\nb\n{{.x",
  "a\nb\n{{.x\n",
  "{{.x}}\n{{/*\n*/}}\n{{.y",
  "{{`a\nb`}}{{.x",
  "a\r\nb{{.x}}\n{{nosuch}}",
  "{{if\n.x}}a{{end}}",
  '{{.x |\nprintf "%v"}}',
  "{{if .x}}\n\n{{else}}\n\n",
  "{{if .x}}\n{{range .}}\n{{end}}\n",
  "{{.x\n|\n3}}",
  "héllo {{.x",
  "é\n{{.x | nosuch}}",
  '{{.x "abcdefghijklmnop" )}}',
  "{{.x (1 )}}",
  "{{.x)}}",
  "{{.x.y.z.w.v.u.t.s.r.q}}",
  '{{if .}}{{"abcdefghijklé😀xyz" 1 2}}{{end}}',
  '{{template "éééééé"}}',
  '{{"a" "éééééééé" ")"}}',
  "{{1\n}}{{2 3 \n 4}}",
  "{{/* a */}}{{/* b */}}\n{{end}}",
  "{{.a}}{{.b}}\n{{- .c -}}\n{{.d}}",
  "x\n{{- /* c */ -}}\ny\n{{.z",
  // lexer corners
  "a{{",
  "{{{.x}}}",
  "{{.x}}}}",
  "{{-",
  "{{- ",
  "{{/* }} */}}",
  "{{/**/}}",
  "{{/*/}}",
  "{{$1}}",
  "{{$x := 1}}{{$x.1}}",
  "{{.1}}",
  "{{. 1}}",
  "{{1..2}}",
  "{{1.x}}",
  "{{0x1.}}",
  "{{1e5.5}}",
  "{{.x,}}",
  "{{,}}",
  "{{.x := 1}}",
  "{{=}}",
  "{{.x - }}",
  "{{.x -1}}",
  "{{ - .x}}",
  "{{-\t.x\t-}}",
  "{{-\n.x\n-}}",
  "{{.x   -}}  y",
  "{{.x -}}",
  "é {{- .x}} ü",
  "{{.x}}é{{.y}}ü{{.z | nosuch}}",
  '{{"é" | printf "%s"}}{{\'é\'}}{{.é}}',
  "{{if.x}}a{{end}}",
  "{{end.x}}",
  "{{.if}}{{.range}}{{.end}}{{$.with}}",
  "{{True}}",
  "{{nil nil}}",
  '{{`raw\nwith\nlines` | printf "%s" | nosuch}}',
  '{{"a\\"b"}}',
  "{{$x := 1}}{{$x := 2}}{{$x}}",
  "{{$x = 1}}",
  "{{range $x := .}}{{end}}{{range $x = .}}{{end}}",
  "{{range $i, $v = .}}{{$i}}{{end}}",
  "{{if .}}{{else}}{{else if .}}{{end}}",
  "{{if .}}{{else if .}}{{else if .}}{{else}}{{end}}",
  "{{if .}}{{else if .}}{{end}}{{end}}",
  "{{with .}}{{else}}{{end}}",
  "{{range .}}{{end}}{{break}}",
  '{{define "a"}}{{range .}}{{break}}{{end}}{{end}}',
  '{{template ""}}',
  '{{define ""}}x{{end}}',
  '{{block "template.tmpl" .}}x{{end}}',
  '{{block "template.tmpl" .}}x{{end}}\n',
  '{{define "a"}}x{{end}}{{block "a" .}}y{{end}}',
  '{{define "a"}}x{{end}}{{block "a" .}} {{end}}',
  "{{- /* only a comment */ -}}",
  "{{if .}}{{$x := 1}}{{else}}{{$x}}{{end}}",
  "{{range $i, $v := .}}{{else}}{{$i}}{{end}}",
  "{{with $x := 1}}{{else}}{{$x}}{{end}}",
  "{{if $x := 1}}{{else if $y := $x}}{{$y}}{{else}}{{$x}}{{$y}}{{end}}",
  '{{(printf "%v" 1 | len).x}}',
  '{{.x | printf "%v" | (len)}}',
  "{{.x | (1)}}",
  "{{(.x | 1)}}",
  '{{printf "%v" (1 | 2)}}',
  "{{\n}}",
  "{{ }}",
  "{{}}",
  "{{-}}",
  "{{- }}",
  '{{.x}}\n\n{{.y\n\n.z "unterminated}}',
  "line1\nline2 {{/* c\n\n */}} {{.x}}\n{{.y | nosuch}}",
  "{{'\\n' 'a' '\\\\'}}",
  "{{'\n'}}",
  "{{'\\\n'}}",
  '{{"\\\n"}}',
  "{{ .x | printf `%v` }}",
  "{{template `a\rb`}}",
  "{{ 0x1P-2 }}{{ 0x.8p1 }}{{ 0x1p-1074 }}{{ 0x1p-1075 }}{{ 0x1p1024 }}{{ 0x1.fffffffffffff8p1023 }}",
  "{{ 1e-320 }}{{ 2.5e-324 }}{{ 4.9e-324 }}{{ 1.7976931348623157e308 }}{{ 1.7976931348623159e308 }}",
  "{{ 0.1e1_0 }}{{ 1_0.0_1 }}{{ 0x_1p1 }}{{ 0b1_0 }}{{ 0o_7 }}",
  "{{ 1_0.0_1i }}{{ 0x1p2i }}{{ 0b101i }}{{ 0o7i }}{{ 017i }}",
  "{{ 1e+2+3i }}{{ 1.5-2.5i }}{{ -0-0i }}{{ 1e3+1e3i }}",
  "{{1e400+1i}}",
  "{{1+1e400i}}",
  "{{0x1p2+0x1p1i}}",
  "{{1_0+2_0i}}",
  "{{0b1+1i}}",
  "{{0o7+1i}}",
  "{{1+0x1i}}",
  "{{1__0+1i}}",
  "{{.5+.5i}}",
  "{{1.+2.i}}",
  "{{1e1+1e1i}}",
  "{{0x1.8p1-0x.8p0i}}",
];

for (const n of NUMBERS) CASES.push(`{{${n}}}`, `{{printf "%v" ${n} .x}}`);

/** Escapes that make a string that is not valid UTF-8: the one place we cannot match Go byte for byte. */
const INVALID_UTF8_RESULT: ReadonlySet<string> = new Set(['{{"\\xff"}}', '{{"\\377"}}']);

interface GoDump {
  err: string;
  trees: Record<string, string>;
}

const GO_DUMP_SOURCE =
  String.raw`package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/template/parse"
)

func dump(n parse.Node, depth int, out *[]string) {
	ind := strings.Repeat(" ", depth)
	add := func(s string, a ...any) { *out = append(*out, ind+fmt.Sprintf(s, a...)) }
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			add("nil-list")
			return
		}
		add("list %d", n.Pos)
		for _, c := range n.Nodes {
			dump(c, depth+1, out)
		}
	case *parse.TextNode:
		add("text %d %s", n.Pos, hex.EncodeToString(n.Text))
	case *parse.CommentNode:
		add("comment %d %s", n.Pos, hex.EncodeToString([]byte(n.Text)))
	case *parse.ActionNode:
		add("action %d %d", n.Pos, n.Line)
		dump(n.Pipe, depth+1, out)
	case *parse.PipeNode:
		if n == nil {
			add("nil-pipe")
			return
		}
		add("pipe %d %d %v", n.Pos, n.Line, n.IsAssign)
		for _, d := range n.Decl {
			dump(d, depth+1, out)
		}
		for _, c := range n.Cmds {
			dump(c, depth+1, out)
		}
	case *parse.CommandNode:
		add("command %d", n.Pos)
		for _, a := range n.Args {
			dump(a, depth+1, out)
		}
	case *parse.IdentifierNode:
		add("identifier %d %s", n.Pos, n.Ident)
	case *parse.VariableNode:
		add("variable %d %s", n.Pos, strings.Join(n.Ident, "|"))
	case *parse.DotNode:
		add("dot %d", n.Pos)
	case *parse.NilNode:
		add("nil %d", n.Pos)
	case *parse.FieldNode:
		add("field %d %s", n.Pos, strings.Join(n.Ident, "|"))
	case *parse.ChainNode:
		add("chain %d %s", n.Pos, strings.Join(n.Field, "|"))
		dump(n.Node, depth+1, out)
	case *parse.BoolNode:
		add("bool %d %v", n.Pos, n.True)
	case *parse.NumberNode:
		add("number %d %v %v %v %v %d %d %x %x %x %s", n.Pos, n.IsInt, n.IsUint, n.IsFloat, n.IsComplex, n.Int64, n.Uint64, math.Float64bits(n.Float64), math.Float64bits(real(n.Complex128)), math.Float64bits(imag(n.Complex128)), n.Text)
	case *parse.StringNode:
		add("string %d %s %s", n.Pos, hex.EncodeToString([]byte(n.Quoted)), hex.EncodeToString([]byte(n.Text)))
	case *parse.IfNode:
		add("if %d %d", n.Pos, n.Line)
		dumpBranch(&n.BranchNode, depth, out)
	case *parse.RangeNode:
		add("range %d %d", n.Pos, n.Line)
		dumpBranch(&n.BranchNode, depth, out)
	case *parse.WithNode:
		add("with %d %d", n.Pos, n.Line)
		dumpBranch(&n.BranchNode, depth, out)
	case *parse.TemplateNode:
		add("template %d %d %s", n.Pos, n.Line, hex.EncodeToString([]byte(n.Name)))
		dump(n.Pipe, depth+1, out)
	case *parse.BreakNode:
		add("break %d %d", n.Pos, n.Line)
	case *parse.ContinueNode:
		add("continue %d %d", n.Pos, n.Line)
	default:
		add("unknown %T", n)
	}
}

func dumpBranch(b *parse.BranchNode, depth int, out *[]string) {
	dump(b.Pipe, depth+1, out)
	dump(b.List, depth+1, out)
	dump(b.ElseList, depth+1, out)
}

type result struct {
	Err   string            ` +
  '`json:"err"`' +
  `
	Trees map[string]string ` +
  '`json:"trees"`' +
  String.raw`
}

func main() {
	funcs := map[string]any{}
	for _, f := range strings.Fields(os.Getenv("PDUMP_FUNCS")) {
		funcs[f] = func() {}
	}
	files, _ := filepath.Glob(filepath.Join(os.Args[1], "*", "template.tmpl"))
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		res := result{Trees: map[string]string{}}
		trees, err := parse.Parse("template.tmpl", string(text), os.Getenv("PDUMP_LEFT"), os.Getenv("PDUMP_RIGHT"), funcs)
		if err != nil {
			res.Err = err.Error()
		} else {
			for name, t := range trees {
				var lines []string
				dump(t.Root, 0, &lines)
				res.Trees[name] = t.Root.String() + "\n----\n" + strings.Join(lines, "\n")
			}
		}
		b, _ := json.Marshal(res)
		if err := os.WriteFile(filepath.Join(filepath.Dir(f), "dump.json"), b, 0o644); err != nil {
			panic(err)
		}
	}
}
`;

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function hex(s: string): string {
  return Buffer.from(s, "utf8").toString("hex");
}

function floatBits(f: number): string {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, f);
  return dv.getBigUint64(0).toString(16);
}

/** Mirrors the Go dump above, node for node. */
function dump(n: Node | null, depth: number, out: string[]): void {
  const add = (s: string): void => {
    out.push(" ".repeat(depth) + s);
  };
  if (n === null) {
    add("nil-list");
    return;
  }
  switch (n.type) {
    case "list":
      add(`list ${n.pos}`);
      for (const c of n.nodes) dump(c, depth + 1, out);
      return;
    case "text":
      add(`text ${n.pos} ${hex(n.text)}`);
      return;
    case "comment":
      add(`comment ${n.pos} ${hex(n.text)}`);
      return;
    case "action":
      add(`action ${n.pos} ${n.line}`);
      dump(n.pipe, depth + 1, out);
      return;
    case "pipe":
      add(`pipe ${n.pos} ${n.line} ${n.isAssign}`);
      for (const d of n.decl) dump(d, depth + 1, out);
      for (const c of n.cmds) dump(c, depth + 1, out);
      return;
    case "command":
      add(`command ${n.pos}`);
      for (const a of n.args) dump(a, depth + 1, out);
      return;
    case "identifier":
      add(`identifier ${n.pos} ${n.ident}`);
      return;
    case "variable":
      add(`variable ${n.pos} ${n.ident.join("|")}`);
      return;
    case "dot":
      add(`dot ${n.pos}`);
      return;
    case "nil":
      add(`nil ${n.pos}`);
      return;
    case "field":
      add(`field ${n.pos} ${n.ident.join("|")}`);
      return;
    case "chain":
      add(`chain ${n.pos} ${n.field.join("|")}`);
      dump(n.node, depth + 1, out);
      return;
    case "bool":
      add(`bool ${n.pos} ${n.value}`);
      return;
    case "number":
      add(
        `number ${n.pos} ${n.isInt} ${n.isUint} ${n.isFloat} ${n.isComplex} ${n.int64} ${n.uint64} ${floatBits(n.float64)} ${floatBits(n.complex128?.[0] ?? 0)} ${floatBits(n.complex128?.[1] ?? 0)} ${n.text}`,
      );
      return;
    case "string":
      add(`string ${n.pos} ${hex(n.quoted)} ${hex(n.text)}`);
      return;
    case "if":
    case "range":
    case "with":
      add(`${n.type} ${n.pos} ${n.line}`);
      dump(n.pipe, depth + 1, out);
      dump(n.list, depth + 1, out);
      dump(n.elseList, depth + 1, out);
      return;
    case "template":
      add(`template ${n.pos} ${n.line} ${hex(n.name)}`);
      if (n.pipe === null) out.push(" ".repeat(depth + 1) + "nil-pipe");
      else dump(n.pipe, depth + 1, out);
      return;
    case "break":
    case "continue":
      add(`${n.type} ${n.pos} ${n.line}`);
      return;
  }
}

function ours(text: string, leftDelim = "", rightDelim = ""): GoDump {
  try {
    const trees = parse("template.tmpl", text, { funcs: FUNCS, leftDelim, rightDelim });
    const out: Record<string, string> = {};
    for (const [name, t] of [...trees].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const lines: string[] = [];
      dump(t.root, 0, lines);
      out[name] = nodeString(t.root) + "\n----\n" + lines.join("\n");
    }
    return { err: "", trees: out };
  } catch (e) {
    if (e instanceof TemplateError) return { err: e.message, trees: {} };
    throw e;
  }
}

let work = "";
let oracleErr: string[] = [];
let goDump: GoDump[] = [];
let fuzzDump: GoDump[] = [];

const FUZZ_TOKENS = [
  "{{",
  "}}",
  "{{- ",
  " -}}",
  " ",
  " ",
  "  ",
  ".x",
  ".y.z",
  "$x",
  "$",
  "$x := ",
  "$y = ",
  "$i, $v := ",
  "|",
  "(",
  ")",
  '"s"',
  '"a\\"',
  "`r`",
  "'c'",
  "1",
  "-1",
  "1.5",
  "0x1p2",
  "1_0",
  "1+2i",
  "-",
  "if ",
  "else",
  "else if ",
  "end",
  "range ",
  "with ",
  'define "d"',
  'template "d"',
  'block "b" .',
  "break",
  "continue",
  "nil",
  "true",
  "printf",
  "len",
  "index",
  "\n",
  "é",
  "/*",
  "*/",
  "{{/* c */}}",
  ",",
  ".",
  "text",
  "=",
  ":",
  "#",
  "nosuch",
  "{{end}}",
  "{{else}}",
  "{{if .}}",
  "{{range .}}",
  "{{with .}}",
  "{{.}}",
];

/** Deterministic pseudo-random templates (mulberry32), so failures reproduce. */
function fuzzCases(n: number, seed: number): string[] {
  let a = seed;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rnd() * 14);
    let s = "";
    for (let k = 0; k < len; k++) s += FUZZ_TOKENS[Math.floor(rnd() * FUZZ_TOKENS.length)]!;
    out.push(s);
  }
  return out;
}
const ACTION_TOKENS = [
  ".x",
  ".y.z",
  "$x",
  "$",
  "$x :=",
  "$x =",
  "$i, $v :=",
  "|",
  "(",
  ")",
  "1",
  "0x10",
  "1e3",
  "'a'",
  '"s"',
  "`r`",
  "nil",
  "true",
  "printf",
  "len",
  "and",
  "if",
  "else",
  "end",
  "range",
  "with",
  "break",
  "continue",
  'define "d"',
  'template "d"',
  'block "b"',
  ".",
  ",",
  "=",
  ":=",
  "-",
  "(.x)",
  "$x.a",
];
const TEXTS = ["", "a", " ", "\n", "é\n"];

/** Sequences of well-delimited actions with random contents: more of them parse. */
function actionFuzzCases(n: number, seed: number): string[] {
  let a = seed;
  const rnd = (k: number): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * k);
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = "";
    const actions = 1 + rnd(5);
    for (let j = 0; j < actions; j++) {
      s += TEXTS[rnd(TEXTS.length)]! + (rnd(4) === 0 ? "{{- " : "{{");
      const toks: string[] = [];
      for (let k = 1 + rnd(4); k > 0; k--) toks.push(ACTION_TOKENS[rnd(ACTION_TOKENS.length)]!);
      s += toks.join(rnd(5) === 0 ? "" : " ") + (rnd(4) === 0 ? " -}}" : "}}");
    }
    out.push(s);
  }
  return out;
}
const FUZZ = [...fuzzCases(3000, 20261126), ...actionFuzzCases(3000, 7)];
const delimDump: GoDump[][] = [];

/** Custom delimiters ({{ and }} in DELIM_CASES are replaced by each pair); only the parse package can take them. */
const DELIM_SETS: ReadonlyArray<readonly [string, string]> = [
  ["[[", "]]"],
  ["<%", "%>"],
  ["«", "»"],
  ["{", "}"],
  ["((", "))"],
];
const DELIM_CASES: string[] = [
  "a{{.x}}b",
  "a {{- .x -}} b",
  "a {{- /* c */ -}} b",
  "{{/* c */}}",
  "{{/* c */ }}",
  "{{if .}}x{{else}}y{{end}}",
  "{{.x",
  "{{.x}",
  "{{ (.x) }}",
  "{{ (.x }}",
  '{{define "a"}}{{.}}{{end}}{{template "a" .}}',
  "é{{.x | nosuch}}",
  "{{.x}}\n{{.y}}x{{.z}} {{{{",
  "{{ .x -}}\n\n{{- .y }}",
  "{{.x.y}}",
  "{{$x := .}}{{$x.y}}",
  '{{printf "%v}}" .}}',
];

beforeAll(() => {
  const oracle = process.env.GOTMPL_ORACLE;
  if (!oracle)
    throw new Error("GOTMPL_ORACLE is not set: run through vitest (its globalSetup builds the oracle)");
  const go = requireTool("go", "apt-get install golang-go (scripts/install-deps.sh)");
  work = mkdtempSync(join(tmpdir(), "hecd-parse-"));
  const casesDir = join(work, "cases");
  CASES.forEach((text, i) => {
    const d = join(casesDir, String(i).padStart(4, "0"));
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "template.tmpl"), text);
  });
  execFileSync(oracle, ["-batch", casesDir], { stdio: ["ignore", "ignore", "inherit"] });
  const src = join(work, "pdump");
  mkdirSync(src);
  writeFileSync(join(src, "go.mod"), "module pdump\n\ngo 1.19\n");
  writeFileSync(join(src, "main.go"), GO_DUMP_SOURCE);
  const bin = join(work, "pdump-bin");
  execFileSync(go, ["build", "-o", bin, "."], { cwd: src, stdio: ["ignore", "ignore", "inherit"] });
  const runDump = (dir: string, left: string, right: string): void => {
    execFileSync(bin, [dir], {
      env: { ...process.env, PDUMP_FUNCS: [...FUNCS].join(" "), PDUMP_LEFT: left, PDUMP_RIGHT: right },
      stdio: ["ignore", "ignore", "inherit"],
    });
  };
  runDump(casesDir, "", "");
  const fuzzDir = join(work, "fuzz");
  FUZZ.forEach((c, i) => {
    const d = join(fuzzDir, String(i).padStart(5, "0"));
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "template.tmpl"), c);
  });
  runDump(fuzzDir, "", "");
  fuzzDump = FUZZ.map(
    (_, i) =>
      JSON.parse(readFileSync(join(fuzzDir, String(i).padStart(5, "0"), "dump.json"), "utf8")) as GoDump,
  );
  DELIM_SETS.forEach(([left, right], k) => {
    const dir = join(work, `delims${k}`);
    DELIM_CASES.forEach((c, i) => {
      const d = join(dir, String(i).padStart(4, "0"));
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, "template.tmpl"), c.replaceAll("{{", left).replaceAll("}}", right));
    });
    runDump(dir, left, right);
    delimDump.push(
      DELIM_CASES.map(
        (_, i) =>
          JSON.parse(readFileSync(join(dir, String(i).padStart(4, "0"), "dump.json"), "utf8")) as GoDump,
      ),
    );
  });
  oracleErr = CASES.map((_, i) => {
    const f = join(casesDir, String(i).padStart(4, "0"), "expected.err");
    return existsSync(f) ? readFileSync(f, "utf8").replace(/\n$/, "") : "";
  });
  goDump = CASES.map(
    (_, i) =>
      JSON.parse(readFileSync(join(casesDir, String(i).padStart(4, "0"), "dump.json"), "utf8")) as GoDump,
  );
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("template parser vs Go 1.19", () => {
  it("agrees with Go on 6000 pseudo-random templates", () => {
    const mismatches: string[] = [];
    let valid = 0;
    FUZZ.forEach((text, i) => {
      const want = fuzzDump[i]!;
      const got = ours(text);
      if (want.err === "") valid++;
      if (got.err !== want.err || JSON.stringify(got.trees) !== JSON.stringify(sortKeys(want.trees))) {
        mismatches.push(`${JSON.stringify(text)}\n  go:   ${want.err}\n  ours: ${got.err}`);
      }
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(valid).toBeGreaterThan(600);
  });

  it.each(
    DELIM_SETS.flatMap(([l, r], k) => DELIM_CASES.map((c, i) => [k, i, l, r, JSON.stringify(c)] as const)),
  )("delims %i case %i (%s %s): %s", (k, i, l, r) => {
    const text = DELIM_CASES[i]!.replaceAll("{{", l).replaceAll("}}", r);
    const got = ours(text, l, r);
    expect(got.err).toBe(delimDump[k]![i]!.err);
    expect(got.trees).toEqual(delimDump[k]![i]!.trees);
  });

  it("has enough cases, both valid and invalid", () => {
    const parseErrors = oracleErr.filter((e) => e !== "" && !e.includes(": executing ")).length;
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    expect(parseErrors).toBeGreaterThan(60);
    expect(CASES.length - parseErrors).toBeGreaterThan(60);
  });

  it.each(CASES.map((text, i) => [i, JSON.stringify(text)] as const))("case %i: %s", (i) => {
    const text = CASES[i]!;
    const oe = oracleErr[i]!;
    const parseErr = oe !== "" && !oe.includes(": executing ") ? oe : "";
    // The oracle (text/template) and the raw parse package must agree on parse errors.
    expect(goDump[i]!.err).toBe(parseErr);
    const got = ours(text);
    expect(got.err).toBe(parseErr);
    if (INVALID_UTF8_RESULT.has(text)) {
      // Go keeps the raw byte; a JS string cannot, so it becomes U+FFFD (hex efbfbd).
      expect(goDump[i]!.trees["template.tmpl"]).toMatch(/^ +string 2 [0-9a-f]+ ff$/m);
      expect(got.trees["template.tmpl"]).toMatch(/^ +string 2 [0-9a-f]+ efbfbd$/m);
      return;
    }
    expect(got.trees).toEqual(goDump[i]!.trees);
  });
});
