// docs/api/openapi.yaml documents every route the server serves (`fangyi routes`), with the
// right method, and documents no route the server does not have.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import { REPO_ROOT, serverRoutes } from './lib/harness.mjs';

const SPEC = path.join(REPO_ROOT, 'docs/api/openapi.yaml');
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

/**
 * Minimal reading of the `paths:` section: path keys are indented two spaces, operations four.
 * Returns a Set of "METHOD /path".
 */
export function documentedOperations(yaml) {
  const ops = new Set();
  let inPaths = false;
  let current = null;
  for (const raw of yaml.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    if (/^\S/.test(line)) {
      inPaths = /^paths:\s*$/.test(line);
      current = null;
      continue;
    }
    if (!inPaths) continue;
    const p = /^ {2}['"]?(\/[^'":]*)['"]?:\s*$/.exec(line);
    if (p) {
      current = p[1];
      continue;
    }
    if (/^ {2}\S/.test(line)) {
      current = null; // some other key at path level (e.g. a $ref'd path item we cannot read)
      continue;
    }
    const m = /^ {4}(get|post|put|delete|patch):\s*$/.exec(line);
    if (m && current) ops.add(`${m[1].toUpperCase()} ${current}`);
  }
  return ops;
}

let routes;
let documented;

before(async () => {
  routes = await serverRoutes();
  assert.ok(fs.existsSync(SPEC), `${path.relative(REPO_ROOT, SPEC)} does not exist`);
  documented = documentedOperations(fs.readFileSync(SPEC, 'utf8'));
});

test('the minimal YAML reader finds operations (self-check)', () => {
  const sample = ['openapi: 3.1.0', 'paths:', '  /a/{id}:', '    parameters: []', '    get:', '      summary: x', "  '/b':", '    post:', '    delete:', 'components:', '  /c:', '    get:'].join('\n');
  assert.deepEqual([...documentedOperations(sample)].sort(), ['DELETE /b', 'GET /a/{id}', 'POST /b']);
});

test('every route of `fangyi routes` is documented in docs/api/openapi.yaml with its method', () => {
  assert.ok(routes.length >= 40, `fangyi routes printed ${routes.length} routes`);
  assert.ok(METHODS.includes(routes[0].method.toLowerCase()));
  const missing = routes.filter((r) => !documented.has(`${r.method} ${r.path}`)).map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(missing, [], `undocumented routes:\n  ${missing.join('\n  ')}`);
});

test('docs/api/openapi.yaml documents no route the server does not serve', () => {
  const served = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const extra = [...documented].filter((op) => !served.has(op));
  assert.deepEqual(extra, [], `documented but not served:\n  ${extra.join('\n  ')}`);
});
