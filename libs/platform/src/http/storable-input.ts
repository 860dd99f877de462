import { FieldError } from '../problem-details';

/** Deeper than this, a body is refused before validation walks it (recursion has limits). */
export const maxInputDepth = 32;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What makes input unfit for any handler, whatever the endpoint: nesting deeper than
 * `maxInputDepth`, and strings PostgreSQL cannot hold (NUL) or that are not well-formed UTF-16 (a
 * lone surrogate). Walked iteratively, so that a 20,000-deep body is a 400 naming the field, not a
 * stack overflow; the HTTP app checks every request's body and query with it before anything else.
 */
export const storableInputErrors = (value: unknown): FieldError[] => {
  const errors: FieldError[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0 && errors.length < 10) {
    const { value: current, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    const field = path || 'body';
    if (typeof current === 'string') {
      if (current.includes('\u0000')) errors.push({ field, messages: [`${field} must not contain NUL characters`] });
      else if (loneSurrogate.test(current)) errors.push({ field, messages: [`${field} must be well-formed Unicode (it holds a lone surrogate)`] });
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxInputDepth) {
      errors.push({ field, messages: [`${field} is nested more than ${maxInputDepth} levels deep`] });
      continue;
    }
    for (const [key, child] of Object.entries(current)) {
      if (loneSurrogate.test(key) || key.includes('\u0000')) {
        errors.push({ field: path || 'body', messages: ['property names must be well-formed Unicode without NUL characters'] });
        continue;
      }
      stack.push({ value: child, path: Array.isArray(current) ? `${path}[${key}]` : path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return errors;
};
