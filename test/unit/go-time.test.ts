// time.ParseDuration against the Go toolchain the oracle uses: values to the
// nanosecond, and Go's error text for what it refuses.
import { describe, expect, it } from "vitest";
import { runGoProgram } from "../harness/go.js";
import { DurationError, parseDuration } from "../../src/go/time.js";

const INPUTS = [
  // Go's own test table (time_test.go) and neighbours
  ...["0", "5s", "30s", "1478s", "-5s", "+5s", "-0", "+0", "5.0s", "5.6s", "5.s", ".5s", "1.004s"],
  ...["100.00100s", "10ns", "11us", "12\u00b5s", "12\u03bcs", "13ms", "14s", "15m", "16h", "3h30m"],
  ...["10.5s4m", "-2m3.4s", "1h2m3s4ms5us6ns", "39h9m14.425s", "52763797000ns", "0.3333333333333333333h"],
  ...["9007199254740993ns", "9223372036854775807ns", "9223372036854775.807us", "9223372036854s775ms807us"],
  ...["-9223372036854775808ns", "-9223372036854775.808us", "-2562047h47m16.854775808s"],
  ...["0.100000000000000000000h", "0.830103483285477580700h", "1.00000000000000000000000001s"],
  // refused
  ...["", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "1sec", " 1s", "1s ", "1.5.s", "\u00ffs", 'a"b\\'],
  ...[
    "9223372036854775808ns",
    "9223372036854775.808us",
    "9223372036854ms775us808ns",
    "-9223372036854775809ns",
  ],
];

const program = (inputs: string[]): string => `package main

import (
	"encoding/json"
	"fmt"
	"time"
)

func main() {
	var inputs []string
	if err := json.Unmarshal([]byte(\`${JSON.stringify(inputs)}\`), &inputs); err != nil {
		panic(err)
	}
	for _, s := range inputs {
		d, err := time.ParseDuration(s)
		if err != nil {
			fmt.Println("error: " + err.Error())
		} else {
			fmt.Println(int64(d))
		}
	}
}
`;

function ours(s: string): string {
  try {
    return String(parseDuration(s));
  } catch (e) {
    if (!(e instanceof DurationError)) throw e;
    return "error: " + e.message;
  }
}

describe("go/time parseDuration", () => {
  it("gives what Go's time.ParseDuration gives, value or error", () => {
    const want = runGoProgram(program(INPUTS)).trimEnd().split("\n");
    expect(want).toHaveLength(INPUTS.length);
    INPUTS.forEach((s, i) => expect(ours(s), JSON.stringify(s)).toBe(want[i]));
  });
});
