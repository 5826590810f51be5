; Strata definitions and references for Rust.
; Convention: see javascript.scm (or server/src/syntax/analysis/captures.ts). First pattern wins.
; An impl block is a container named `impl Type` or `impl Trait for Type` (@trait); fns in impl
; blocks and traits become methods by containment (outline.ts).

; ---- definitions -------------------------------------------------------------------------

(mod_item name: (identifier) @name) @definition.module
(struct_item name: (type_identifier) @name) @definition.struct
(union_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(enum_variant name: (identifier) @name) @definition.enum_member
(trait_item name: (type_identifier) @name) @definition.trait
(type_item name: (type_identifier) @name) @definition.type
(associated_type name: (type_identifier) @name) @definition.type

(impl_item trait: (_) @trait type: (_) @name) @definition.impl
(impl_item type: (_) @name) @definition.impl

[(function_item name: (identifier) @name)
 (function_signature_item name: (identifier) @name)] @definition.function

(macro_definition name: (identifier) @name) @definition.macro
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.variable
(field_declaration_list (field_declaration name: (field_identifier) @name) @definition.field)

; ---- references --------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (scoped_identifier name: (identifier) @name)) @reference.call
(generic_function function: (identifier) @name) @reference.call
(macro_invocation macro: (identifier) @name) @reference.call
(type_identifier) @reference.type

; ---- any other identifier ------------------------------------------------------------------

(identifier) @reference.identifier
(field_identifier) @reference.identifier
(shorthand_field_identifier) @reference.identifier
