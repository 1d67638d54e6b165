/**
 * Label values. A label's value is Java's `String.hashCode` of its qualified upper-case name, masked to 19
 * bits — the reference's choice, kept so layouts (and fuzzy label matching at runtime) agree with it.
 */

export const LABEL_HASH_MASK = 0x7ffff;

export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export function labelHash(qualifiedName: string): number {
  return javaStringHashCode(qualifiedName.toUpperCase()) & LABEL_HASH_MASK;
}
