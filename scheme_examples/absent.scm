; absent.scm -- AbsentLink matches only when its pattern has no grounding
; in the AtomSpace: "if nobody is in the room, switch the light off".

(use-modules (opencog) (opencog exec))

(define in-room
  (Evaluation (Predicate "in room") (List (Variable "$person"))))

; The light's state, kept with a StateLink.
(define light (Anchor "light"))
(State light (Concept "on"))

(define (light-state)
  (cog-name (car (cog-chase-link 'StateLink 'ConceptNode light))))

; If nobody is in the room, the light goes off.
(define switch-off
  (Bind
    (Absent in-room)
    (Put (State light (Variable "$x")) (Concept "off"))))

; Somebody is in the room: the rule finds nothing to do.
(define alice-in (Evaluation (Predicate "in room") (List (Concept "Alice"))))
(cog-execute! switch-off)
(format #t "Alice in the room, the light is ~a~%" (light-state))

; Alice leaves; now the pattern is absent and the rule fires.
(cog-extract-recursive! alice-in)
(cog-execute! switch-off)
(format #t "room empty, the light is ~a~%" (light-state))

; An AbsentLink beside an ordinary clause: pets nobody has adopted.
(Inheritance (Concept "Rex") (Concept "pet"))
(Inheritance (Concept "Tom") (Concept "pet"))
(Inheritance (Concept "Lassie") (Concept "pet"))
(Evaluation (Predicate "adopted") (List (Concept "Rex")))
(display (cog-execute!
  (Get
    (TypedVariable (Variable "$pet") (Type 'ConceptNode))
    (And
      (Inheritance (Variable "$pet") (Concept "pet"))
      (Absent (Evaluation (Predicate "adopted") (List (Variable "$pet"))))))))
