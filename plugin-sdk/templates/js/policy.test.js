// Run the rule over a small inventory under Node (no build needed): `npm test`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { Inventory, SettingsError, run } from './fetter-policy.js';
import './policy.js';

const inventory = Inventory.of([
  { name: 'requests', version: '2.32.3' },
  { name: 'Acme_Tool', version: '0.1', directUrl: { url: 'git+https://example.com/acme', vcs: 'git' } },
  { name: 'local-lib', version: '1.0', directUrl: { url: 'file:///src/local-lib', editable: true } },
]);

test('denies only the git install', () => {
  assert.deepEqual(run(inventory).map((v) => [v.distribution, v.action, v.rule]),
    [[1, 'deny', '{{name}}/git-url']]);
});

test('allow takes any spelling', () => {
  assert.deepEqual(run(inventory, { allow: ['acme.tool'] }), []);
});

test('rejects unknown settings', () => {
  assert.throws(() => run(inventory, { alow: [] }), SettingsError);
});
