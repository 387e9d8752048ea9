; seed_verbatim_strength.scm -- the seed's StrengthTriggerLink example exactly as the seed
; writes it (seed_strength.atomese, the indented notation), driven from Atomese.
;
; Run with:  atomtrig run scheme_examples/seed_verbatim_strength.scm
;
; As written, the rule's rewrite executes (ExecutionOutputLink (PredicateNode "eat") ...): a
; PredicateNode is not a schema, so the firing fails. The failure is recorded on the trigger
; (and logged); the change that fired it stands. seed_strength_trigger.scm is the working form.

(use-modules (opencog))

(define atoms (load-indented "seed_strength.atomese"))
(format #t "read ~a top-level atoms; [123] is a ~a~%" (length atoms) (cog-type (atom-label 123)))

(Evaluation (Predicate "near") (Concept "me") (Concept "bread"))
(Inheritance (Concept "bread") (Concept "food"))

(define starving (atom-label 456))
(cog-set-tv! starving (stv 0.9 0.9))
(define stats (car (cog-trigger-stats)))
(format #t "fired ~a, failed ~a~%" (cadr (assq 'fired stats)) (cadr (assq 'failed stats)))
(format #t "starving is still ~a~%" (cog-tv starving))
