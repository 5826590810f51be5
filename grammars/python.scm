; Strata definitions and references for Python.
; Convention: see javascript.scm (or server/src/syntax/analysis/captures.ts). First pattern wins.
; A def inside a class becomes a method by containment (outline.ts), so one pattern serves both.

; ---- definitions -------------------------------------------------------------------------

; Decorated definitions span their decorators.
(decorated_definition
  definition: (class_definition name: (identifier) @name)) @definition.class
(decorated_definition
  definition: (function_definition name: (identifier) @name)) @definition.function

(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function

; Class attributes (`sku: str`, `LIMIT = 3`) are fields.
(class_definition body: (block (expression_statement
  (assignment left: (identifier) @name) @definition.field)))

; Module-level names: UPPER_CASE ones are constants by Python convention.
(module (expression_statement
  (assignment left: (identifier) @name) @definition.constant)
  (#match? @name "^[A-Z][A-Z0-9_]*$"))
(module (expression_statement
  (assignment left: (identifier) @name) @definition.variable))

; ---- references --------------------------------------------------------------------------

(call function: (identifier) @name) @reference.call
(call function: (attribute attribute: (identifier) @name)) @reference.call
(decorator (identifier) @name) @reference.call
(type (identifier) @name) @reference.type
(class_definition superclasses: (argument_list (identifier) @name)) @reference.type

; ---- any other identifier ------------------------------------------------------------------

(identifier) @reference.identifier
