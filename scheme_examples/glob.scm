; glob.scm -- a GlobNode matches a run of one or more atoms in a sequence,
; like + in a regular expression.

(use-modules (opencog) (opencog exec))

; Some "sentences".
(List (Concept "the") (Concept "cat") (Concept "sat"))
(List (Concept "the") (Concept "big") (Concept "black") (Concept "dog") (Concept "sat"))
(List (Concept "a") (Concept "bird") (Concept "sang"))

(define (sentence->string s)
  (string-join (map cog-name (cog-outgoing-set s)) " "))

; "the ... sat" -> "the ... was sitting"
(define sat-rule
  (Bind
    (List (Concept "the") (Glob "$who") (Concept "sat"))
    (List (Concept "the") (Glob "$who") (Concept "was") (Concept "sitting"))))

(for-each
  (lambda (s) (display (sentence->string s)) (newline))
  (sort (cog-outgoing-set (cog-execute! sat-rule))
        (lambda (a b) (< (cog-arity a) (cog-arity b)))))

; A typed glob with an interval: exactly one ConceptNode.
(define one-word-subject
  (Get
    (TypedVariable (Glob "$who")
      (TypeChoice (Type 'ConceptNode) (Interval (Number 1) (Number 1))))
    (List (Concept "the") (Glob "$who") (Concept "sat"))))
(display (cog-execute! one-word-subject))
