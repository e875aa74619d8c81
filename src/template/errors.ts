/** A parse or execution error; `message` is exactly Go's text/template error text. */
export class TemplateError extends Error {
  override name = "TemplateError";
}
