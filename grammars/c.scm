; Strata definitions and references for C.
; Convention: see javascript.scm (or server/src/syntax/analysis/captures.ts). First pattern wins.
; A function's name sits inside its declarator, behind up to two pointer declarators (`char **f()`).

; ---- definitions -------------------------------------------------------------------------

(function_definition
  declarator: [(function_declarator declarator: (identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
               (pointer_declarator declarator: (pointer_declarator
                 declarator: (function_declarator declarator: (identifier) @name)))]) @definition.function

; Prototypes (headers) are definitions too: they are what a reader looks for.
(declaration
  declarator: [(function_declarator declarator: (identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
               (pointer_declarator declarator: (pointer_declarator
                 declarator: (function_declarator declarator: (identifier) @name)))]) @definition.function

(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum
(enumerator name: (identifier) @name) @definition.enum_member
(type_definition declarator: (type_identifier) @name) @definition.type

(field_declaration_list (field_declaration
  declarator: [(field_identifier) @name
               (pointer_declarator declarator: (field_identifier) @name)
               (array_declarator declarator: (field_identifier) @name)]) @definition.field)

(preproc_function_def name: (identifier) @name) @definition.function
(preproc_def name: (identifier) @name) @definition.constant

; File-level variables (also inside include guards); locals would drown the outline.
(translation_unit (declaration
  declarator: [(identifier) @name (init_declarator declarator: (identifier) @name)]) @definition.variable)
(preproc_ifdef (declaration
  declarator: [(identifier) @name (init_declarator declarator: (identifier) @name)]) @definition.variable)

; ---- references --------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(type_identifier) @reference.type

; ---- any other identifier ------------------------------------------------------------------

(identifier) @reference.identifier
(field_identifier) @reference.identifier
