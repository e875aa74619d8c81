// A Go time.Time for confd's `datetime` (time.Now): the methods templates
// call on it (Format, Unix, Year, ...), formatted with Go's layout rules.
import { GoNumber, GoStruct, type GoFuncValue, type GoValue } from "./value.js";

const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const LONG_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

const processStart = process.hrtime.bigint();

function pad(n: number, width: number, ch = "0"): string {
  const s = String(Math.abs(n));
  return (n < 0 ? "-" : "") + s.padStart(width, ch);
}

/** Local-zone view of an instant (or UTC). */
interface Parts {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  min: number;
  sec: number;
  wday: number;
  yday: number;
  offsetMin: number; // east of UTC
  zone: string;
}

export class GoTime extends GoStruct {
  readonly goType = "time.Time";
  readonly fieldNames: readonly string[] = [];

  constructor(
    readonly epochMs: number,
    readonly nanos: number, // nanoseconds within the second, 0..999999999
    readonly utc: boolean,
    readonly mono: bigint | null,
  ) {
    super();
  }

  static now(): GoTime {
    const ms = Date.now();
    const sub = Number(process.hrtime.bigint() % 1_000_000n);
    return new GoTime(ms, (ms % 1000) * 1_000_000 + sub, false, process.hrtime.bigint() - processStart);
  }

  parts(): Parts {
    const d = new Date(Math.floor(this.epochMs / 1000) * 1000);
    const offsetMin = this.utc ? 0 : -d.getTimezoneOffset();
    const shifted = new Date(d.getTime() + offsetMin * 60_000);
    const year = shifted.getUTCFullYear();
    const startOfYear = Date.UTC(year, 0, 1);
    const yday =
      Math.floor((Date.UTC(year, shifted.getUTCMonth(), shifted.getUTCDate()) - startOfYear) / 86_400_000) +
      1;
    let zone = "UTC";
    if (!this.utc) {
      const name = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
        .formatToParts(d)
        .find((p) => p.type === "timeZoneName")?.value;
      zone =
        name && /^[A-Z]{3,5}$/.test(name)
          ? name
          : offsetMin === 0
            ? "UTC"
            : zoneOffset(offsetMin, false, false);
    }
    return {
      year,
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: shifted.getUTCHours(),
      min: shifted.getUTCMinutes(),
      sec: shifted.getUTCSeconds(),
      wday: shifted.getUTCDay(),
      yday,
      offsetMin,
      zone,
    };
  }

  unix(): bigint {
    return BigInt(Math.floor(this.epochMs / 1000));
  }

  format(layout: string): string {
    return formatTime(this.parts(), this.nanos, layout);
  }

  toGoString(): string {
    let s = this.format("2006-01-02 15:04:05.999999999 -0700 MST");
    if (this.mono !== null) {
      const m = this.mono;
      s += ` m=+${m / 1_000_000_000n}.${String(m % 1_000_000_000n).padStart(9, "0")}`;
    }
    return s;
  }

  override method(name: string): GoFuncValue | undefined {
    const int = (v: number): GoValue => BigInt(v);
    const m = (params: string[], f: (...a: GoValue[]) => GoValue, goType: string): GoFuncValue => ({
      kind: "func",
      goType,
      fn: { name, params, results: "value", call: f },
    });
    switch (name) {
      case "Format":
        return m(["string"], (layout) => this.format(layout as string), "func(string) string");
      case "String":
        return m([], () => this.toGoString(), "func() string");
      case "Unix":
        return m([], () => new GoNumber("int64", this.unix()), "func() int64");
      case "UnixNano":
        return m(
          [],
          () => new GoNumber("int64", this.unix() * 1_000_000_000n + BigInt(this.nanos)),
          "func() int64",
        );
      case "UnixMilli":
        return m([], () => new GoNumber("int64", BigInt(Math.floor(this.epochMs))), "func() int64");
      case "Year":
        return m([], () => int(this.parts().year), "func() int");
      case "YearDay":
        return m([], () => int(this.parts().yday), "func() int");
      case "Day":
        return m([], () => int(this.parts().day), "func() int");
      case "Hour":
        return m([], () => int(this.parts().hour), "func() int");
      case "Minute":
        return m([], () => int(this.parts().min), "func() int");
      case "Second":
        return m([], () => int(this.parts().sec), "func() int");
      case "Nanosecond":
        return m([], () => int(this.nanos), "func() int");
      case "UTC":
        return m([], () => new GoTime(this.epochMs, this.nanos, true, null), "func() time.Time");
      case "Local":
        return m([], () => new GoTime(this.epochMs, this.nanos, false, null), "func() time.Time");
    }
    return undefined;
  }
}

function zoneOffset(offsetMin: number, colon: boolean, seconds: boolean): string {
  const sign = offsetMin < 0 ? "-" : "+";
  const a = Math.abs(offsetMin);
  const hh = pad(Math.floor(a / 60), 2);
  const mm = pad(a % 60, 2);
  return sign + hh + (colon ? ":" : "") + mm + (seconds ? (colon ? ":00" : "00") : "");
}

// Layout tokens in the order Go's nextStdChunk tries them at each position.
const TOKENS = [
  "January",
  "Jan",
  "Monday",
  "Mon",
  "MST",
  "2006",
  "002",
  "01",
  "02",
  "03",
  "04",
  "05",
  "06",
  "15",
  "1",
  "2",
  "__2",
  "_2",
  "3",
  "4",
  "5",
  "PM",
  "pm",
  "-07:00:00",
  "-070000",
  "-07:00",
  "-0700",
  "-07",
  "Z07:00:00",
  "Z070000",
  "Z07:00",
  "Z0700",
  "Z07",
];

function formatTime(p: Parts, nanos: number, layout: string): string {
  let out = "";
  let i = 0;
  while (i < layout.length) {
    const c = layout[i]!;
    if ((c === "." || c === ",") && (layout[i + 1] === "0" || layout[i + 1] === "9")) {
      const d = layout[i + 1]!;
      let j = i + 1;
      while (layout[j] === d) j++;
      if (!(layout[j] !== undefined && layout[j]! >= "0" && layout[j]! <= "9")) {
        const digits = j - (i + 1);
        let frac = String(nanos).padStart(9, "0").slice(0, digits);
        if (d === "9") {
          frac = frac.replace(/0+$/, "");
          if (frac !== "") out += c + frac;
        } else {
          out += c + frac;
        }
        i = j;
        continue;
      }
    }
    const tok = TOKENS.find((t) => layout.startsWith(t, i));
    if (tok === undefined) {
      out += c;
      i++;
      continue;
    }
    out += formatToken(tok, p);
    i += tok.length;
  }
  return out;
}

function formatToken(tok: string, p: Parts): string {
  const h12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
  switch (tok) {
    case "January":
      return LONG_MONTHS[p.month - 1]!;
    case "Jan":
      return LONG_MONTHS[p.month - 1]!.slice(0, 3);
    case "Monday":
      return LONG_DAYS[p.wday]!;
    case "Mon":
      return LONG_DAYS[p.wday]!.slice(0, 3);
    case "MST":
      return p.zone;
    case "2006":
      return pad(p.year, 4);
    case "06":
      return pad(p.year % 100, 2);
    case "002":
      return pad(p.yday, 3);
    case "__2":
      return pad(p.yday, 3, " ");
    case "01":
      return pad(p.month, 2);
    case "1":
      return String(p.month);
    case "02":
      return pad(p.day, 2);
    case "_2":
      return pad(p.day, 2, " ");
    case "2":
      return String(p.day);
    case "15":
      return pad(p.hour, 2);
    case "03":
      return pad(h12, 2);
    case "3":
      return String(h12);
    case "04":
      return pad(p.min, 2);
    case "4":
      return String(p.min);
    case "05":
      return pad(p.sec, 2);
    case "5":
      return String(p.sec);
    case "PM":
      return p.hour >= 12 ? "PM" : "AM";
    case "pm":
      return p.hour >= 12 ? "pm" : "am";
  }
  const z = tok.startsWith("Z");
  if (z && p.offsetMin === 0) return "Z";
  const body = z ? tok.slice(1) : tok.slice(1);
  if (body === "07") return (p.offsetMin < 0 ? "-" : "+") + pad(Math.floor(Math.abs(p.offsetMin) / 60), 2);
  return zoneOffset(p.offsetMin, body.includes(":"), body.length > 5);
}
