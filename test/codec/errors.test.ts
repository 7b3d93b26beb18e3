import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CancelledError, CompactedError, FutureRevisionError, InternalError, InvalidArgumentError, KeelError, KeyTooLargeError,
  LeaseNotFoundError, NoLeaderError, NotLeaderError, RequestTooLargeError, TimeoutError, TooManyOpsError, UnavailableError,
  UnimplementedError, ValueTooLargeError, errorFromBody, FencedError, AlreadyRegisteredError, AlreadyExistsError,
  NotFoundError, SessionLostError, NoSpaceError, PermissionDeniedError,
} from '../../src/codec/errors.js';
import type { ErrorCode } from '../../src/codec/types.js';

// One sample per code; the Record type makes this fail to compile when a code is added without one.
const SAMPLES: Record<ErrorCode, KeelError> = {
  InvalidArgument: new InvalidArgumentError('key must not be empty'),
  KeyTooLarge: new KeyTooLargeError(5000, 4096),
  ValueTooLarge: new ValueTooLargeError(2_000_000, 1_048_576),
  TooManyOps: new TooManyOpsError(200, 128),
  RequestTooLarge: new RequestTooLargeError(3_000_000, 1_500_000),
  Unimplemented: new UnimplementedError('frobnicate'),
  LeaseNotFound: new LeaseNotFoundError(77),
  Compacted: new CompactedError(5, 42),
  FutureRevision: new FutureRevisionError(900, 17),
  NoLeader: new NoLeaderError(),
  NotLeader: new NotLeaderError(),
  Timeout: new TimeoutError(),
  Unavailable: new UnavailableError('node n2 has known no leader for 3000 ms'),
  Cancelled: new CancelledError('the client is closed'),
  Internal: new InternalError('apply called from inside a watch sink'),
  Fenced: new FencedError('broker b1 epoch 4 is stale'),
  AlreadyRegistered: new AlreadyRegisteredError('b1', 12),
  AlreadyExists: new AlreadyExistsError('topic orders exists'),
  NotFound: new NotFoundError('topic orders does not exist'),
  SessionLost: new SessionLostError('lease 5 expired'),
  NoSpace: new NoSpaceError('the storage quota is exceeded'),
  PermissionDenied: new PermissionDeniedError('publish to keel.default.admin.compact refused'),
};

for (const [code, sent] of Object.entries(SAMPLES)) {
  test(`${code}: rebuilt from its wire body as its own class with its fields`, () => {
    const back = errorFromBody(sent.toBody());
    assert.instance(back, sent.constructor as new () => KeelError);
    assert.instance(back, KeelError);
    assert.instance(back, Error);
    assert.is(back.code, code);
    assert.is(back.name, sent.name);
    assert.is(back.message, sent.message);
    assert.is(back.revision, sent.revision);
    assert.ok(back.stack?.includes(sent.message));
  });
}

test('Compacted carries the compact revision, FutureRevision the current revision', () => {
  assert.is(errorFromBody(SAMPLES.Compacted.toBody()).revision, 42);
  assert.match(errorFromBody(SAMPLES.Compacted.toBody()).message, /revision 5 has been compacted/);
  assert.is(errorFromBody(SAMPLES.FutureRevision.toBody()).revision, 17);
});

test('an unknown code (a newer server) becomes an Internal error naming it', () => {
  const back = errorFromBody({ code: 'Quota' as ErrorCode, message: 'no space', revision: 0 });
  assert.instance(back, InternalError);
  assert.match(back.message, /Quota: no space/);
  assert.instance(errorFromBody({ code: 'toString' as ErrorCode, message: 'x', revision: 0 }), InternalError);
});

test.run();
