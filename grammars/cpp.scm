; Strata definitions and references for C++.
; Convention: see javascript.scm (or server/src/syntax/analysis/captures.ts). First pattern wins.
; Functions defined in a class body become methods by containment (outline.ts); those defined
; outside it (`int Scheduler::run()`) are methods with their scope as detail.

; ---- definitions -------------------------------------------------------------------------

(namespace_definition name: [(namespace_identifier) (nested_namespace_specifier)] @name) @definition.namespace

(class_specifier name: [(type_identifier) (template_type)] @name body: (field_declaration_list)) @definition.class
(struct_specifier name: [(type_identifier) (template_type)] @name body: (field_declaration_list)) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum
(enumerator name: (identifier) @name) @definition.enum_member
(type_definition declarator: (type_identifier) @name) @definition.type
(alias_declaration name: (type_identifier) @name) @definition.type
(concept_definition name: (identifier) @name) @definition.interface

; Out-of-class definitions: `Scheduler::run`.
(function_definition
  declarator: [(function_declarator declarator: (qualified_identifier scope: (_) @context name: (_) @name))
               (pointer_declarator declarator: (function_declarator
                 declarator: (qualified_identifier scope: (_) @context name: (_) @name)))
               (reference_declarator (function_declarator
                 declarator: (qualified_identifier scope: (_) @context name: (_) @name)))]) @definition.method

(function_definition
  declarator: [(function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)
               (pointer_declarator declarator: (function_declarator
                 declarator: [(identifier) (field_identifier) (operator_name)] @name))
               (reference_declarator (function_declarator
                 declarator: [(identifier) (field_identifier) (operator_name)] @name))]) @definition.function

; Prototypes: free functions (headers) and member declarations in a class body.
(declaration
  declarator: [(function_declarator declarator: (identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
               (reference_declarator (function_declarator declarator: (identifier) @name))]) @definition.function
(field_declaration_list (field_declaration
  declarator: [(function_declarator declarator: [(field_identifier) (destructor_name) (operator_name)] @name)
               (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name))
               (reference_declarator (function_declarator declarator: (field_identifier) @name))]) @definition.method)
(field_declaration_list (declaration
  declarator: (function_declarator declarator: [(identifier) (destructor_name)] @name)) @definition.method)

(field_declaration_list (field_declaration
  declarator: [(field_identifier) @name
               (pointer_declarator declarator: (field_identifier) @name)
               (reference_declarator (field_identifier) @name)
               (array_declarator declarator: (field_identifier) @name)]) @definition.field)

(preproc_function_def name: (identifier) @name) @definition.function
(preproc_def name: (identifier) @name) @definition.constant

; File- and namespace-level variables; locals would drown the outline.
(translation_unit (declaration
  declarator: [(identifier) @name (init_declarator declarator: (identifier) @name)]) @definition.variable)
(declaration_list (declaration
  declarator: [(identifier) @name (init_declarator declarator: (identifier) @name)]) @definition.variable)
(preproc_ifdef (declaration
  declarator: [(identifier) @name (init_declarator declarator: (identifier) @name)]) @definition.variable)

; ---- references --------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (qualified_identifier name: (identifier) @name)) @reference.call
(call_expression function: (template_function name: (identifier) @name)) @reference.call
(type_identifier) @reference.type

; ---- any other identifier ------------------------------------------------------------------

(identifier) @reference.identifier
(field_identifier) @reference.identifier
(namespace_identifier) @reference.identifier
