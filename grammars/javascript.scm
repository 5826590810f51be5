; Strata definitions and references for JavaScript (and JSX).
;
; Capture convention (shared by every grammars/*.scm, read by server/src/syntax/analysis/):
;   @definition.<kind>  the node spanning the whole definition; <kind> picks the SymbolKind
;   @name               the definition's (or reference's) name
;   @context            optional text shown as the symbol's detail (a receiver, a scope)
;   @trait              Rust only: the trait of `impl Trait for Type` (the symbol's name says both)
;   @reference.<kind>   a use of a name: call | type | identifier; its @name, or the node itself
; When several patterns capture the same node, the pattern written first wins, so specific
; patterns come before general ones. Nesting (methods in classes) comes from span containment.

; ---- definitions -------------------------------------------------------------------------

(method_definition
  name: (property_identifier) @name
  (#eq? @name "constructor")) @definition.constructor

(method_definition
  name: [(property_identifier) (private_property_identifier) (string) (computed_property_name)] @name) @definition.method

[(class_declaration name: (identifier) @name)
 (class name: (identifier) @name)] @definition.class

[(function_declaration name: (identifier) @name)
 (generator_function_declaration name: (identifier) @name)] @definition.function

(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.function

(variable_declarator
  name: (identifier) @name
  value: (class)) @definition.class

(assignment_expression
  left: (member_expression property: (property_identifier) @name)
  right: [(arrow_function) (function_expression)]) @definition.function

(field_definition
  property: [(property_identifier) (private_property_identifier)] @name) @definition.property

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
(new_expression constructor: (identifier) @name) @reference.call

; JSX components (capitalised); lower-case tags are HTML elements.
((jsx_opening_element name: (identifier) @name) @reference.call (#match? @name "^[A-Z]"))
((jsx_self_closing_element name: (identifier) @name) @reference.call (#match? @name "^[A-Z]"))

; ---- any other identifier ------------------------------------------------------------------

(identifier) @reference.identifier
(property_identifier) @reference.identifier
(shorthand_property_identifier) @reference.identifier
(shorthand_property_identifier_pattern) @reference.identifier
(private_property_identifier) @reference.identifier
