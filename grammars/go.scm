; Strata definitions and references for Go.
; Convention: see javascript.scm (or server/src/syntax/analysis/captures.ts). First pattern wins.
; Methods are declared outside their type, so they stay top-level, with the receiver as detail.

; ---- definitions -------------------------------------------------------------------------

(package_clause (package_identifier) @name) @definition.package

(function_declaration name: (identifier) @name) @definition.function

(method_declaration
  receiver: (parameter_list (parameter_declaration type: (_) @context))
  name: (field_identifier) @name) @definition.method

(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name) @definition.type
(type_alias name: (type_identifier) @name) @definition.type

(field_declaration_list (field_declaration name: (field_identifier) @name) @definition.field)
(interface_type (method_elem name: (field_identifier) @name) @definition.method)

; Package-level constants and variables; locals would drown the outline.
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.variable))
(source_file (var_declaration (var_spec_list (var_spec name: (identifier) @name) @definition.variable)))

; ---- references --------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (selector_expression field: (field_identifier) @name)) @reference.call
(type_identifier) @reference.type

; ---- any other identifier ------------------------------------------------------------------

(identifier) @reference.identifier
(field_identifier) @reference.identifier
(package_identifier) @reference.identifier
