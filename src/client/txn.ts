// Transactions: compare helpers (`cmp`), operation helpers (`op`) and the fluent builder
//   client.txn().compare(cmp.value('a', '=', '1')).success(op.put('a', '2')).failure(op.get('a')).commit()
// (not if/then/else: an object with a `then` method is a thenable, and awaiting it would misfire)
// or the object form
//   client.txn({ compare: [cmp.version('a', '=', 0)], success: [op.put('a', '1')], failure: [] })
import { InvalidArgumentError } from '../codec/errors.js';
import type {
  Compare, CompareResult, CompareTarget, DeleteRangeOp, PutOp, RangeOp, TxnOp, TxnOpRequest,
} from '../codec/types.js';
import { resolveSelector, toBytes, type KeyLike, type KeySelector, type ValueLike } from './bytes.js';
import type { TxnResponse } from './results.js';

/** Comparison operators: symbols or the wire names. */
export type CompareOperator = '=' | '==' | '!=' | '>' | '<' | CompareResult;

const OPERATORS: Record<CompareOperator, CompareResult> = {
  '=': 'equal', '==': 'equal', '!=': 'notEqual', '>': 'greater', '<': 'less',
  equal: 'equal', notEqual: 'notEqual', greater: 'greater', less: 'less',
};

function compareResultOf(operator: string): CompareResult {
  const result = OPERATORS[operator as CompareOperator];
  if (!result) throw new InvalidArgumentError(`unknown compare operator "${operator}" (use =, !=, > or <)`);
  return result;
}

function numberCompare(target: Exclude<CompareTarget, 'value'>) {
  return (key: KeyLike, operator: CompareOperator, n: number): Compare => ({
    key: toBytes(key), rangeEnd: new Uint8Array(0), target, result: compareResultOf(operator),
    value: new Uint8Array(0), number: n,
  });
}

/** Compare helpers. A missing key has version, createRevision, modRevision and lease 0. */
export const cmp = {
  value: (key: KeyLike, operator: CompareOperator, value: ValueLike): Compare => ({
    key: toBytes(key), rangeEnd: new Uint8Array(0), target: 'value', result: compareResultOf(operator),
    value: toBytes(value), number: 0,
  }),
  version: numberCompare('version'),
  createRevision: numberCompare('createRevision'),
  modRevision: numberCompare('modRevision'),
  lease: numberCompare('lease'),
};

export interface PutOptions { lease?: number; prevKv?: boolean }
export interface RangeOptions { limit?: number; keysOnly?: boolean; countOnly?: boolean }
export interface DeleteOptions { prevKv?: boolean }

/** Operation helpers for a transaction's branches. */
export const op = {
  put: (key: KeyLike, value: ValueLike, o: PutOptions = {}): PutOp => ({
    type: 'put', key: toBytes(key), value: toBytes(value), lease: o.lease ?? 0, prevKv: o.prevKv ?? false,
  }),
  get: (key: KeyLike): RangeOp => op.range(key),
  range: (sel: KeySelector | KeyLike, o: RangeOptions = {}): RangeOp => ({
    type: 'range', ...resolveSelector(sel),
    limit: o.limit ?? 0, keysOnly: o.keysOnly ?? false, countOnly: o.countOnly ?? false,
  }),
  delete: (sel: KeySelector | KeyLike, o: DeleteOptions = {}): DeleteRangeOp => ({
    type: 'deleteRange', ...resolveSelector(sel), prevKv: o.prevKv ?? false,
  }),
};

export interface TxnSpec {
  compare?: Compare[];
  success?: TxnOp[];
  failure?: TxnOp[];
  /** Must all hold or the txn fails with FencedError and neither branch runs (see fence.ts). */
  guard?: Compare[];
}

export function txnRequestOf(spec: TxnSpec): TxnOpRequest {
  const request: TxnOpRequest = { compare: spec.compare ?? [], success: spec.success ?? [], failure: spec.failure ?? [] };
  if (spec.guard && spec.guard.length > 0) request.guard = spec.guard;
  return request;
}

/** Collects compares and branches; `commit()` sends them as one transaction. */
export class TxnBuilder {
  private readonly spec: Required<TxnSpec> = { compare: [], success: [], failure: [], guard: [] };
  private readonly commitFn: (spec: TxnSpec) => Promise<TxnResponse>;

  constructor(commitFn: (spec: TxnSpec) => Promise<TxnResponse>) {
    this.commitFn = commitFn;
  }

  compare(...compares: Compare[]): this {
    this.spec.compare.push(...compares);
    return this;
  }

  success(...ops: TxnOp[]): this {
    this.spec.success.push(...ops);
    return this;
  }

  failure(...ops: TxnOp[]): this {
    this.spec.failure.push(...ops);
    return this;
  }

  /** Guards (e.g. `fenceGuards({ broker, epoch })`): if one fails, FencedError and nothing is applied. */
  guard(...compares: Compare[]): this {
    this.spec.guard.push(...compares);
    return this;
  }

  commit(): Promise<TxnResponse> {
    return this.commitFn(this.spec);
  }
}
