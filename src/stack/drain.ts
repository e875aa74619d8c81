// Drains a server in the HAProxy of a running `hecd up` stack before its container stops.
import type { Drainer } from "../deploy/stop.js";
import type { StackInfo } from "./state.js";

export function stackDrainer(_stack: StackInfo): Drainer | undefined {
  return undefined;
}
