; Strata definitions and references for C.
; Convention: see javascript.scm (or server/src/syntax/analysis/captures.ts). First pattern wins.
; A function's name sits inside its declarator, behind up to two pointer declarators (`char **f()`).

; ---- definitions -------------------------------------------------------------------------

(function_definition
  declarator: [(function_declarator declarator: (identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
               (pointer_declarator declarator: (pointer_declarator
                 declarator: (function_declarator declarator: (identifier) @name)))]) @definition.function

; `static int __init f(void)`: an attribute macro before the name makes the grammar end a declaration
; `static int __init` with a missing ';' and read `f(void) {…}` as a definition of nothing of type `f`.
; The missing ';' is what tells it from a macro loop in a body (`list_for_each(p) {…}`), which has
; the same shape after a whole statement.
(_ (declaration (MISSING ";")) .
   (function_definition type: (type_identifier) @name declarator: (parenthesized_declarator)
     body: (compound_statement)) @definition.function)

; At file level (also in a top-level #if), `T (x) {…}` and `f(a, b) {…}` are no C: they are a macro that
; makes a function (`BUILD_TRAP_HANDLER(bug) {…}`, `SYSCALL_DEFINE2(getgroups, …) {…}`), named after the
; macro as ctags names it. In a body the same shapes are macro loops (`list_for_each(p) {…}`), and
; when recovery closes a body early they reach file level too; such loops are lower case or FOREACH,
; so only an upper-case macro name counts.
(translation_unit (function_definition type: (type_identifier) @name declarator: (parenthesized_declarator)
  body: (compound_statement)) @definition.function
  (#match? @name "^[A-Z][A-Z0-9_]*$") (#not-match? @name "FOR_?EACH"))
(translation_unit (expression_statement (call_expression function: (identifier) @name) (MISSING ";"))
  @definition.function . (compound_statement)
  (#match? @name "^[A-Z][A-Z0-9_]*$") (#not-match? @name "FOR_?EACH"))
(translation_unit (preproc_ifdef (function_definition type: (type_identifier) @name
  declarator: (parenthesized_declarator) body: (compound_statement)) @definition.function)
  (#match? @name "^[A-Z][A-Z0-9_]*$") (#not-match? @name "FOR_?EACH"))
(translation_unit (preproc_if (function_definition type: (type_identifier) @name
  declarator: (parenthesized_declarator) body: (compound_statement)) @definition.function)
  (#match? @name "^[A-Z][A-Z0-9_]*$") (#not-match? @name "FOR_?EACH"))
(translation_unit (preproc_ifdef (expression_statement (call_expression function: (identifier) @name)
  (MISSING ";")) @definition.function . (compound_statement))
  (#match? @name "^[A-Z][A-Z0-9_]*$") (#not-match? @name "FOR_?EACH"))
(translation_unit (preproc_if (expression_statement (call_expression function: (identifier) @name)
  (MISSING ";")) @definition.function . (compound_statement))
  (#match? @name "^[A-Z][A-Z0-9_]*$") (#not-match? @name "FOR_?EACH"))

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
; `typedef T name;`, `typedef T *name;`, `typedef T name[4];`, `typedef T name(…);` and pointers to
; functions, `typedef T (*name)(…);` (also returning a pointer).
(type_definition declarator: [(type_identifier) @name
  (pointer_declarator declarator: (type_identifier) @name)
  (array_declarator declarator: (type_identifier) @name)
  (function_declarator declarator: (type_identifier) @name)
  (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
  (pointer_declarator declarator: (function_declarator
    declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name))))]) @definition.type

(field_declaration_list (field_declaration
  declarator: [(field_identifier) @name
               (pointer_declarator declarator: (field_identifier) @name)
               (array_declarator declarator: (field_identifier) @name)]) @definition.field)

(preproc_function_def name: (identifier) @name) @definition.function
(preproc_def name: (identifier) @name) @definition.constant

; File-level variables (also inside include guards); locals would drown the outline. A declaration
; whose ';' the grammar had to invent is no variable: it is `static int __init` above.
(translation_unit (declaration
  declarator: [(identifier) @name (init_declarator declarator: (identifier) @name)] ";" @_end .) @definition.variable
  (#not-eq? @_end ""))
(preproc_ifdef (declaration
  declarator: [(identifier) @name (init_declarator declarator: (identifier) @name)] ";" @_end .) @definition.variable
  (#not-eq? @_end ""))

; ---- references --------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(type_identifier) @reference.type

; ---- any other identifier ------------------------------------------------------------------

(identifier) @reference.identifier
(field_identifier) @reference.identifier
