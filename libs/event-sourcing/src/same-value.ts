import { isDeepStrictEqual } from 'node:util';

/**
 * Structural equality for decisions like "is this a change?": stored events come back from JSONB
 * with their object keys reordered, so comparing JSON text would see changes where there are none.
 */
export const sameValue = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);
