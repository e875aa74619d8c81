import type { Command } from "commander";

export function registerTemplate(_program: Command): void {}
