; seed_schema_trigger.scm -- the seed's "Triggering schema execution" example.
;
; Run with:  atomtrig run scheme_examples/seed_schema_trigger.scm
;
; A RelationshipTriggerLink on "cheese" runs newCheeseProcessor.py (a file schema next to this
; script; its run(source, new_link) gets the new link) for every new link about cheese.

(use-modules (opencog))

(RelationshipTriggerLink
  (ConceptNode "cheese")
  (ExecutionOutputLink (GroundedSchemaNode "newCheeseProcessor.py")))

(Inheritance (Concept "brie") (Concept "cheese"))
(Inheritance (Concept "gouda") (Concept "cheese"))
(Inheritance (Concept "brie") (Concept "cheese"))   ; not new: nothing runs
(format #t "processed: ~a~%"
        (sort (map (lambda (l) (cog-name (cog-outgoing-atom l 1)))
                   (cog-incoming-by-type (Predicate "processed") 'EvaluationLink))
              string<?))
