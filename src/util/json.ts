/**
 * JSON.parse for text from input files. V8's JSON.parse recurses once per nesting level, so
 * "[" repeated a few thousand times overflows the stack (a RangeError, not a SyntaxError): the
 * nesting depth is measured first, in one linear pass, and deeper text is refused.
 */

/** deeper than any JSON we write (captures nest 3 levels) by a wide margin */
export const MAX_JSON_DEPTH = 64;

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): JsonResult {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return { ok: false, reason: `is nested more than ${maxDepth} levels deep` };
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'is not valid JSON' };
  }
}
