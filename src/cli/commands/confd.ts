import type { Command } from "commander";

export function registerConfd(_program: Command): void {}
