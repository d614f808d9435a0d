/**
 * The scenario schema's validator. Compiling it with Ajv cost some 0.17 s of CPU in every process
 * that loaded a scenario (the gmem command, and most test files, each its own process), so the
 * build writes it out once as code (scripts/build-validator.mjs, GENERATED_FILE next to this
 * module) and a process loads that. The generated code names the digest of the schema it was
 * made from; when it is missing or was made from another schema (src/ rebuilt with tsc alone),
 * the validator is compiled here as before, with the same options.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import { scenarioSchema } from './schema.js';

export type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The generated validator (CommonJS: Ajv's generated code requires its runtime helpers by bare path). */
export const GENERATED_FILE = 'scenarioValidator.generated.cjs';

type Ajv = { compile(s: object): Validate };
type AjvClass = new (o: object) => Ajv;

/**
 * The one set of Ajv options, for the compiled and the generated validator alike. code.optimize
 * off halves the compile time at run time; validating a few hundred files gets no slower that matters.
 */
export function scenarioAjv(code: object = {}): Ajv {
  const Ajv2020 = (Ajv2020Module as unknown as { default: AjvClass }).default;
  return new Ajv2020({ allErrors: false, discriminator: true, strict: true, inlineRefs: false, code: { optimize: false, ...code } });
}

/**
 * Which schema, and which Ajv, a generated validator was made from: an Ajv upgrade through the
 * lockfile alone must not keep code the old Ajv generated.
 */
export function schemaDigest(schema: object = scenarioSchema() as object): string {
  const ajvVersion = (createRequire(import.meta.url)('ajv/package.json') as { version: string }).version;
  return createHash('sha256').update(`ajv ${ajvVersion}\n`).update(JSON.stringify(schema)).digest('hex');
}

/** The generated validator when it was made from this schema, else one compiled now. */
export function scenarioValidator(): Validate {
  const schema = scenarioSchema() as object;
  try {
    const generated = createRequire(import.meta.url)(`./${GENERATED_FILE}`) as Validate & { schemaDigest?: string };
    if (generated.schemaDigest === schemaDigest(schema)) return generated;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
  }
  return scenarioAjv().compile(schema);
}
