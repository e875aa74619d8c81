// The template engine's public surface.
export { Template, type FuncMap, type ParseSettings } from "./template.js";
export { TemplateError } from "./errors.js";
export {
  GoError,
  GoNumber,
  GoStruct,
  GO_TYPE,
  KVPair,
  fromJSON,
  goTypeName,
  tagMap,
  tagSlice,
  type GoFunc,
  type GoFuncValue,
  type GoMap,
  type GoSlice,
  type GoValue,
} from "../go/value.js";
