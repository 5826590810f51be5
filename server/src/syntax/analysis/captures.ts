/**
 * The capture-name convention shared by every grammars/*.scm query, and its meaning.
 *
 *   @definition.<kind>  the node spanning a whole definition (function with its body);
 *                       <kind> is a key of DEFINITION_KINDS and chooses the LSP SymbolKind
 *   @name               the name of the definition or reference in the same match
 *   @context            optional; its text becomes the symbol's `detail` (Go receiver, C++ scope)
 *   @reference.<kind>   a use of a name (call | type | identifier); its @name, or the captured
 *                       node itself when the pattern has no @name
 *
 * Guarantees: a query whose capture names fall outside the convention is rejected when it is
 * compiled (see queries.ts), so a typo in a .scm file fails loudly in tests instead of silently
 * dropping symbols. Capture indices are resolved once per compiled query into a role table, so the
 * hot loop compares small integers, never strings.
 * Role tables belong to a compiled query, so to its thread.
 */
import { SymbolKind, type ReferenceKind } from '../types.js';

/** Definition kinds a query may use, and the LSP SymbolKind each one becomes. */
const DEFINITION_KINDS: Readonly<Record<string, SymbolKind>> = {
  module: SymbolKind.Module,
  namespace: SymbolKind.Namespace,
  package: SymbolKind.Package,
  class: SymbolKind.Class,
  method: SymbolKind.Method,
  property: SymbolKind.Property,
  field: SymbolKind.Field,
  constructor: SymbolKind.Constructor,
  enum: SymbolKind.Enum,
  interface: SymbolKind.Interface,
  function: SymbolKind.Function,
  variable: SymbolKind.Variable,
  constant: SymbolKind.Constant,
  string: SymbolKind.String,
  number: SymbolKind.Number,
  boolean: SymbolKind.Boolean,
  array: SymbolKind.Array,
  object: SymbolKind.Object,
  key: SymbolKind.Key,
  null: SymbolKind.Null,
  enum_member: SymbolKind.EnumMember,
  struct: SymbolKind.Struct,
  event: SymbolKind.Event,
  operator: SymbolKind.Operator,
  // LSP has no kind for these; the nearest ones, as rust-analyzer and clangd choose.
  type: SymbolKind.TypeParameter,
  trait: SymbolKind.Interface,
  macro: SymbolKind.Function,
  // A Rust impl block: a container named `impl Trait for Type` (see outline.ts).
  impl: SymbolKind.Object,
};

const REFERENCE_KINDS: readonly ReferenceKind[] = ['call', 'type', 'identifier'];

/** What a capture index means. */
export const enum Role { Ignored, Name, Context, Trait, Definition, Reference }

export interface CaptureRole {
  role: Role;
  /** For definitions: the SymbolKind. */
  symbolKind?: SymbolKind;
  /** For definitions: the convention's kind word (e.g. 'impl'), for kind-specific naming. */
  definitionKind?: string;
  /** For references. */
  referenceKind?: ReferenceKind;
}

/**
 * The role of each capture name, in capture-index order. Throws on a name outside the convention.
 * `@trait` is the one helper capture beside @name/@context: the trait of a Rust `impl Trait for T`.
 */
export function captureRoles(captureNames: readonly string[]): CaptureRole[] {
  return captureNames.map((name) => {
    if (name === 'name') return { role: Role.Name };
    if (name === 'context') return { role: Role.Context };
    if (name === 'trait') return { role: Role.Trait };
    const dot = name.indexOf('.');
    const head = dot < 0 ? name : name.slice(0, dot);
    const kind = dot < 0 ? '' : name.slice(dot + 1);
    if (head === 'definition' && Object.hasOwn(DEFINITION_KINDS, kind)) {
      return { role: Role.Definition, symbolKind: DEFINITION_KINDS[kind]!, definitionKind: kind };
    }
    if (head === 'reference' && (REFERENCE_KINDS as readonly string[]).includes(kind)) {
      return { role: Role.Reference, referenceKind: kind as ReferenceKind };
    }
    // Captures starting with '_' are private to a pattern (used by predicates) and ignored.
    if (name.startsWith('_')) return { role: Role.Ignored };
    throw new Error(`strata: capture @${name} is outside the query convention`);
  });
}
