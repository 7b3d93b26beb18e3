// sorted-btree is CommonJS; under NodeNext/ESM its default import is the module object and the
// class sits on `.default`. Every store file takes the class from here.
import BTreeModule from 'sorted-btree';

export const BTree = BTreeModule.default;
export type BTree<K, V> = InstanceType<typeof BTreeModule.default<K, V>>;
