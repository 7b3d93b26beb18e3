import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LeaseClock } from '../../src/store/index.js';

test('a granted lease expires at now + ttl', () => {
  const clock = new LeaseClock();
  clock.grant(1, 1000, 10_000);
  assert.is(clock.remaining(1, 10_400), 600);
  assert.equal(clock.expired(10_999), []);
  assert.equal(clock.expired(11_000), [1]);
  assert.is(clock.remaining(1, 12_000), 0);
  assert.is(clock.remaining(2, 12_000), undefined);
  assert.is(clock.ttl(1), 1000);
});

test('keepAlive pushes the deadline out by one ttl; unknown or overdue leases are refused', () => {
  const clock = new LeaseClock();
  clock.grant(1, 1000, 0);
  assert.is(clock.keepAlive(1, 900), 1000);
  assert.equal(clock.expired(1500), []);
  assert.is(clock.remaining(1, 1500), 400);
  assert.is(clock.keepAlive(1, 1900), undefined, 'the deadline passed: expiry may be in flight');
  assert.is(clock.keepAlive(42, 0), undefined);
});

test('expired lists due leases soonest first, bounded by limit, until revoked', () => {
  const clock = new LeaseClock();
  clock.grant(3, 300, 0);
  clock.grant(1, 100, 0);
  clock.grant(2, 100, 0);
  clock.grant(4, 900, 0);
  assert.equal(clock.expired(500), [1, 2, 3]);
  assert.equal(clock.expired(500, 2), [1, 2]);
  clock.revoke(1);
  clock.revoke(99);
  assert.equal(clock.expired(500), [2, 3]);
  assert.is(clock.size, 3);
});

test('re-granting an id replaces its deadline', () => {
  const clock = new LeaseClock();
  clock.grant(1, 100, 0);
  clock.grant(1, 500, 0);
  assert.equal(clock.expired(200), []);
  assert.is(clock.size, 1);
});

test('resetAll (a new leader) gives every lease a full ttl from now and forgets the rest', () => {
  const clock = new LeaseClock();
  clock.grant(1, 100, 0);
  clock.grant(9, 100, 0);
  clock.resetAll([{ id: 1, ttlMs: 100 }, { id: 2, ttlMs: 50 }], 1000);
  assert.equal(clock.expired(1049), []);
  assert.equal(clock.expired(1050), [2]);
  assert.equal(clock.expired(1100), [2, 1]);
  assert.is(clock.remaining(9, 1000), undefined);
});

test.run();
