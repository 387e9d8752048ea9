;
; classic.scm -- a script in the style of the classic OpenCog AtomSpace
; examples: Scheme helpers, BindLinks, GetLinks, a "scm:" schema that
; computes truth values, and the printed results.
;
; Run it with:  atomtrig run scheme_examples/classic.scm
;
(use-modules (opencog) (opencog query) (opencog exec))

; Some knowledge, with truth values.
(InheritanceLink (stv 0.9 0.9) (ConceptNode "Socrates") (ConceptNode "man"))
(InheritanceLink (stv 0.8 0.9) (ConceptNode "Plato") (ConceptNode "man"))
(InheritanceLink (stv 0.98 0.8) (ConceptNode "man") (ConceptNode "mortal"))

; A query: who is a man?
(define who-is-a-man
   (GetLink
      (InheritanceLink (VariableNode "$who") (ConceptNode "man"))))

; Deduction: A->B and B->C gives A->C, with a truth value computed by a
; Scheme function (called through the "scm:" GroundedSchemaNode).
(define deduction
   (BindLink
      (VariableList
         (TypedVariableLink (VariableNode "$A") (TypeNode "ConceptNode"))
         (TypedVariableLink (VariableNode "$B") (TypeNode "ConceptNode"))
         (TypedVariableLink (VariableNode "$C") (TypeNode "ConceptNode")))
      (AndLink
         (InheritanceLink (VariableNode "$A") (VariableNode "$B"))
         (InheritanceLink (VariableNode "$B") (VariableNode "$C")))
      (ExecutionOutputLink
         (GroundedSchemaNode "scm: deduce")
         (ListLink
            (InheritanceLink (VariableNode "$A") (VariableNode "$B"))
            (InheritanceLink (VariableNode "$B") (VariableNode "$C"))
            (InheritanceLink (VariableNode "$A") (VariableNode "$C"))))))

; Helpers in the style of the classic examples.
(define (tv-mean tv) (cdr (assoc 'mean (cog-tv->alist tv))))
(define (tv-conf tv) (cdr (assoc 'confidence (cog-tv->alist tv))))

; A very simple deduction formula: multiply strengths, take the lower
; confidence.
(define (deduce ab bc ac)
   (let ((s (* (tv-mean (cog-tv ab)) (tv-mean (cog-tv bc))))
         (c (min (tv-conf (cog-tv ab)) (tv-conf (cog-tv bc)))))
      (cog-set-tv! ac (cog-new-stv s c))))

(display "Men: ")
(display (map cog-name (cog-outgoing-set (cog-execute! who-is-a-man))))
(newline)

(define conclusions (cog-execute! deduction))
(format #t "The deduction found ~a conclusions.~%" (cog-arity conclusions))

(for-each
   (lambda (link)
      (format #t "~a is ~a with strength ~,2f and confidence ~,2f~%"
         (cog-name (gar link)) (cog-name (gdr link))
         (cog-mean link) (cog-confidence link)))
   (sort (cog-outgoing-set conclusions)
         (lambda (a b) (string<? (cog-name (gar a)) (cog-name (gar b))))))

(display (cog-link 'InheritanceLink (ConceptNode "Socrates") (ConceptNode "mortal")))
