/** A parse or execution error; `message` is exactly Go's text/template error text. */
export class TemplateError extends Error {
  override name = "TemplateError";
}

/**
 * JavaScript's stack ran out in a recursion Go would have followed further (Go stops at
 * 100,000 nested templates). The message is Go's depth error as Go would word it if the
 * recursion never ends; renderTemplate first retries on a thread with a bigger stack.
 */
export class StackExhaustedError extends TemplateError {}
