/** Parsers for the text HAProxy 2.6 prints on its CLI. Pure functions. */

export interface StatRow {
  /** Proxy (frontend/backend) name. */
  pxname: string;
  /** Server name, or FRONTEND / BACKEND for the aggregate rows. */
  svname: string;
  /** Current sessions. */
  scur: number;
  /** Current queued requests. */
  qcur: number;
  /** e.g. UP, DOWN, MAINT, DRAIN, "UP 1/2", no check. */
  status: string;
  /** host:port for server rows, empty otherwise. */
  addr: string;
  /** Every column by its header name. */
  fields: Record<string, string>;
}

/** One state line from `show servers state` (format version 1). */
export interface ServerState {
  backend: string;
  backendId: number;
  name: string;
  id: number;
  addr: string;
  port: number;
  /** 0 stopped (down), 1 starting, 2 running (up), 3 stopping. */
  opState: number;
  /** Bit mask: 0x01 forced maint, 0x04 config maint, 0x08 forced drain, 0x20 resolution maint. */
  adminState: number;
  /** Bit mask: 0x02 configured, 0x04 enabled, 0x08 paused. */
  checkState: number;
}

export const ADMIN_FMAINT = 0x01;
export const ADMIN_FDRAIN = 0x08;
export const CHECK_CONFIGURED = 0x02;
export const CHECK_ENABLED = 0x04;

/** One line of `show servers conn`. */
export interface ServerConn {
  backend: string;
  name: string;
  addr: string;
  port: number;
  usedCur: number;
  idleCur: number;
}

/** Splits one CSV line as HAProxy writes it (fields with commas or quotes are quoted). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function int(value: string | undefined, what: string): number {
  const n = Number(value);
  if (value === undefined || value === "" || !Number.isFinite(n)) {
    throw new Error(`unexpected HAProxy output: ${what} is "${value ?? ""}", expected a number`);
  }
  return n;
}

function intOrZero(value: string | undefined): number {
  const n = Number(value);
  return value === undefined || value === "" || !Number.isFinite(n) ? 0 : n;
}

/** Parses `show stat` CSV output. */
export function parseShowStat(text: string): StatRow[] {
  const lines = text.split("\n").filter((l) => l.length > 0);
  const header = lines[0];
  if (header === undefined || !header.startsWith("# pxname,")) {
    throw new Error(`unexpected "show stat" output (no CSV header): ${text.slice(0, 200)}`);
  }
  const names = splitCsvLine(header.slice(2));
  return lines.slice(1).map((line) => {
    const values = splitCsvLine(line);
    const fields: Record<string, string> = {};
    names.forEach((n, i) => {
      if (n !== "") fields[n] = values[i] ?? "";
    });
    return {
      pxname: fields.pxname ?? "",
      svname: fields.svname ?? "",
      scur: intOrZero(fields.scur),
      qcur: intOrZero(fields.qcur),
      status: fields.status ?? "",
      addr: fields.addr ?? "",
      fields,
    };
  });
}

/** Parses `show servers state [backend]` output (format version 1). */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split("\n").filter((l) => l.length > 0);
  if (lines[0] !== "1") {
    throw new Error(
      `unexpected "show servers state" output (expected format version 1): ${text.slice(0, 200)}`,
    );
  }
  const header = lines[1];
  if (header === undefined || !header.startsWith("# ")) {
    throw new Error(`unexpected "show servers state" output (no header line): ${text.slice(0, 200)}`);
  }
  const names = header.slice(2).split(" ");
  const col = (n: string): number => {
    const i = names.indexOf(n);
    if (i < 0) throw new Error(`"show servers state" has no column ${n}`);
    return i;
  };
  const idx = {
    beId: col("be_id"),
    be: col("be_name"),
    id: col("srv_id"),
    name: col("srv_name"),
    addr: col("srv_addr"),
    op: col("srv_op_state"),
    admin: col("srv_admin_state"),
    check: col("srv_check_state"),
    port: col("srv_port"),
  };
  return lines
    .slice(2)
    .filter((l) => !l.startsWith("#"))
    .map((line) => {
      const v = line.split(" ");
      return {
        backendId: int(v[idx.beId], "be_id"),
        backend: v[idx.be] ?? "",
        id: int(v[idx.id], "srv_id"),
        name: v[idx.name] ?? "",
        addr: v[idx.addr] ?? "",
        port: int(v[idx.port], "srv_port"),
        opState: int(v[idx.op], "srv_op_state"),
        adminState: int(v[idx.admin], "srv_admin_state"),
        checkState: int(v[idx.check], "srv_check_state"),
      };
    });
}

/** Parses `show servers conn [backend]` output. */
export function parseServersConn(text: string): ServerConn[] {
  const lines = text.split("\n").filter((l) => l.length > 0);
  const header = lines[0];
  if (header === undefined || !header.startsWith("# bkname/svname")) {
    throw new Error(`unexpected "show servers conn" output (no header line): ${text.slice(0, 200)}`);
  }
  const names = header.slice(2).split(" ");
  const used = names.indexOf("used_cur");
  const idle = names.indexOf("idle_cur");
  if (used < 0 || idle < 0) throw new Error(`"show servers conn" lacks used_cur/idle_cur: ${header}`);
  return lines.slice(1).map((line) => {
    const v = line.split(" ");
    const [backend = "", name = ""] = (v[0] ?? "").split("/");
    return {
      backend,
      name,
      addr: v[2] ?? "",
      port: int(v[3], "port"),
      usedCur: int(v[used], "used_cur"),
      idleCur: int(v[idle], "idle_cur"),
    };
  });
}
