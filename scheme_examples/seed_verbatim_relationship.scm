; seed_verbatim_relationship.scm -- the seed's RelationshipTriggerLink example exactly as the
; seed writes it (seed_relationship.atomese), then the observations it describes.
;
; Run with:  atomtrig run scheme_examples/seed_verbatim_relationship.scm

(use-modules (opencog))

(load-indented "seed_relationship.atomese")

(define (observe who)
  (Evaluation (Predicate "subject") (Predicate "tickle") (Concept who)))

(define (tickle-count)
  (cog-count (SatisfyingSetLink
               (TypedVariable (Variable "$Z") (Type "ConceptNode"))
               (Evaluation (Predicate "subject") (Predicate "tickle") (Variable "$Z")))))

(observe "Ben")
(format #t "positiveEvidence after Ben: ~a~%" (tickle-count))
(observe "Ruiting")
(observe "Cassio")
(format #t "after Ruiting and Cassio: ~a~%" (tickle-count))
(format #t "the trigger fired ~a times~%" (cadr (assq 'fired (car (cog-trigger-stats)))))
