/**
 * The JSON Schema of a scenario, built from the step table in format.ts. The loader validates
 * with this object; schema/scenario.schema.json is the same object written out for editors and
 * other tools (npm run scenario-format; a test fails when the committed file is stale).
 */
import { COMMON_FIELDS, STEP_KINDS, STEP_KIND_NAMES, type FieldSpec } from './format.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ref = (name: string) => ({ $ref: `#/$defs/${name}` });
const HEX_BYTES = { type: 'string', pattern: '^([0-9a-fA-F]{2})*$', description: 'Bytes as hex, two digits a byte.' };
const BYTE = { type: 'integer', minimum: 0, maximum: 255 };

function fieldSchema(f: FieldSpec): Json {
  switch (f.type) {
    case 'define':
    case 'handle':
      return ref('name');
    case 'u64':
      return ref('u64');
    case 'flags':
      return ref('flags');
    case 'bytes':
      return HEX_BYTES;
    case 'byte':
      return BYTE;
    case 'string':
      return { type: 'string' };
    case 'nameOrNumber':
      return { anyOf: [ref('u64'), { type: 'string' }] };
    case 'userspaceAddr':
      return { anyOf: [ref('u64'), { type: 'object', required: ['mappingOf'], properties: { mappingOf: ref('name'), plus: ref('u64') }, additionalProperties: false }] };
    case 'guestMemfd':
      return { anyOf: [ref('name'), ref('u64')] };
    case 'u64List':
      return { type: 'array', items: ref('u64'), maxItems: f.maxItems };
    case 'enum':
      return { enum: [...f.values] };
  }
}

function stepSchema(kind: keyof typeof STEP_KINDS): Json {
  const spec = STEP_KINDS[kind];
  const fields = Object.entries(spec.fields) as [string, FieldSpec][];
  return {
    type: 'object',
    description: spec.doc,
    required: ['do', ...fields.filter(([, f]) => f.required).map(([name]) => name)],
    properties: {
      do: { const: kind },
      expect: ref('expect'),
      expectBy: {
        type: 'object',
        description: COMMON_FIELDS.expectBy,
        propertyNames: { pattern: '^linux-[0-9]+\\.[0-9]+$' },
        additionalProperties: ref('expect'),
        minProperties: 1,
      },
      note: { type: 'string', description: 'Why this step is here (shown in reports).' },
      divergence: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: COMMON_FIELDS.divergence },
      ...Object.fromEntries(fields.map(([name, f]) => [name, f.doc ? { ...(fieldSchema(f) as object), description: f.doc } : fieldSchema(f)])),
    },
    additionalProperties: false,
  };
}

const U64: Json = {
  description: 'A u64: a JSON integer, a decimal or 0x-hex string, 2^N or 2^N+K / 2^N-K, or a $matrix key.',
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^(\\$[a-zA-Z_]+|0x[0-9a-fA-F]{1,16}|[0-9]{1,20}|2\\^[0-9]{1,2}([+-][0-9]+)?)$' },
  ],
};

const EXPECT: Json = {
  oneOf: [
    { const: 'ok' },
    { const: 'any' },
    {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        errno: { type: 'string', pattern: '^E[A-Z0-9]+$' },
        errorOffset: ref('u64'),
        signal: { enum: ['SIGBUS', 'SIGSEGV'] },
        mappingOffset: ref('u64'),
        fileOffset: ref('u64'),
        value: ref('u64'),
        bytes: HEX_BYTES,
        allBytes: BYTE,
        stat: { type: 'object', additionalProperties: ref('u64') },
        exit: { type: 'string', pattern: '^KVM_EXIT_[A-Z_]+$' },
        gpa: ref('u64'),
        isWrite: { type: 'boolean' },
        exitFlags: ref('u64'),
        policy: { type: 'string', pattern: '^MPOL_[A-Z_]+(\\|MPOL_F_[A-Z_]+)*( nodes=[0-9]+(,[0-9]+)*)?$' },
        unsupported: { const: true },
      },
    },
  ],
};

const REQUIRES: Json = {
  type: 'object',
  additionalProperties: false,
  properties: {
    vmType: { type: 'string', description: 'A VM type the backend must offer (KVM_CAP_VM_TYPES).' },
    gmemFlags: { ...ref('flags'), description: 'Flags a VM of requires.vmType (default DEFAULT) must accept (KVM_CAP_GUEST_MEMFD_FLAGS).' },
    inPlace: { type: 'boolean', description: 'true: KVM_SET_MEMORY_ATTRIBUTES2 must be available (the in-place capability answers non-zero for requires.vmType); false: it must not be.' },
    inPlaceOn: { type: 'boolean', description: 'true: kvm.gmem_in_place_conversion is on (private/shared lives in every guest_memfd, whatever the VM type); false: it is off or absent.' },
    vmAttributesIoctl: { type: 'boolean', description: 'true: the VM-wide KVM_SET_MEMORY_ATTRIBUTES exists; false: it is compiled out (ENOTTY; the in-place series without CONFIG_KVM_VM_MEMORY_ATTRIBUTES).' },
    rfcConvert: { type: 'boolean', description: 'KVM_GMEM_CONVERT_* must be available (profile rfc-1g-v2).' },
    vmMemoryAttributes: { type: 'boolean', description: 'KVM_SET_MEMORY_ATTRIBUTES must accept PRIVATE for requires.vmType.' },
    pins: { type: 'boolean', description: 'The backend must support long-term pins.' },
    transparentHugepages: { type: 'boolean', description: 'true: the kernel (or the model\'s profile) has transparent huge pages; false: it is built without them.' },
    backend: { enum: ['model', 'kernel'], description: 'Only on this backend.' },
    memoryNodes: { type: 'integer', minimum: 1, description: 'At least this many NUMA nodes with memory (a policy naming node 1 needs 2).' },
  },
};

/** The fields an expectation may have. */
export const EXPECT_FIELDS: readonly string[] = Object.keys((EXPECT as { oneOf: { properties?: object }[] }).oneOf.find((b) => b.properties)!.properties!);

/** The whole schema (JSON Schema 2020-12). */
export function scenarioSchema(): Json {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://guest-memfd.invalid/schema/scenario.schema.json',
    title: 'guest_memfd scenario',
    description: 'A named sequence of guest_memfd operations and what each must produce. See docs/scenarios.md. Generated from src/scenario/format.ts: do not edit.',
    type: 'object',
    required: ['name', 'steps'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]*$', description: "The check's id: lowercase, digits, . _ -" },
      description: { type: 'string' },
      source: { type: 'string', description: 'Where the rule comes from: an upstream selftest, a kernel function, or a section of docs/kernel-behaviour.md.' },
      requires: ref('requires'),
      matrix: {
        type: 'object',
        description: 'Run once per combination; "$key" in any step value (or in requires) stands for the current value.',
        additionalProperties: { type: 'array', minItems: 1 },
      },
      steps: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['do'],
          properties: { do: { enum: STEP_KIND_NAMES } },
          discriminator: { propertyName: 'do' },
          oneOf: STEP_KIND_NAMES.map(stepSchema),
        },
      },
    },
    $defs: {
      u64: U64,
      name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      flags: { description: 'A number, or flag names OR-ed together.', anyOf: [ref('u64'), { type: 'array', items: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' } }] },
      expect: EXPECT,
      requires: REQUIRES,
    },
  };
}

/** The schema file's text, as committed. */
export function scenarioSchemaText(): string {
  return `${JSON.stringify(scenarioSchema(), null, 2)}\n`;
}
