; state.scm -- StateLink: at most one state per key. Setting a new state
; removes the old one, so the key behaves like a variable that the
; pattern matcher can read.

(use-modules (opencog) (opencog exec))

(define light (Anchor "traffic light"))

; The query that reads the state. (It holds an open StateLink, with a
; variable: open StateLinks are patterns and never replace the state.)
(define current-state (Get (State light (Variable "$s"))))

(define (state-name)
  (cog-name (car (cog-outgoing-set (cog-execute! current-state)))))

(State light (Concept "red"))
(format #t "the light is ~a~%" (state-name))

(State light (Concept "green"))
(format #t "the light is ~a~%" (state-name))

; Only one closed StateLink for the key remains.
(format #t "red is gone: ~a~%" (null? (cog-link 'StateLink light (Concept "red"))))

; A Scheme procedure that moves the state along.
(define (advance!)
  (let ((now (state-name)))
    (State light
      (Concept (cond ((equal? now "green") "amber")
                     ((equal? now "amber") "red")
                     (else "green"))))))

(advance!)
(format #t "the light is ~a~%" (state-name))
(advance!)
(format #t "the light is ~a~%" (state-name))

; The state can be set from a PutLink too.
(cog-execute! (Put (State light (Variable "$x")) (Concept "flashing")))
(format #t "the light is ~a~%" (state-name))
(format #t "closed states on the key: ~a~%"
        (length (filter (lambda (s) (not (equal? (cog-type (cadr (cog-outgoing-set s))) 'VariableNode)))
                        (cog-incoming-by-type light 'StateLink))))
