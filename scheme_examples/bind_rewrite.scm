; bind_rewrite.scm -- a BindLink: find every match of a pattern, and for
; each one add a rewritten graph to the AtomSpace.
;
; Rule: whatever is a mammal is an animal, and whatever lives in the sea
; and is a mammal swims.

(use-modules (opencog) (opencog exec))

(Inheritance (stv 1 0.9) (Concept "dolphin") (Concept "mammal"))
(Inheritance (stv 1 0.9) (Concept "cat") (Concept "mammal"))
(Inheritance (stv 1 0.9) (Concept "shark") (Concept "fish"))

(Evaluation (Predicate "lives in") (List (Concept "dolphin") (Concept "sea")))
(Evaluation (Predicate "lives in") (List (Concept "shark") (Concept "sea")))
(Evaluation (Predicate "lives in") (List (Concept "cat") (Concept "house")))

(define mammals-are-animals
  (BindLink
    (TypedVariable (Variable "$X") (Type 'ConceptNode))
    (Inheritance (Variable "$X") (Concept "mammal"))
    (Inheritance (Variable "$X") (Concept "animal"))))

(display "Mammals are animals:\n")
(display (cog-execute! mammals-are-animals))

; Two clauses joined on $X: both must hold.
(define sea-mammals-swim
  (BindLink
    (VariableList
      (TypedVariable (Variable "$X") (Type "ConceptNode")))
    (AndLink
      (Inheritance (Variable "$X") (Concept "mammal"))
      (Evaluation (Predicate "lives in") (List (Variable "$X") (Concept "sea"))))
    (Evaluation (Predicate "swims") (List (Variable "$X")))))

(display "Sea mammals swim:\n")
(display (cog-execute! sea-mammals-swim))

; The rewrites are now in the AtomSpace like any other atom.
(format #t "dolphin is an animal: ~a~%"
        (cog-atom? (cog-link 'InheritanceLink (Concept "dolphin") (Concept "animal"))))
(format #t "shark is not an animal: ~a~%"
        (null? (cog-link 'InheritanceLink (Concept "shark") (Concept "animal"))))

; Running a rule again finds the same matches and adds nothing new.
(define before (length (cog-get-atoms 'Atom #t)))
(cog-execute! mammals-are-animals)
(format #t "atoms added by a second run: ~a~%" (- (length (cog-get-atoms 'Atom #t)) before))
