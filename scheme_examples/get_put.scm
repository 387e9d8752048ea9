; get_put.scm -- GetLink finds groundings, PutLink substitutes values
; into a template, and the two compose.

(use-modules (opencog) (opencog exec))

(Evaluation (Predicate "colour") (List (Concept "sky") (Concept "blue")))
(Evaluation (Predicate "colour") (List (Concept "grass") (Concept "green")))
(Evaluation (Predicate "colour") (List (Concept "sea") (Concept "blue")))

; What is blue?  One variable: a SetLink of the groundings.
(define blue-things
  (Get (Evaluation (Predicate "colour") (List (Variable "$thing") (Concept "blue")))))
(display (cog-execute! blue-things))

; Two variables: each grounding is a ListLink, in declaration order.
(define colour-table
  (Get
    (VariableList (Variable "$thing") (Variable "$colour"))
    (Evaluation (Predicate "colour") (List (Variable "$thing") (Variable "$colour")))))
(display (cog-execute! colour-table))

; PutLink: beta-reduction of a lambda with one value ...
(define is-pretty
  (Lambda (Variable "$x") (Evaluation (Predicate "pretty") (List (Variable "$x")))))
(display (cog-execute! (Put is-pretty (Concept "sunset"))))

; ... and with a set of values: one result per member.
(display (cog-execute! (Put is-pretty blue-things)))

; Get inside Put: everything blue is also calm.
(cog-execute!
  (Put
    (Inheritance (Variable "$x") (Concept "calm"))
    blue-things))
(format #t "calm things: ~a~%"
        (map cog-name
             (cog-chase-link 'InheritanceLink 'ConceptNode (Concept "calm"))))
