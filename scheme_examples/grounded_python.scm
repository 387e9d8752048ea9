; grounded_python.scm -- GroundedSchemaNodes and GroundedPredicateNodes
; call Python functions (here from grounded_helpers.py, next to this file).
;
; Python code only runs from modules the user allows:
;   atomtrig run --allow-module grounded_helpers scheme_examples/grounded_python.scm

(use-modules (opencog) (opencog exec))

(define cat (Concept "cat"))
(define bird (Concept "bird"))
(define elephant (Concept "elephant"))
(cog-set-value! cat (Predicate "legs") (FloatValue 4))
(cog-set-value! bird (Predicate "legs") (FloatValue 2))
(cog-set-value! elephant (Predicate "legs") (FloatValue 4))
(cog-set-value! cat (Predicate "weight") (FloatValue 4.5))
(cog-set-value! elephant (Predicate "weight") (FloatValue 5400))

; A schema called directly.
(display (cog-execute!
  (ExecutionOutput
    (GroundedSchema "py:grounded_helpers.total_legs")
    (List cat bird elephant))))

(display (cog-execute!
  (ExecutionOutput (GroundedSchema "py:grounded_helpers.shout") (List (Concept "hello")))))

; A predicate as a clause of a query: only heavy animals match.
(Inheritance cat (Concept "animal"))
(Inheritance elephant (Concept "animal"))
(define heavy-animals
  (Get
    (TypedVariable (Variable "$a") (Type 'ConceptNode))
    (And
      (Inheritance (Variable "$a") (Concept "animal"))
      (Evaluation (GroundedPredicate "py:grounded_helpers.is_heavy") (List (Variable "$a"))))))
(display (cog-execute! heavy-animals))

; A schema in the rewrite of a BindLink runs once per match.
(display (cog-execute!
  (Bind
    (TypedVariable (Variable "$a") (Type 'ConceptNode))
    (Inheritance (Variable "$a") (Concept "animal"))
    (ExecutionOutput (GroundedSchema "py:grounded_helpers.shout") (List (Variable "$a"))))))
