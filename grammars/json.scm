; Strata definitions for JSON: every key of every object, nested, with a kind from its value
; (as editors' JSON outlines show them). JSON has no references.
; Convention: see javascript.scm (or server/src/syntax/analysis/captures.ts). First pattern wins.
; Keys are named by their content without quotes; an empty key ("") has none and is not listed.

(pair key: (string (string_content) @name) value: (object)) @definition.object
(pair key: (string (string_content) @name) value: (array)) @definition.array
(pair key: (string (string_content) @name) value: (string)) @definition.string
(pair key: (string (string_content) @name) value: (number)) @definition.number
(pair key: (string (string_content) @name) value: [(true) (false)]) @definition.boolean
(pair key: (string (string_content) @name) value: (null)) @definition.null
(pair key: (string (string_content) @name)) @definition.key
