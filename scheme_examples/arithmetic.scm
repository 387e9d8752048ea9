; arithmetic.scm -- numbers in Scheme, and arithmetic links that the
; AtomSpace executes.

(use-modules (opencog) (opencog exec))

; Scheme arithmetic: exact integers and fractions, floats where asked.
(format #t "~a ~a ~a ~a~%" (+ 1 2 3) (/ 10 4) (* 1.5 4) (- 7))
(format #t "~a ~a ~a~%" (expt 2 64) (exact->inexact 1/3) (sqrt 16))
(format #t "~a ~a ~a~%" (quotient 17 5) (remainder 17 5) (modulo -7 3))
(format #t "~a ~a~%" (max 1 2.5) (round 2.5))

; Arithmetic links: executing them computes a NumberNode.
(display (cog-execute! (Plus (Number 2) (Number 3))))
(display (cog-execute! (Times (Number 6) (Plus (Number 3) (Number 4)))))
(display (cog-execute! (Minus (Number 10) (Number 2.5))))
(display (cog-execute! (Divide (Number 1) (Number 8))))

; NumberNodes compare by value: "3.0" and "3" are one atom.
(format #t "same number: ~a~%" (equal? (Number "3.0") (Number 3)))

; GreaterThanLink is evaluated to a truth value.
(format #t "5 > 3: ~a~%" (cog-evaluate! (GreaterThan (Number 5) (Number 3))))
(format #t "2 > 3: ~a~%" (cog-evaluate! (GreaterThan (Number 2) (Number 3))))

; Arithmetic inside a query: the weights of heavy things, doubled.
(Evaluation (Predicate "weight") (List (Concept "rock") (Number 12)))
(Evaluation (Predicate "weight") (List (Concept "feather") (Number 0.01)))
(Evaluation (Predicate "weight") (List (Concept "boulder") (Number 300)))
(display (cog-execute!
  (Bind
    (VariableList (Variable "$thing") (Variable "$w"))
    (And
      (Evaluation (Predicate "weight") (List (Variable "$thing") (Variable "$w")))
      (GreaterThan (Variable "$w") (Number 1)))
    (List (Variable "$thing") (Times (Variable "$w") (Number 2))))))
