// strconv.FormatFloat(f, 'f', -1, 64) has a cheap form (the shortest round-trip digits
// JavaScript prints, laid out without an exponent) next to the full port of Go's
// ftoa; both must agree everywhere.
import { describe, expect, it } from "vitest";
import { formatFloat } from "../../src/go/fmt-float.js";
import { formatFloatF } from "../../src/go/strconv.js";

// Fixed-seed doubles: random bit patterns (every exponent, subnormals) and everyday magnitudes.
function* doubles(count: number): Generator<number> {
  let seed = 0x2545f491;
  const next32 = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const view = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < count; i++) {
    view.setUint32(0, next32());
    view.setUint32(4, next32());
    yield view.getFloat64(0);
    yield (next32() / 2 ** 32) * 10 ** ((next32() % 44) - 22);
  }
}

describe("go/strconv formatFloatF", () => {
  it("is FormatFloat(f, 'f', -1, 64) at the edges", () => {
    const edges = [
      0,
      -0,
      1,
      -1,
      0.1,
      1e20,
      1e21,
      1e-6,
      1e-7,
      5e-324,
      -5e-324,
      2 ** 53 + 2,
      1.7976931348623157e308,
    ];
    for (const f of [...edges, NaN, Infinity, -Infinity])
      expect(formatFloatF(f), String(f)).toBe(formatFloat(f, "f", -1, 64));
    expect(formatFloatF(1e21)).toBe("1000000000000000000000");
    expect(formatFloatF(5e-324)).toBe("0." + "0".repeat(323) + "5");
  });

  it("agrees with the port of Go's ftoa on 100,000 doubles", () => {
    for (const f of doubles(50_000)) {
      const want = formatFloat(f, "f", -1, 64);
      if (formatFloatF(f) !== want) expect(formatFloatF(f), String(f)).toBe(want);
    }
  });
});
