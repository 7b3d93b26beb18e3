import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTxnSpec } from '../../src/cli/txn-spec.js';
import { KeelError } from '../../src/codec/errors.js';

const s = (b: Uint8Array): string => Buffer.from(b).toString();

test('text spec: compares, success and failure sections, quoting and flags', () => {
  const spec = parseTxnSpec([
    '# take the lock',
    'version("locks/a") = "0"',
    'mod("cfg") < 10',
    'value("cfg") != "x y"',
    '',
    'put locks/a "me and you" --lease=7 --prev-kv',
    'del tmp/ --prefix',
    '',
    'get locks/a',
    'get a z --limit=2 --keys-only',
    '',
  ].join('\n'));
  assert.equal(spec.compare!.map((c) => [s(c.key), c.target, c.result, c.target === 'value' ? s(c.value) : c.number]), [
    ['locks/a', 'version', 'equal', 0], ['cfg', 'modRevision', 'less', 10], ['cfg', 'value', 'notEqual', 'x y'],
  ]);
  const [put, del] = spec.success!;
  assert.ok(put.type === 'put' && s(put.value) === 'me and you' && put.lease === 7 && put.prevKv);
  assert.ok(del.type === 'deleteRange' && s(del.key) === 'tmp/' && s(del.rangeEnd) === 'tmp0');
  const [get, range] = spec.failure!;
  assert.ok(get.type === 'range' && get.rangeEnd.length === 0);
  assert.ok(range.type === 'range' && s(range.rangeEnd) === 'z' && range.limit === 2 && range.keysOnly);
});

test('text spec without compares starts with a blank line', () => {
  const spec = parseTxnSpec('\nput a 1\n');
  assert.is(spec.compare!.length, 0);
  assert.is(spec.success!.length, 1);
  assert.is(spec.failure!.length, 0);
});

test('JSON spec', () => {
  const spec = parseTxnSpec(JSON.stringify({
    compare: [{ key: 'a', target: 'createRevision', result: '>', number: 3 }],
    success: [{ put: { key: 'a', value: 'v' } }, { range: { prefix: 'a/', limit: 5 } }],
    failure: [{ delete: { from: 'a', to: 'b', prevKv: true } }],
  }));
  assert.is(spec.compare![0].target, 'createRevision');
  assert.is(spec.compare![0].result, 'greater');
  assert.is(spec.success![1].type, 'range');
  const del = spec.failure![0];
  assert.ok(del.type === 'deleteRange' && s(del.rangeEnd) === 'b' && del.prevKv);
});

test('errors name the place and the problem', () => {
  const cases: [string, RegExp][] = [
    ['bogus("a") = 1', /compare 1 .*unknown target bogus/],
    ['version("a") = x', /"x" is not an integer/],
    ['\nfrob a', /success op 1 "frob a": unknown operation frob/],
    ['\nput a', /put needs <key> <value>/],
    ['\nget a b --prefix', /either --prefix or an end key/],
    ['\nput a b --limit=3', /put has no --limit/],
    ['a\n\nb\n\nc\n\nd', /more than three sections/],
    ['{"compare": 3}', /"compare" must be an array/],
    ['{"success": [{"put": {"key": "a"}}]}', /success\[0\]: value must be a string/],
    ['{"nope": []}', /unknown field "nope"/],
    ['{bad json', /invalid JSON/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseTxnSpec(input), (e: unknown) => e instanceof KeelError && e.code === 'InvalidArgument' && message.test(e.message), input);
  }
});

test.run();
