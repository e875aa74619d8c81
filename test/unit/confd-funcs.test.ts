// Unit tests for confd's function map pieces that the differential corpus
// cannot pin down (clock, file system, resolver) plus the Go ports under it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { confdFuncs, NetSRV, srvRecordsToGo } from "../../src/confd/funcs.js";
import fc from "fast-check";
import { BadPatternError, base, clean, dir, join as pjoin, match, matchBytes } from "../../src/go/path.js";
import { goSortSlice } from "../../src/go/sort.js";
import { base64Decode } from "../../src/go/base64.js";
import { atoi, formatFloatF, quote } from "../../src/go/strconv.js";
import { replace } from "../../src/go/strings.js";
import { GoTime } from "../../src/go/time.js";
import { KeyNotExistError, MemKV } from "../../src/confd/memkv.js";
import { renderTemplate } from "../../src/confd/template-file.js";
import { GoError, GoNumber, goTypeName } from "../../src/go/value.js";
import { KVPair } from "../../src/template/kvpair.js";

const tmp = mkdtempSync(join(tmpdir(), "hecd-confd-funcs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function render(text: string, kv: Record<string, string> = {}, env?: Record<string, string>): string {
  const store = new MemKV();
  for (const [k, v] of Object.entries(kv)) store.set(k, v);
  return renderTemplate({ name: "t", text, store, env });
}

describe("MemKV", () => {
  it("sets, gets, deletes and purges", () => {
    const s = new MemKV();
    s.set("/a/b", "1");
    s.set("/a/c", "2");
    expect(s.get("/a/b")).toEqual(new KVPair("/a/b", "1"));
    expect(() => s.get("/x")).toThrow(new KeyNotExistError("/x"));
    expect(() => s.get("/x")).toThrow("key does not exist: /x");
    s.del("/a/b");
    expect(s.exists("/a/b")).toBe(false);
    expect(s.keys()).toEqual(["/a/c"]);
    s.purge();
    expect(s.size).toBe(0);
  });

  it("keeps gets sorted after later writes", () => {
    const s = new MemKV();
    s.set("/s/b", "2");
    expect(s.gets("/s/*").map((p) => (p as KVPair).Key)).toEqual(["/s/b"]);
    s.set("/s/a", "1");
    expect(s.gets("/s/*").map((p) => (p as KVPair).Key)).toEqual(["/s/a", "/s/b"]);
    expect(goTypeName(s.gets("/s/*"))).toBe("memkv.KVPairs");
  });

  it("only reports a malformed pattern when it has keys to match", () => {
    const s = new MemKV();
    expect(s.gets("[").length).toBe(0);
    s.set("/a", "1");
    expect(() => s.gets("[")).toThrow(BadPatternError);
  });

  it("getv returns the first default, even an empty one", () => {
    const s = new MemKV();
    expect(s.getv("/x", ["", "y"])).toBe("");
    expect(() => s.getv("/x")).toThrow("key does not exist: /x");
  });
});

describe("Go path", () => {
  it("matches like path.Match", () => {
    expect(match("/app/*", "/app/x")).toBe(true);
    expect(match("/app/*", "/app/x/y")).toBe(false);
    expect(match("/a?c", "/abc")).toBe(true);
    expect(match("/[^a]", "/b")).toBe(true);
    expect(match("/[a-c]x", "/bx")).toBe(true);
    expect(match("/?", "/é")).toBe(true);
    expect(match("/\\*", "/*")).toBe(true);
    expect(() => match("[", "x")).toThrow("syntax error in pattern");
    expect(() => match("a\\", "a")).toThrow(BadPatternError);
  });

  it("takes the regexp fast path only where it agrees with Go's algorithm", () => {
    const alphabet = fc.constantFrom("a", "b", "/", "*", "?", "é", "😀");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 8 }), fc.array(alphabet, { maxLength: 8 }), (p, n) => {
        const pattern = p.join("");
        const name = n.join("").replace(/[*?]/g, "x");
        expect(match(pattern, name)).toBe(matchBytes(pattern, name));
      }),
      { numRuns: 5000 },
    );
  });

  it("cleans, splits and joins like package path", () => {
    expect(clean("a//b/./c/..")).toBe("a/b");
    expect(clean("/../x")).toBe("/x");
    expect(clean("../../x")).toBe("../../x");
    expect(clean("")).toBe(".");
    expect(base("/a/b/")).toBe("b");
    expect(base("///")).toBe("/");
    expect(dir("/a/b")).toBe("/a");
    expect(dir("a")).toBe(".");
    expect(pjoin("/", "app//x/")).toBe("/app/x");
    expect(pjoin("", "")).toBe("");
  });
});

describe("Go 1.19 sort.Sort", () => {
  it("keeps ties in input order up to 12 elements (insertion sort)", () => {
    const xs = ["ccc", "a", "bb", "dd", "e"];
    expect(goSortSlice(xs, (a, b) => a.length < b.length)).toEqual(["a", "e", "bb", "dd", "ccc"]);
  });

  it("orders ties like pdqsort above 12 elements (golden from go1.19.8)", () => {
    const xs = "aa,b,cc,d,ee,f,gg,h,ii,j,kk,l,mm,n,oo,p".split(",");
    expect(goSortSlice(xs, (a, b) => a.length < b.length).join(" ")).toBe(
      "j b p d n f l h ii aa kk gg mm ee oo cc",
    );
  });

  it("sorts large inputs correctly", () => {
    const xs = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5003);
    const sorted = goSortSlice([...xs], (a, b) => a < b);
    expect(sorted).toEqual([...xs].sort((a, b) => a - b));
  });
});

describe("strconv and strings ports", () => {
  it("atoi matches strconv.Atoi including errors", () => {
    expect(atoi("-42")).toBe(-42n);
    expect(atoi("+7")).toBe(7n);
    expect(() => atoi("")).toThrow('strconv.Atoi: parsing "": invalid syntax');
    expect(() => atoi("9223372036854775808")).toThrow("value out of range");
    expect(atoi("-9223372036854775808")).toBe(-(2n ** 63n));
  });

  it("quote matches strconv.Quote", () => {
    expect(quote('a"b\\c\n\x01é')).toBe('"a\\"b\\\\c\\n\\x01é"');
    expect(quote("\u00a0")).toBe('"\\u00a0"');
  });

  it("formats floats like FormatFloat(f, 'f', -1, 64)", () => {
    expect(formatFloatF(1e21)).toBe("1000000000000000000000");
    expect(formatFloatF(1.5e-7)).toBe("0.00000015");
    expect(formatFloatF(1500)).toBe("1500");
  });

  it("replace with an empty old string inserts between runes", () => {
    expect(replace("héy", "", "-", -1n)).toBe("-h-é-y-");
    expect(replace("abc", "", "-", 2n)).toBe("-a-bc");
  });

  it("base64 decoding reports Go's byte offsets", () => {
    expect(base64Decode("aGk=").toString()).toBe("hi");
    expect(() => base64Decode("aGk")).toThrow("illegal base64 data at input byte 0");
    expect(() => base64Decode("aG!k")).toThrow("illegal base64 data at input byte 2");
  });
});

describe("confd functions outside the golden files", () => {
  it("datetime returns a time.Time with Go's methods", () => {
    const before = Math.floor(Date.now() / 1000);
    const out = render(
      '{{$t := datetime}}{{printf "%T" $t}} {{$t.Unix}} {{$t.Format "2006"}} {{$t.UTC.Format "2006-01-02T15:04:05Z07:00"}}',
    );
    const [typ, unix, year, iso] = out.split(" ");
    expect(typ).toBe("time.Time");
    expect(Number(unix)).toBeGreaterThanOrEqual(before);
    expect(Number(unix)).toBeLessThanOrEqual(before + 5);
    expect(year).toBe(String(new Date(Number(unix) * 1000).getFullYear()));
    expect(iso).toBe(new Date(Number(unix) * 1000).toISOString().replace(/\.\d+Z$/, "Z"));
  });

  it("formats Go layouts", () => {
    const t = new GoTime(Date.UTC(2009, 10, 10, 23, 4, 5), 123_456_789, true, null);
    expect(t.format("Mon Jan _2 15:04:05 MST 2006")).toBe("Tue Nov 10 23:04:05 UTC 2009");
    expect(t.format("2006-01-02T15:04:05.000Z07:00")).toBe("2009-11-10T23:04:05.123Z");
    expect(t.format("3:04PM .999999999 -0700")).toBe("11:04PM .123456789 +0000");
    expect(t.format("Monday January 2 06 002")).toBe("Tuesday November 10 09 314");
  });

  it("fileExists follows os.Stat / os.IsNotExist", () => {
    const f = join(tmp, "present");
    writeFileSync(f, "x");
    expect(render(`{{fileExists "${f}"}} {{fileExists "${f}.missing"}} {{fileExists ""}}`)).toBe(
      "true false false",
    );
    // ENOTDIR is not IsNotExist in Go, so a path below a file "exists".
    expect(render(`{{fileExists "${f}/below"}}`)).toBe("true");
  });

  it("lookupIP resolves localhost from /etc/hosts, sorted, and splits v4/v6", () => {
    const all = render('{{join (lookupIP "localhost") ","}}').split(",");
    expect(all).toContain("127.0.0.1");
    expect(all).toEqual([...all].sort());
    expect(render('{{range lookupIPV4 "localhost"}}{{.}} {{end}}')).toContain("127.0.0.1");
    expect(render('{{range lookupIPV6 "localhost"}}{{.}}{{end}}')).not.toContain(".");
    // Appending to a nil slice: no match leaves it nil.
    const v6 = render('{{range lookupIPV6 "localhost"}}{{.}}{{end}}');
    expect(render('{{printf "%#v" (lookupIPV6 "localhost")}}')).toBe(
      v6 === "" ? "[]string(nil)" : `[]string{"${v6}"}`,
    );
  });

  it("getenv reads the process environment and the override map", () => {
    process.env.HECD_UNIT_GETENV = "from-process";
    try {
      expect(render('{{getenv "HECD_UNIT_GETENV"}}')).toBe("from-process");
      expect(render('{{getenv "HECD_UNIT_GETENV"}}', {}, { HECD_UNIT_GETENV: "override" })).toBe("override");
      expect(render('{{getenv "HECD_UNIT_GETENV" "d"}}', {}, { HECD_UNIT_GETENV: "" })).toBe("d");
    } finally {
      delete process.env.HECD_UNIT_GETENV;
    }
  });

  it("exposes every function of confd's map with Go signatures", () => {
    const fm = confdFuncs(new MemKV());
    const names = Object.keys(fm).sort();
    expect(names).toEqual(
      [
        "add",
        "atoi",
        "base",
        "base64Decode",
        "base64Encode",
        "contains",
        "datetime",
        "dir",
        "div",
        "exists",
        "fileExists",
        "get",
        "getenv",
        "gets",
        "getv",
        "getvs",
        "join",
        "json",
        "jsonArray",
        "lookupIP",
        "lookupIPV4",
        "lookupIPV6",
        "lookupIfaceIPV4",
        "lookupIfaceIPV6",
        "lookupSRV",
        "ls",
        "lsdir",
        "map",
        "mod",
        "mul",
        "parseBool",
        "replace",
        "reverse",
        "seq",
        "sortByLength",
        "sortKVByLength",
        "split",
        "sub",
        "toLower",
        "toUpper",
        "trimSuffix",
      ].sort(),
    );
    expect(fm.getv!.variadic).toBe("string");
    expect(fm.replace!.params).toEqual(["string", "string", "string", "int"]);
    expect(() => fm.div!.call(1n, 0n)).toThrow(GoError);
    expect(fm.add!.call(9223372036854775807n, 1n)).toBe(-9223372036854775808n);
  });

  it("lookupSRV results become []*net.SRV with uint16 fields in confd's order", () => {
    // No resolver traffic here (only loopback is allowed): the conversion is tested directly.
    const v = srvRecordsToGo([
      { name: "b.example", port: 80, priority: 1, weight: 5 },
      { name: "a.example.", port: 8080, priority: 0, weight: 0 },
      { name: "a.example", port: 443, priority: 0, weight: 0 },
    ]);
    expect(goTypeName(v)).toBe("[]*net.SRV");
    const recs = v as NetSRV[];
    expect(recs.map((r) => `${r.Target}:${r.Port.value}`)).toEqual([
      "a.example.:443",
      "a.example.:8080",
      "b.example.:80",
    ]);
    expect(recs[0]!.Port).toEqual(new GoNumber("uint16", 443n));
    expect(recs[0]!.pointer).toBe(true);
    expect(
      renderTemplate({ name: "t", text: "{{range .}}{{.Target}} {{.Port}} {{.Weight}};{{end}}", data: v }),
    ).toBe("a.example. 443 0;a.example. 8080 0;b.example. 80 5;");
  });
});
