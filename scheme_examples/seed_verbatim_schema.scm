; seed_verbatim_schema.scm -- the seed's "Triggering schema execution" example exactly as the
; seed writes it (seed_schema.atomese).
;
; Run with:  atomtrig run scheme_examples/seed_verbatim_schema.scm

(use-modules (opencog))

(load-indented "seed_schema.atomese")
(Inheritance (Concept "roquefort") (Concept "cheese"))
(format #t "processed roquefort: ~a~%"
        (cog-link? (cog-link 'EvaluationLink (Predicate "processed") (Concept "roquefort"))))
