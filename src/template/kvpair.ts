// confd's memkv.KVPair, what get/gets return: the one struct type the template
// engine knows by name (zero values, the compiled fast path's field access).
import { GoStruct } from "../go/value.js";

/** memkv.KVPair, what confd's get/gets return. */
export class KVPair extends GoStruct {
  // On the prototype: a store holds thousands of pairs, each only its two fields.
  declare readonly goType: string;
  declare readonly fieldNames: readonly string[];
  constructor(
    public Key: string,
    public Value: string,
  ) {
    super();
  }
}
Object.defineProperties(KVPair.prototype, {
  goType: { value: "memkv.KVPair" },
  fieldNames: { value: Object.freeze(["Key", "Value"]) },
});
