; Strata definitions and references for Bash.
; Convention: see javascript.scm (or server/src/syntax/analysis/captures.ts). First pattern wins.
; Variables count as definitions only at the top level of a script (`local` ones would drown the
; outline); `readonly` ones are constants.

; ---- definitions -------------------------------------------------------------------------

(function_definition name: (word) @name) @definition.function

(program (declaration_command "readonly"
  (variable_assignment name: (variable_name) @name)) @definition.constant)
(program (declaration_command "readonly" (variable_name) @name) @definition.constant)
(program (declaration_command
  (variable_assignment name: (variable_name) @name)) @definition.variable)
(program (declaration_command (variable_name) @name) @definition.variable)
(program (variable_assignment name: (variable_name) @name) @definition.variable)
(program (variable_assignments (variable_assignment name: (variable_name) @name) @definition.variable))

; ---- references --------------------------------------------------------------------------

(command name: (command_name (word) @name)) @reference.call
; Positional parameters ($1) are not names anyone looks up.
((simple_expansion (variable_name) @name) @reference.identifier (#not-match? @name "^[0-9]+$"))
((expansion (variable_name) @name) @reference.identifier (#not-match? @name "^[0-9]+$"))

; ---- any other identifier ------------------------------------------------------------------

((variable_name) @reference.identifier (#not-match? @reference.identifier "^[0-9]+$"))
