; basics.scm -- atoms, truth values, values and the incoming set.
;
; Run with:  atomtrig run scheme_examples/basics.scm

(use-modules (opencog))

; Nodes and links, with full and short type names. Adding an atom twice
; gives the same atom: atoms are unique.
(define tweety (ConceptNode "Tweety"))
(define bird (Concept "bird"))
(define animal (Concept "animal"))

(InheritanceLink (stv 0.95 0.9) tweety bird)
(Inheritance (stv 1 0.99) bird animal)

(display "Same atom twice: ")
(display (equal? tweety (Concept "Tweety")))
(newline)

; A truth value may come anywhere among the arguments; it is attached to
; the atom and is not part of the outgoing set.
(define penguin-bird (Inheritance (Concept "penguin") (stv 0.9 0.8) bird))
(format #t "arity ~a, strength ~a, confidence ~a~%"
        (cog-arity penguin-bird) (cog-mean penguin-bird) (cog-confidence penguin-bird))

; CountTruthValues keep an explicit count of evidence.
(define sightings (Evaluation (ctv 0.7 0.5 12)
   (Predicate "seen flying")
   (List tweety)))
(format #t "seen flying: ~a (count ~a)~%" (cog-tv sightings) (cog-count sightings))

; Truth values can be changed; the atom stays the same atom.
(cog-set-tv! tweety (SimpleTruthValue 0.5 0.25))
(display tweety)

; The incoming set: every link that contains an atom.
(format #t "bird appears in ~a links~%" (length (cog-incoming-set bird)))
(for-each
  (lambda (link) (display (cog-name (car (cog-outgoing-set link)))) (newline))
  (cog-incoming-by-type bird 'InheritanceLink))

; Types are values too.
(display (Type 'ConceptNode))
(display (cog-type penguin-bird))
(newline)

; Values: any number of keyed vectors on an atom.
(cog-set-value! tweety (Predicate "wingspan") (FloatValue 0.25 0.31))
(cog-set-value! tweety (Predicate "colour") (StringValue "yellow"))
(format #t "wingspan ~a, first ~a~%"
        (cog-value tweety (Predicate "wingspan"))
        (cog-value-ref (cog-value tweety (Predicate "wingspan")) 0))
(format #t "~a keys~%" (length (cog-keys tweety)))

; Printing an atom gives its canonical form, which reads back as the same atom.
(display penguin-bird)

; Removing atoms.
(define temp (List (Concept "x") (Concept "y")))
(format #t "extract a contained node: ~a~%" (cog-extract! (Concept "x")))
(format #t "extract the list: ~a~%" (cog-extract! temp))
(format #t "~a ConceptNodes~%" (length (cog-get-atoms 'ConceptNode)))
