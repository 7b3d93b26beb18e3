// Avro's encoding of a long, for the few places that frame Avro bytes by hand (a batch entry's
// header, a watch body's id): zigzag, then a base-128 varint, least significant group first.

/** The bytes of `n`, a non-negative safe integer (a length, a count, a union branch). */
export function avroLengthBytes(n: number): number[] {
  const bytes: number[] = [];
  let z = n * 2; // zigzag of a non-negative number
  while (z >= 0x80) {
    bytes.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  bytes.push(z);
  return bytes;
}
