// Routes and options from container labels, replica and cross-service conflicts, and the
// HAProxy maps they produce. Pure: no I/O, no clock; every input is validated here.
export { backendName, tcpBackendName } from "./backend.js";
export { conflictsAcrossServices, type ConflictResult } from "./conflicts.js";
export type { RoutingCode, RoutingWarning } from "./errors.js";
export { DEFAULT_SERVICE, ENV, LABELS, routesFromLabels, type RoutesFromLabelsOptions } from "./labels.js";
export {
  ANY_HOST_KEY,
  buildMaps,
  renderMap,
  replaceMapCommands,
  resolveRoute,
  type MapEntry,
  type RouteMaps,
} from "./maps.js";
export { mergeReplicas, newestFirst, type MergedService } from "./replicas.js";
export { MAX_RULE_ROUTES, SUPPORTED_RULES, parseTraefikRule } from "./traefik-rule.js";
export * from "./types.js";
export * from "./validate.js";
