// JSON with 64-bit integers kept exact. config.json holds values above 2^53 (RLIM_INFINITY,
// memory limits); JSON.parse would round them, and serde then refuses the rounded value or,
// worse, takes it. Integers JavaScript cannot hold exactly stay as their source text (Node 22's
// JSON.parse source access and JSON.rawJSON) and are written back unchanged.

interface RawJsonApi {
  rawJSON(text: string): unknown;
}

type Reviver = (key: string, value: unknown, context: { source?: string }) => unknown;

const keepBigIntegers: Reviver = (_key, value, context) =>
  typeof value === 'number' && !Number.isSafeInteger(value) && context.source !== undefined && /^-?\d+$/.test(context.source)
    ? (JSON as unknown as RawJsonApi).rawJSON(context.source)
    : value;

/** JSON.parse, keeping integers beyond 2^53 exact for a later JSON.stringify. Values so kept are
 * opaque objects: use it for documents passed on, not for ones whose numbers are read. */
export function parseExact(text: string): unknown {
  return JSON.parse(text, keepBigIntegers as Parameters<typeof JSON.parse>[1]);
}
