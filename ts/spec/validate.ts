// Schema validation of config.json with the validator ajv generated at build time
// (dist/validate-config.cjs): no schema is compiled when ocirun runs.
import { ConfigError } from '../errors.ts';
import { requirePackageFile } from '../paths.ts';
import type { Process, Spec } from './types.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

type CompiledValidator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

type Document = 'config' | 'process';
const compiled: Partial<Record<Document, CompiledValidator>> = {};

function validator(doc: Document): CompiledValidator {
  compiled[doc] ??= requirePackageFile<CompiledValidator>(`./dist/validate-${doc}.cjs`);
  return compiled[doc];
}

/** "/linux/resources/hugepageLimits/0/pageSize" -> "linux.resources.hugepageLimits[0].pageSize" */
export function jsonPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text !== undefined && text.length <= 60 ? ` (got ${text})` : '';
}

function valueAt(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

/** The first schema violation as a ConfigError naming the field, or null when valid. */
export function schemaError(doc: unknown, file = 'config.json', kind: Document = 'config'): ConfigError | null {
  const validate = validator(kind);
  if (validate(doc)) return null;
  const e = validate.errors?.[0];
  if (!e) return new ConfigError('', 'does not match the schema', file);
  const field = jsonPath(e.instancePath);
  const got = describe(valueAt(doc, e.instancePath));
  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params['missingProperty']);
      return new ConfigError(field ? `${field}.${missing}` : missing, 'is required', file);
    }
    case 'enum': {
      const allowed = (e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return new ConfigError(field, `must be one of ${allowed}${got}`, file);
    }
    case 'pattern':
      if (e.params['pattern'] === '^/') return new ConfigError(field, `must be an absolute path${got}`, file);
      return new ConfigError(field, `${e.message ?? 'is not valid'}${got}`, file);
    default:
      return new ConfigError(field, `${e.message ?? 'is not valid'}${got}`, file);
  }
}

function parse(text: string, file: string, kind: Document): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('', `is not valid JSON: ${(e as Error).message}`, file);
  }
  const err = schemaError(doc, file, kind);
  if (err) throw err;
  return doc;
}

/** Parses and schema-validates config.json text. */
export function parseConfig(text: string, file = 'config.json'): Spec {
  return parse(text, file, 'config') as Spec;
}

/** Parses and schema-validates a process.json (`exec --process`): the spec's Process alone. */
export function parseProcess(text: string, file = 'process.json'): Process {
  return parse(text, file, 'process') as Process;
}
