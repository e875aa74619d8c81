// Pure helper of confd's file backend: scalars become strings the way Go formats
// them (strconv.Itoa, FormatBool, FormatFloat(f, 'f', -1, 64)).
import { formatFloatF } from "../go/strconv.js";

/** Go's formatting of a decoded YAML scalar; undefined for anything that is not a scalar. */
export function scalarToString(v: unknown): string | undefined {
  switch (typeof v) {
    case "string":
      return v;
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
    case "number":
      return formatFloatF(v);
  }
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  return undefined;
}
