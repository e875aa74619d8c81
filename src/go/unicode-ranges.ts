/** Sorted, disjoint, inclusive code point ranges. */
export interface RuneRanges {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** Decodes "gap.length" base-36 entries; gaps count from the end of the previous range (from 0x7f). */
export function decodeRanges(encoded: string): RuneRanges {
  const starts: number[] = [];
  const ends: number[] = [];
  let prev = 0x7f;
  for (const part of encoded.split(",")) {
    const dot = part.indexOf(".");
    const start = prev + parseInt(part.slice(0, dot), 36);
    const end = start + parseInt(part.slice(dot + 1), 36) - 1;
    starts.push(start);
    ends.push(end);
    prev = end;
  }
  return { starts, ends };
}

export function inRanges(ranges: RuneRanges, r: number): boolean {
  const { starts, ends } = ranges;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (r < starts[mid]!) hi = mid - 1;
    else if (r > ends[mid]!) lo = mid + 1;
    else return true;
  }
  return false;
}
