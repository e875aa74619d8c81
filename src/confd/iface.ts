// confd's lookupIfaceIPV4 / lookupIfaceIPV6: an address of a named network
// interface, as net.InterfaceByName(name).Addrs() gives it.
//
// confd returns "" when the interface does not exist, otherwise the String()
// of the chosen net.IP, which is "<nil>" when none qualifies. IPV4 takes the
// first address with a 4-byte form; IPV6 takes the first address of any
// family (every IP has a 16-byte form), so an interface listing IPv4 first
// answers with that IPv4 address.

import { existsSync } from "node:fs";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

/** The interface table (os.networkInterfaces() by default; tests pass their own). */
export type InterfaceTable = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Whether an interface exists even though the table omits it (libuv lists only running ones). */
export type InterfaceExists = (name: string) => boolean;

export interface IfaceLookupOptions {
  interfaces?: InterfaceTable;
  exists?: InterfaceExists;
}

function sysfsExists(name: string): boolean {
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) return false;
  return existsSync(`/sys/class/net/${name}`);
}

function parseIPv6(text: string): number[] | undefined {
  const zone = text.indexOf("%");
  const s = zone >= 0 ? text.slice(0, zone) : text;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const words = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const groups = part.split(":");
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes(".")) {
        const b = g.split(".").map(Number);
        if (b.length !== 4 || b.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/** Go's net.IP.String() for a 16-byte address given as 8 words. */
function formatGoIPv6(w: readonly number[]): string {
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) {
    return `${w[6]! >> 8}.${w[6]! & 0xff}.${w[7]! >> 8}.${w[7]! & 0xff}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i >= 2 && j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && !out.endsWith(":")) out += ":";
    out += w[i]!.toString(16);
  }
  return out;
}

/** An interface address as Go sees it: whether it has a 4-byte form, and its String(). */
function goAddress(info: NetworkInterfaceInfo): { v4: boolean; text: string } {
  if (info.family === "IPv4") return { v4: true, text: info.address };
  const words = parseIPv6(info.address);
  if (words === undefined) return { v4: false, text: info.address };
  const text = formatGoIPv6(words);
  return { v4: !text.includes(":"), text };
}

function lookup(name: string, want: "v4" | "any", opts: IfaceLookupOptions): string {
  const table = (opts.interfaces ?? networkInterfaces)();
  const addrs = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (addrs === undefined) return (opts.exists ?? sysfsExists)(name) ? "<nil>" : "";
  for (const info of addrs) {
    const a = goAddress(info);
    if (want === "any" || a.v4) return a.text;
  }
  return "<nil>";
}

/** confd's lookupIfaceIPV4. */
export function lookupIfaceIPV4(name: string, opts: IfaceLookupOptions = {}): string {
  return lookup(name, "v4", opts);
}

/** confd's lookupIfaceIPV6 (the first address of any family, see above). */
export function lookupIfaceIPV6(name: string, opts: IfaceLookupOptions = {}): string {
  return lookup(name, "any", opts);
}
