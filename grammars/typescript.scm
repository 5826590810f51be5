; Strata definitions and references for TypeScript.
; Convention: see javascript.scm (or server/src/syntax/analysis/captures.ts). First pattern wins.
; tsx.scm repeats this file and adds JSX; keep the two in step.

; ---- definitions -------------------------------------------------------------------------

(method_definition
  name: (property_identifier) @name
  (#eq? @name "constructor")) @definition.constructor

[(method_definition
   name: [(property_identifier) (private_property_identifier) (string) (computed_property_name)] @name)
 (abstract_method_signature
   name: [(property_identifier) (private_property_identifier) (string) (computed_property_name)] @name)] @definition.method
(interface_body
  (method_signature name: [(property_identifier) (string) (computed_property_name)] @name) @definition.method)
(type_alias_declaration value: (object_type
  (method_signature name: [(property_identifier) (string) (computed_property_name)] @name) @definition.method))

[(class_declaration name: (type_identifier) @name)
 (abstract_class_declaration name: (type_identifier) @name)
 (class name: (type_identifier) @name)] @definition.class

(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(enum_body name: (property_identifier) @name @definition.enum_member)
(enum_assignment name: (property_identifier) @name) @definition.enum_member
(internal_module name: [(identifier) (nested_identifier)] @name) @definition.namespace
(module name: [(identifier) (nested_identifier) (string)] @name) @definition.module

[(function_declaration name: (identifier) @name)
 (generator_function_declaration name: (identifier) @name)
 (function_signature name: (identifier) @name)] @definition.function

(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.function

(variable_declarator
  name: (identifier) @name
  value: (class)) @definition.class

(public_field_definition
  name: [(property_identifier) (private_property_identifier)] @name
  value: [(arrow_function) (function_expression)]) @definition.method

(public_field_definition name: [(property_identifier) (private_property_identifier)] @name) @definition.property

; Members of interfaces and named object types; not of inline parameter types.
(interface_body
  (property_signature name: [(property_identifier) (private_property_identifier)] @name) @definition.property)
(type_alias_declaration value: (object_type
  (property_signature name: [(property_identifier) (private_property_identifier)] @name) @definition.property))

(pair
  key: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function

; Module-level bindings only, and exported ones (modules and namespaces): locals would drown
; the outline. `export` cannot appear inside a function, so the exported patterns need no parent.
(program
  (lexical_declaration "const" (variable_declarator name: (identifier) @name) @definition.constant))
(export_statement
  (lexical_declaration "const" (variable_declarator name: (identifier) @name) @definition.constant))
(program
  [(lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)
   (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable)])
(export_statement
  [(lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)
   (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable)])

; ---- references --------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (member_expression property: (property_identifier) @name)) @reference.call
(call_expression function: (await_expression (identifier) @name)) @reference.call
(new_expression constructor: (identifier) @name) @reference.call

(type_identifier) @reference.type

; ---- any other identifier ------------------------------------------------------------------

(identifier) @reference.identifier
(property_identifier) @reference.identifier
(shorthand_property_identifier) @reference.identifier
(shorthand_property_identifier_pattern) @reference.identifier
(private_property_identifier) @reference.identifier
