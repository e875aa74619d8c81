import type { Command } from "commander";
import { TemplateError } from "../../template/errors.js";
import { RenderInputError, renderFile } from "../../confd/template-file.js";

const HELP = `
Renders FILE with Go's text/template and confd's functions (get, gets, getv,
getvs, ls, lsdir, exists, split, base, printf, ...), exactly as confd would.

  --kv KV.json      key/value store behind get/gets/...: a JSON object of
                    key -> string, e.g. {"/app/servers/web1": "10.0.0.1:8080"}
                    (nested objects and arrays are flattened into paths)
  --data DATA.json  the template's dot ({{.}}); without it the dot is nil, as in confd

Example:
  $ cat kv.json
  {"/app/servers/web1": "10.0.0.1:8080", "/app/servers/web2": "10.0.0.2:8080"}
  $ cat haproxy.tmpl
  {{range gets "/app/servers/*"}}server {{base .Key}} {{.Value}} check
  {{end}}
  $ hecd template haproxy.tmpl --kv kv.json
  server web1 10.0.0.1:8080 check
  server web2 10.0.0.2:8080 check

Exit status: 0 rendered (output on stdout); 1 template parse or execution
error (Go's message on stderr, nothing on stdout); 2 unreadable or invalid
input file, or a usage error.
`;

export function registerTemplate(program: Command): void {
  program
    .command("template")
    .description("render a confd/Go text/template file to stdout")
    .argument("<FILE>", "template file; its base name names the template in error messages")
    .option("--kv <KV.json>", "JSON object of key -> value loaded into the key/value store")
    .option("--data <DATA.json>", "JSON document passed as the dot (default: nil)")
    .addHelpText("after", HELP)
    // Usage errors share exit status 2 with bad input files, as the help promises.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action((file: string, opts: { kv?: string; data?: string }) => {
      let out: string;
      try {
        out = renderFile(file, { kvFile: opts.kv, dataFile: opts.data });
      } catch (e) {
        if (e instanceof TemplateError) {
          process.stderr.write(e.message + "\n");
          process.exitCode = 1;
          return;
        }
        if (e instanceof RenderInputError) {
          process.stderr.write(`hecd template: ${e.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw e;
      }
      process.stdout.write(out);
    });
}
