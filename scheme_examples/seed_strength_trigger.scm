; seed_strength_trigger.scm -- the seed's StrengthTriggerLink example in s-expression form.
;
; Run with:  atomtrig run scheme_examples/seed_strength_trigger.scm
;
; When the strength of "starving me" rises past 0.8, the BindLink is fed to the pattern
; matcher: it finds the food near me and eats it (eat.py, a file schema next to this script).

(use-modules (opencog))

(define eat-rule
  (BindLink
    (TypedVariable (Variable "$X") (Type "ConceptNode"))
    (AndLink
      (Evaluation (Predicate "starving") (Concept "me"))
      (Evaluation (Predicate "near") (Concept "me") (Variable "$X"))
      (Inheritance (Variable "$X") (Concept "food")))
    (ExecutionOutputLink (GroundedSchema "eat.py") (ListLink (Variable "$X")))))

(define starving (Evaluation (Predicate "starving") (Concept "me")))
(define trigger (StrengthTriggerLink starving eat-rule (Number 0.8)))

(Evaluation (Predicate "near") (Concept "me") (Concept "bread"))
(Evaluation (Predicate "near") (Concept "me") (Concept "stone"))
(Inheritance (Concept "bread") (Concept "food"))

(define (fired) (cadr (assq 'fired (cog-trigger-stats trigger))))

(cog-set-tv! starving (stv 0.5 0.9))
(format #t "strength 0.5: fired ~a~%" (fired))
(cog-set-tv! starving (stv 0.9 0.9))      ; rises past 0.8: the rule runs
(format #t "strength 0.9: fired ~a~%" (fired))
(cog-set-tv! starving (stv 0.95 0.9))     ; stays above: no new firing (a rising edge)
(format #t "strength 0.95: fired ~a~%" (fired))
(cog-set-tv! starving (stv 0.2 0.9))
(cog-set-tv! starving (stv 0.85 0.9))     ; falls, then rises again: fires again
(format #t "down and up again: fired ~a~%" (fired))
(format #t "ate: ~a~%" (map cog-name (map (lambda (l) (cog-outgoing-atom l 1))
                                          (cog-incoming-by-type (Predicate "ate") 'EvaluationLink))))
