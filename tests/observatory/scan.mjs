// Runs Mozilla's HTTP Observatory (npm @mdn/mdn-http-observatory, pinned in package.json)
// against one site and prints its result as JSON: the package's own scan() — its retriever,
// its ten analyzers and its grader, unchanged — as the CLI `mdn-http-observatory-scan` does.
//
//   NODE_EXTRA_CA_CERTS=cert.pem node scan.mjs localhost:8443
//
// The target may carry a port: the retriever builds http://<target>/ and https://<target>/,
// so plain HTTP and HTTPS must answer on that one port (test_observatory.py puts a small
// protocol switch in front of krm), just as a real site answers on 80 and 443 of one host.
// TLS is verified as the Observatory verifies it; trust a test certificate with
// NODE_EXTRA_CA_CERTS (an untrusted one makes the HSTS and redirection checks fail).
// Exit status: 0 when the scan ran (whatever its grade), 1 when it could not run.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "@mdn/mdn-http-observatory";
const here = path.dirname(fileURLToPath(import.meta.url));
const packageDir = path.join(here, "node_modules", ...PACKAGE.split("/"));

const target = process.argv[2];
if (!target) {
  console.error("usage: node scan.mjs <host[:port]>");
  process.exit(2);
}

// The package's postinstall downloads Chromium's HSTS preload list into
// conf/hsts-preload.json; `npm ci --ignore-scripts` (no internet at install time) skips it.
// The analyzers only look host names up in it, and a local host is never on that public
// list: an empty list gives the same answers for it.
const preloadList = path.join(packageDir, "conf", "hsts-preload.json");
if (!fs.existsSync(preloadList)) {
  fs.writeFileSync(preloadList, "{}\n");
}

const { scan } = await import(path.join(packageDir, "src", "scanner", "index.js"));
const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8"));

try {
  const result = await scan(target);
  const tests = Object.fromEntries(
    Object.entries(result.tests).map(([name, test]) => {
      const { scoreDescription, ...rest } = test; // HTML prose, as the CLI leaves it out
      return [name, rest];
    })
  );
  console.log(
    JSON.stringify({ observatory: version, target, scan: result.scan, tests }, null, 2)
  );
} catch (e) {
  console.log(JSON.stringify({ observatory: version, target, error: String(e?.message ?? e) }));
  process.exit(1);
}
