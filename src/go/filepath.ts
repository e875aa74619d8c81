// Go's path/filepath where hecd needs it. On Unix the separator is "/" and
// filepath.Match is path.Match, byte for byte.
export { BadPatternError, match } from "./path.js";
