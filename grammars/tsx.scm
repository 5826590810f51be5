; Strata references for TSX that TypeScript has not: JSX component uses. The TSX query is this file
; followed by typescript.scm (see `queries` in server/src/syntax/languages.ts). First pattern wins, so
; these come first; they match only JSX element names, which no TypeScript pattern captures.

; JSX components (capitalised); lower-case tags are HTML elements.
((jsx_opening_element name: (identifier) @name) @reference.call (#match? @name "^[A-Z]"))
((jsx_self_closing_element name: (identifier) @name) @reference.call (#match? @name "^[A-Z]"))
