// Routes and options from container labels. Pure: no I/O, no clock; every input is
// validated here.
export type { RoutingCode, RoutingWarning } from "./errors.js";
export { DEFAULT_SERVICE, ENV, LABELS, routesFromLabels, type RoutesFromLabelsOptions } from "./labels.js";
export { MAX_RULE_ROUTES, SUPPORTED_RULES, parseTraefikRule } from "./traefik-rule.js";
export * from "./types.js";
export * from "./validate.js";
