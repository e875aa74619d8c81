// Go's encoding/base64 decoding, as confd's base64Decode uses it.
import { goBytes } from "./gostring.js";

/** An encoding/base64 CorruptInputError. */
export class CorruptInputError extends Error {
  constructor(offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < B64.length; i++) DECODE[B64.charCodeAt(i)] = i;

/** base64.StdEncoding.DecodeString (non-strict, skips \r and \n); returns the bytes. */
export function base64Decode(text: string): Buffer {
  const src = goBytes(text);
  const out: number[] = [];
  let si = 0;
  const isNL = (b: number | undefined): boolean => b === 0x0a || b === 0x0d;
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let err: CorruptInputError | null = null;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        throw new CorruptInputError(si - j);
      }
      const inb = src[si]!;
      si++;
      const d = DECODE[inb]!;
      if (d >= 0) {
        dbuf[j] = d;
        continue;
      }
      if (isNL(inb)) {
        j--;
        continue;
      }
      if (inb !== 0x3d) throw new CorruptInputError(si - 1);
      if (j === 0 || j === 1) throw new CorruptInputError(si - 1);
      if (j === 2) {
        while (si < src.length && isNL(src[si])) si++;
        if (si === src.length) throw new CorruptInputError(src.length);
        if (src[si] !== 0x3d) throw new CorruptInputError(si - 1);
        si++;
      }
      while (si < src.length && isNL(src[si])) si++;
      if (si < src.length) err = new CorruptInputError(si);
      dlen = j;
      break;
    }
    const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    for (let k = 0; k < dlen - 1; k++) out.push(bytes[k]!);
    if (err) throw err;
  }
  return Buffer.from(out);
}
