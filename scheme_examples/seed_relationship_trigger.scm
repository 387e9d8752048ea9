; seed_relationship_trigger.scm -- the seed's RelationshipTriggerLink example in s-expression form.
;
; Run with:  atomtrig run scheme_examples/seed_relationship_trigger.scm
;
; Keep a running count of how many words have been seen as the subject of each verb: the
; count is the positive evidence of a SatisfyingSetLink, updated by a ForAll/Implication rule
; that a RelationshipTriggerLink on (PredicateNode "subject") runs for every new link of
; "subject" -- anchored on that link, so the cost does not grow with the store. The rule's
; rewrite produces the SatisfyingSetLink again for each observation, and revision increments
; its count.

(use-modules (opencog))

(define rule
  (ForAllLink
    (VariableList
      (TypedVariable (Variable "$W") (Type "PredicateNode"))
      (TypedVariable (Variable "$X") (Type "PredicateNode")))
    (ImplicationLink
      (Evaluation (Variable "$W") (Variable "$X") (AnyNode ""))
      (SatisfyingSetLink
        (TypedVariable (Variable "$Z") (Type "ConceptNode"))
        (Evaluation (Variable "$W") (Variable "$X") (Variable "$Z"))))))

(define subject (Predicate "subject"))
(RelationshipTriggerLink subject rule (Variable "$W"))

(define (observe verb who)
  (Evaluation subject (Predicate verb) (Concept who)))

(define (count-for verb)
  (cog-count (SatisfyingSetLink
               (TypedVariable (Variable "$Z") (Type "ConceptNode"))
               (Evaluation subject (Predicate verb) (Variable "$Z")))))

(observe "tickle" "Ben")
(format #t "after Ben tickles: ~a~%" (count-for "tickle"))
(observe "tickle" "Ruiting")
(observe "tickle" "Cassio")
(format #t "after Ruiting and Cassio: ~a~%" (count-for "tickle"))
(observe "tickle" "Ben")              ; already observed: no new link, no new evidence
(format #t "Ben again (not new): ~a~%" (count-for "tickle"))
(observe "eat" "Ben")
(format #t "eat: ~a, tickle: ~a~%" (count-for "eat") (count-for "tickle"))
