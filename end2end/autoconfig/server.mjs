// A real HTTPS server for 自動設定's tests: the autoconfig documents a
// domain publishes (autoconfig.<domain>/mail/config-v1.1.xml and
// <domain>/.well-known/autoconfig/mail/config-v1.1.xml) and an ISPDB-style
// database (/v1.1/<domain>), chosen by the Host the client asked for.
// Started by scripts/mailstack.sh with a certificate of the stack's CA;
// the documents are files it writes. Only the listed host and path pairs
// answer; anything else is 404.
import { createServer } from "node:https";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.AUTOCONFIG_DIR;
const host = process.env.AUTOCONFIG_ADDR;
const port = Number(process.env.AUTOCONFIG_PORT ?? "443");
if (!dir || !host) throw new Error("AUTOCONFIG_DIR and AUTOCONFIG_ADDR are required");

const server = createServer(
  { key: readFileSync(join(dir, "server.key")), cert: readFileSync(join(dir, "server.pem")) },
  (req, res) => {
    const name = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    const path = (req.url ?? "/").split("?")[0];
    // Files are named <host><path> with "/" written as "_".
    const file = join(dir, "docs", `${name}${path}`.replace(/[^a-z0-9.-]/gi, "_"));
    console.log(`${new Date().toISOString()} ${name} ${req.url}`);
    if (req.method !== "GET" || !existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": "application/xml; charset=utf-8" });
    res.end(readFileSync(file));
  },
);
server.listen(port, host, () => console.log(`autoconfig on https://${host}:${port}`));
